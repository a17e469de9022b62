"""The Node pinned in package.json (an LTS, 22 or newer) runs the CDK CLI and jsii."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from exosphere_cdk.synth import node_options
from tests.conftest import APP_PY, REPO, cdk_json_context

NODE_BIN = REPO / "node_modules" / ".bin"
# jsii-runtime's banners for a Node it does not support (end of life, deprecated, untested).
JSII_NODE_BANNERS = ("end-of-life", "no longer be supported", "has not been tested with node")


def _pinned() -> str:
    version: str = json.loads((REPO / "package.json").read_text())["devDependencies"]["node"]
    return version


def _machine_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The environment of a shell on this machine: its own Node first on PATH, no JSII_*
    variables (no JSII_NODE, no silencing), no AWS or CDK settings, an empty HOME; every
    Node process started with it appends "<version> <main script>" to the returned log."""
    log, trace = tmp_path / "node.log", tmp_path / "trace.cjs"
    trace.write_text(
        'require("fs").appendFileSync(process.env.NODE_TRACE_LOG,'
        ' `${process.version} ${process.argv[1] ?? ""}\\n`);\n'
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JSII_", "AWS_", "CDK_", "NODE_"))
    }
    path = [entry for entry in env["PATH"].split(os.pathsep) if Path(entry) != NODE_BIN]
    env.update(
        PATH=os.pathsep.join(path),
        HOME=str(tmp_path),
        NODE_OPTIONS=f'--require "{trace}"',
        NODE_TRACE_LOG=str(log),
    )
    return env, log


def _processes(log: Path) -> list[tuple[str, str]]:
    """(version, main script) of every Node process that ran, in order."""
    lines = log.read_text().splitlines()
    return [(version, script) for version, _, script in (line.partition(" ") for line in lines)]


def test_package_json_pins_an_exact_lts_of_22_or_newer() -> None:
    major, _, _ = (int(part) for part in _pinned().split("."))  # three numbers: no range
    assert major >= 22
    assert major % 2 == 0  # only even majors become LTS


def test_the_pinned_node_is_installed() -> None:
    result = subprocess.run(
        [str(NODE_BIN / "node"), "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"v{_pinned()}"


def test_npx_cdk_runs_on_the_pinned_node(tmp_path: Path) -> None:
    env, log = _machine_env(tmp_path)
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "--version"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    cli = [version for version, script in _processes(log) if Path(script).name == "cdk"]
    assert cli == [f"v{_pinned()}"]


def test_jsii_runs_on_the_pinned_node_without_npx(tmp_path: Path) -> None:
    """As `exo-cdk` and pytest do: Python imports exosphere_cdk, then aws_cdk."""
    env, log = _machine_env(tmp_path)
    code = "import exosphere_cdk, aws_cdk; aws_cdk.App()"
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert not [banner for banner in JSII_NODE_BANNERS if banner in result.stderr], result.stderr
    jsii = [version for version, script in _processes(log) if script.endswith("jsii-runtime.js")]
    assert jsii == [f"v{_pinned()}"]


@pytest.mark.slow
def test_npx_cdk_synth_runs_cli_and_jsii_on_the_pinned_node(tmp_path: Path) -> None:
    env, log = _machine_env(tmp_path)
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "--quiet", "-o", str(tmp_path / "cdk.out")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert not [banner for banner in JSII_NODE_BANNERS if banner in result.stderr], result.stderr
    npx = ("npx", "npx-cli.js")  # npx itself runs on the machine's Node
    under_npx = [(v, script) for v, script in _processes(log) if Path(script).name not in npx]
    # app.py starts jsii's kernel itself (exosphere_cdk.kernel): no relay before it.
    names = [Path(script).name for _, script in under_npx]
    assert "cdk" in names
    assert names.count("program.js") == 1
    assert "jsii-runtime.js" not in names
    assert {version for version, _ in under_npx} == {f"v{_pinned()}"}, under_npx


def test_jsii_node_gets_a_smaller_young_generation_unless_told_otherwise() -> None:
    assert node_options("") == "--max-semi-space-size=8"
    assert node_options('--require "a.cjs"') == '--require "a.cjs" --max-semi-space-size=8'
    assert node_options("--max-semi-space-size=32") == "--max-semi-space-size=32"


@pytest.mark.slow
def test_the_synthesis_starts_jsii_node_with_its_young_generation(tmp_path: Path) -> None:
    env, _ = _machine_env(tmp_path)
    options = tmp_path / "options.log"
    trace = tmp_path / "options.cjs"
    trace.write_text(
        'require("fs").appendFileSync(process.env.NODE_OPTIONS_LOG,'
        ' `${process.argv[1] ?? ""} ${process.env.NODE_OPTIONS}\\n`);\n'
    )
    env.update(
        NODE_OPTIONS=f'--require "{trace}"',
        NODE_OPTIONS_LOG=str(options),
        CDK_OUTDIR=str(tmp_path / "cdk.out"),
        CDK_CONTEXT_JSON=json.dumps(cdk_json_context()),
    )
    result = subprocess.run(
        APP_PY,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = options.read_text().splitlines()
    kernel = [line for line in lines if line.split(" ")[0].endswith("program.js")]
    assert kernel == [f'{kernel[0].split(" ")[0]} --require "{trace}" --max-semi-space-size=8']
