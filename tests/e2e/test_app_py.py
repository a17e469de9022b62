"""How cdk.json runs app.py: with -OO, ending the process with main()'s code once the exit
handlers have run (synth.exit_now)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import APP_PY, EXAMPLES, REPO, cdk_json_context, run_probe
from tests.synth import Synthesized

PROBE = """
import atexit, sys
from exosphere_cdk.synth import exit_now

atexit.register(lambda: print("handler ran", file=sys.stderr))
print("unflushed", end="")
exit_now(int(sys.argv[1]))
"""


def _run(code: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_exit_now_runs_the_exit_handlers_flushes_and_exits_with_the_code() -> None:
    for code in (0, 1, 2, 130):
        result = _run(code)
        assert result.returncode == code
        assert result.stdout == "unflushed"
        assert result.stderr == "handler ran\n"


GC_PROBE = """
import gc, json
from exosphere_cdk.synth import imports_uncollected

with imports_uncollected(False):
    in_test = gc.isenabled()
frozen = gc.get_freeze_count()
with imports_uncollected(True):
    during = gc.isenabled()
    made = [[] for _ in range(1000)]
print(json.dumps({
    "in_test": in_test, "unfrozen": frozen, "during": during, "after": gc.isenabled(),
    "frozen": gc.get_freeze_count() - frozen,
}))
"""


def test_the_imports_run_without_the_garbage_collector_and_what_they_made_is_frozen() -> None:
    report, _ = run_probe(GC_PROBE)
    # A process that is not app.py's own (a test's): nothing changes.
    assert report["in_test"] is True
    assert report["unfrozen"] == 0
    # app.py's: no collection while importing, then what was made frozen, collection back on.
    assert report["during"] is False
    assert report["after"] is True
    assert report["frozen"] >= 1000


def test_app_py_ends_through_exit_now() -> None:
    source = (REPO / "app.py").read_text()
    assert "exit_now(main())" in source


def _app_py(
    env: dict[str, str], command: list[str] = APP_PY, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """`command` (app.py as cdk.json runs it) in the checkout, with `env` as its whole
    environment."""
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _cdk_env(out: Path, example: str) -> dict[str, str]:
    """This environment as the CDK CLI runs app.py in it: `example` into `out`, with
    cdk.json's context (and no CDK_ variable of the tests' own)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("CDK_")},
        "CDK_OUTDIR": str(out),
        "CDK_CONTEXT_JSON": json.dumps({**cdk_json_context(), "app": str(EXAMPLES[example])}),
    }


@pytest.mark.slow
def test_app_py_as_cdk_json_runs_it_writes_the_templates_of_an_in_process_synthesis(
    tmp_path: Path, synthesized: Callable[[str], Synthesized]
) -> None:
    # cdk.json runs the app with -OO: jsii's bindings skip their runtime type checks
    # (typeguard, on every call into the CDK), which the tests, run without it, still make,
    # and the CDK's docstrings (a third of its bytecode) are not loaded.
    # app.py also warms jsii's Node up on a thread (exosphere_cdk.warmup), which an
    # in-process synthesis (aws_cdk imported already) does not: neither changes a template.
    assert APP_PY[1:] == ["-OO", "app.py"]
    plain = [APP_PY[0], "app.py"]
    written = {}
    for name, command in (("optimized", APP_PY), ("plain", plain)):
        out = tmp_path / name
        result = _app_py(_cdk_env(out, "shop"), command)
        assert result.returncode == 0, result.stderr
        written[name] = {
            p.name.removesuffix(".template.json"): p.read_bytes()
            for p in out.glob("*.template.json")
        }
    assert len(written["optimized"]) == 14
    assert written["optimized"] == written["plain"]
    in_process = synthesized("shop").templates
    assert {name: json.loads(body) for name, body in written["optimized"].items()} == in_process


CREATION_STACK = "aws:cdk:creationStack"


def _creation_stacks(out: Path) -> int:
    return sum(
        entry["type"] == CREATION_STACK
        for metadata in out.glob("*.metadata.json")
        for entries in json.loads(metadata.read_text()).values()
        for entry in entries
    )


@pytest.mark.slow
def test_resources_carry_their_creation_stack_traces_only_under_cdk_synth_debug(
    tmp_path: Path, synthesized: Callable[[str], Synthesized]
) -> None:
    # The app's own `aws:cdk:disable-creation-stack-traces` (synth.APP_CONTEXT, not cdk.json's,
    # whose `aws:` keys the CLI warns of): through jsii a trace holds no frame of the app's
    # code, and capturing one per resource costs the kernel's CPU.
    assert "aws:cdk:disable-creation-stack-traces" not in cdk_json_context()
    assert _creation_stacks(synthesized("hello").outdir) == 0
    env = {**_cdk_env(tmp_path / "debug", "hello"), "CDK_DEBUG": "true"}  # as `--debug` runs it
    result = _app_py(env)
    assert result.returncode == 0, result.stderr
    assert _creation_stacks(tmp_path / "debug") > 100
    debug = {
        p.name: json.loads(p.read_text()) for p in (tmp_path / "debug").glob("*.template.json")
    }
    assert debug == {
        f"{name}.template.json": template
        for name, template in synthesized("hello").templates.items()
    }


#: Both entry points that start jsii's Node: `cdk synth`'s app.py, and an exo-cdk command
#: that synthesizes in process.
ENTRY_POINTS = {
    "app.py": APP_PY,
    "exo-cdk plan": [str(REPO / ".venv" / "bin" / "exo-cdk"), "plan", str(EXAMPLES["hello"])],
}


# (Without JSII_NODE, exosphere_cdk sets it to the checkout's pinned Node: never `node`.)
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("node", ["missing", "not-executable"])
def test_a_node_that_cannot_start_is_one_line_and_exit_2(
    tmp_path: Path, node: str, entry: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "JSII_"))}
    env["CDK_OUTDIR"] = str(tmp_path / "cdk.out")
    if node == "missing":
        command = env["JSII_NODE"] = str(tmp_path / "no-node")
        why = "no such file or directory"
    else:
        command = env["JSII_NODE"] = str(tmp_path / "node.txt")
        (tmp_path / "node.txt").write_text("not a program\n")
        why = "permission denied"
    result = _app_py(env, ENTRY_POINTS[entry], timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"exo-cdk: error: cannot start Node.js for the CDK: {command}: {why}"
        " (JSII_NODE, else node on PATH; scripts/setup installs the pinned Node,"
        " which `npx cdk` puts first on PATH)"
    )
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert not (tmp_path / "cdk.out").exists()
