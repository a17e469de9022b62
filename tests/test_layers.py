"""The layer rule import-linter cannot state (its contracts run in scripts/check): no private
names used across modules."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

SOURCES = [
    *sorted((REPO / "exosphere_cdk").rglob("*.py")),
    *sorted((REPO / "constructs" / "exosphere_constructs").rglob("*.py")),
    REPO / "app.py",
]
OWN = ("exosphere_cdk", "exosphere_constructs")


def _private_uses(path: Path) -> list[str]:
    """`from own.module import _name` and `own_module._name` in `path`."""
    tree = ast.parse(path.read_text())
    found: list[str] = []
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(OWN):
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(
                        f"{path.name}:{node.lineno}: from {node.module} import {alias.name}"
                    )
                else:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(OWN):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_is_used_across_modules() -> None:
    assert [use for path in SOURCES for use in _private_uses(path)] == []


def test_the_checker_finds_a_private_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from exosphere_cdk.reporting import _STYLES\nfrom exosphere_cdk import cli\ncli._x\n"
    )
    assert _private_uses(bad) == [
        "bad.py:1: from exosphere_cdk.reporting import _STYLES",
        "bad.py:3: cli._x",
    ]
