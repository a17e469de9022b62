"""The synth path (`python app.py` under `cdk synth`) loads only what synthesis needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, cdk_json_context

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
loaded = sorted(m for m in sys.modules if m.startswith(("exosphere_cdk", "rich", "argparse")))
print(json.dumps({"code": code, "importers": importers, "loaded": loaded}))
"""


def test_synthesis_loads_no_command_line_rich_or_operations(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    env["CDK_OUTDIR"] = str(tmp_path / "cdk.out")
    env["CDK_CONTEXT_JSON"] = json.dumps(
        {**cdk_json_context(), "app": str(REPO / "manifests" / "hello")}
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(NEVER)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0
    assert (tmp_path / "cdk.out" / "manifest.json").is_file()
    # jsii's runtime type checks load typeguard, which loads unittest.mock, whose
    # package loads unittest.main and argparse: the floor app pays for that too.
    assert report["importers"] == {"argparse": "unittest.main"}
    assert [m for m in report["loaded"] if m in NEVER and m != "argparse"] == []
    assert [m for m in report["loaded"] if m.startswith(NEVER_PREFIXES)] == []
