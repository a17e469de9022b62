"""validate's reading of .dockerignore patterns against CDK's own (DockerIgnoreStrategy)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from exosphere_cdk.manifest.load.files import DOCKERIGNORE, dockerignore_pattern_problems

#: Patterns on both sides of the line: those CDK fails on ("Unterminated character class",
#: "Nothing to repeat", ...) and odd ones it reads.
PATTERNS = [
    *("[", "foo(", "a)b", "+x", "[z-a]", "a++", "*+", "a{2}+", "a{2,}+", "a{2}{3}", "{1}"),
    *("^{2}", "][", "[\\]", "((a)", "a{2,1}"),
    *("*.pyc", "**/node_modules", "src/**", "a\\[b", "[]", "[^]", "foo(1)", "a{", "x{1,"),
    *("\\", "a\\", "x\\q", "\\x", "\\u", "\\c", "x\\1", "[!a]", "[^a]", "a|b", "(?<n>x)"),
    *("a?+", "a+?", "[+]+", "a\\++", "(a)+", "x{,2}+", "?+", "[[a]", "[a-\\d]", "a**b", "$x"),
    *("!keep(", "/[", "a{99999999999}"),
]


def cdk_fails(root: Path, pattern: str) -> bool:
    try:
        cdk.IgnoreStrategy.docker(str(root), [pattern]).ignores(str(root / "a" / "b"))
    except RuntimeError:
        return True
    return False


@pytest.mark.parametrize("pattern", PATTERNS)
def test_validate_refuses_exactly_the_patterns_cdk_fails_on(tmp_path: Path, pattern: str) -> None:
    (tmp_path / DOCKERIGNORE).write_text(f"{pattern}\n")
    assert bool(dockerignore_pattern_problems(tmp_path)) == cdk_fails(tmp_path, pattern)


def test_both_kinds_are_in_the_list(tmp_path: Path) -> None:
    fails = [p for p in PATTERNS if cdk_fails(tmp_path, p)]
    assert 10 < len(fails) < len(PATTERNS) - 20
