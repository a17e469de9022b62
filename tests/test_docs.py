"""What README.md and docs/ say, checked against what the code does, where a test can."""

from __future__ import annotations

import re
import shlex

from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def _commands(block: str) -> list[str]:
    """The commands of a shell block: its lines without comments or blank lines."""
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(shlex.join(words))
    return commands


def test_the_readme_sets_up_and_tests_with_two_commands_and_ci_runs_the_second() -> None:
    first_sh_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first_sh_block is not None
    setup, test = _commands(first_sh_block[1])
    assert (setup, test) == ("scripts/setup", "scripts/check")
    ci = _commands((REPO / ".ci" / "run").read_text())
    assert ci[-1] == test
    assert all(c.startswith(("set ", "cd ")) for c in ci[:-1])
