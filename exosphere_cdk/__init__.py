"""exosphere-cdk: deploy Exosphere applications to AWS with the AWS CDK."""

import os
from pathlib import Path

# jsii runs its kernel on `node` from PATH unless JSII_NODE names one. `npx cdk` puts
# node_modules/.bin first on PATH, but `exo-cdk` and pytest do not: point jsii at the
# checkout's pinned Node (package.json) so every caller runs on the same supported LTS.
# Set here, before any module of the package imports aws_cdk.
_PINNED_NODE = Path(__file__).resolve().parents[1] / "node_modules" / ".bin" / "node"
if _PINNED_NODE.is_file():
    os.environ.setdefault("JSII_NODE", str(_PINNED_NODE))
