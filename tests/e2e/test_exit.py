"""app.py ends the process with main()'s code once the exit handlers have run (synth.exit_now)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

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


def test_app_py_ends_through_exit_now() -> None:
    source = (REPO / "app.py").read_text()
    assert "exit_now(main())" in source
