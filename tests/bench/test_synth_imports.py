"""The synth path (`python app.py` under `cdk synth`) loads only what synthesis needs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.conftest import REPO, cdk_json_context, run_probe

#: Modules synthesis never needs: the command line, rich, the operations on an app.
NEVER = ("argparse", "rich", "rich.console", "rich.table", "rich.tree", "exosphere_cdk.cli")
NEVER_PREFIXES = ("exosphere_cdk.cli.", "exosphere_cdk.ops")

# Runs app.py's main() as `cdk synth` does, recording which module first imported each
# watched module (the nearest frame outside the import machinery), then prints them.
PROBE = """
import json, sys

WATCH = set(sys.argv[1].split(","))
importers = {}


class Watcher:
    def find_spec(self, name, path=None, target=None):
        if name in WATCH and name not in importers:
            frame = sys._getframe(1)
            while frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
                frame = frame.f_back
            importers[name] = frame.f_globals.get("__name__")
        return None


sys.meta_path.insert(0, Watcher())
from exosphere_cdk.synth import main

code = main()
watched = ("exosphere_cdk", "exosphere_constructs", "rich", "argparse", "aws_cdk.aws_")
loaded = sorted(m for m in sys.modules if m.startswith(watched))
print(json.dumps({"code": code, "importers": importers, "loaded": loaded}))
"""


def _synthesize(example: str, tmp_path: Path) -> dict[str, Any]:
    """Run app.py's main() on `example` as `cdk synth` does: what it loaded, and who first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    env["CDK_OUTDIR"] = str(tmp_path / "cdk.out")
    env["CDK_CONTEXT_JSON"] = json.dumps(
        {**cdk_json_context(), "app": str(REPO / "manifests" / example)}
    )
    report, _ = run_probe(PROBE, ",".join(NEVER), env=env, timeout=300)
    assert report["code"] == 0
    assert (tmp_path / "cdk.out" / "manifest.json").is_file()
    return report


def test_synthesis_loads_no_command_line_rich_or_operations(tmp_path: Path) -> None:
    report = _synthesize("hello", tmp_path)
    # jsii's runtime type checks load typeguard, which loads unittest.mock, whose
    # package loads unittest.main and argparse: the floor app pays for that too.
    assert report["importers"] == {"argparse": "unittest.main"}
    assert [m for m in report["loaded"] if m in NEVER and m != "argparse"] == []
    assert [m for m in report["loaded"] if m.startswith(NEVER_PREFIXES)] == []


def test_synthesis_loads_only_the_constructs_and_cdk_modules_the_app_uses(tmp_path: Path) -> None:
    # shop: no `waf`, an ExoCom release whose clients reconnect (no reconnector).
    report = _synthesize("shop", tmp_path)

    loaded = set(report["loaded"])
    assert not loaded & {"exosphere_constructs.web_acl", "exosphere_constructs.exocom_reconnector"}
    assert not loaded & {"aws_cdk.aws_wafv2", "aws_cdk.aws_lambda", "aws_cdk.aws_events_targets"}
    # What every app uses is loaded (the check above would pass on a failed import).
    assert {"aws_cdk.aws_ecs", "exosphere_constructs.exo_service"} <= loaded
    # The Go era's loader is an exo-deploy app's import only when it is one.
    assert not {m for m in loaded if m.startswith("exosphere_cdk.manifest.load.go_era")}
    assert "exosphere_cdk.manifest.load.exo_deploy.loader" in loaded


def test_a_go_era_app_loads_the_go_era_loader(tmp_path: Path) -> None:
    loaded = set(_synthesize("go-f5", tmp_path)["loaded"])
    assert "exosphere_cdk.manifest.load.go_era.loader" in loaded
