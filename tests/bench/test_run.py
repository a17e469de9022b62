"""The benchmark's modes: the floor runs CDK's built-in validation exactly when our app does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import FLOOR_APP, MODES, PATHS, REPO, Bench, Job, Subject
from exosphere_cdk.synth import builtin_validation


@pytest.mark.parametrize("value", [None, "true", "false"])
def test_the_floor_validates_exactly_when_our_app_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    if value is not None:
        env["CDK_VALIDATION"] = value
        monkeypatch.setenv("CDK_VALIDATION", value)
    else:
        monkeypatch.delenv("CDK_VALIDATION", raising=False)
    (tmp_path / "floor.py").write_text(FLOOR_APP)
    env["CDK_OUTDIR"] = str(tmp_path / "out")

    subprocess.run([sys.executable, str(tmp_path / "floor.py")], env=env, check=True, timeout=120)

    # aws-cdk-lib writes the report only when some validation ran; the floor has no cdk-nag.
    assert (tmp_path / "out" / "validation-report.json").is_file() == builtin_validation()


def test_each_mode_gives_the_floor_and_our_app_the_same_environment(tmp_path: Path) -> None:
    bench = Bench(tmp_path, REPO, 0.025)
    floor, app = Subject("floor", floor=True), Subject("gen-1", tmp_path / "app", services=1)

    for path in PATHS:
        for mode in MODES:
            (floor_cmd, floor_env), (app_cmd, app_env) = (
                bench.command(Job(subject, path, mode, runs=1), tmp_path / "out")
                for subject in (floor, app)
            )
            expected = "true" if mode == "validation" else None
            assert floor_env.get("CDK_VALIDATION") == app_env.get("CDK_VALIDATION") == expected
            if path == "cli":  # the same command but for which app
                assert "--no-validation" not in floor_cmd + app_cmd
                assert floor_cmd[:7] == app_cmd[:7]
