"""`constructs` must be the installed dependency, never the repo's constructs/ folder."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]


def test_the_constructs_folder_is_not_a_package() -> None:
    assert not (REPO / "constructs" / "__init__.py").exists()


def test_constructs_resolves_to_site_packages() -> None:
    spec = importlib.util.find_spec("constructs")
    assert spec is not None and spec.origin is not None
    assert "site-packages" in Path(spec.origin).parts
    assert not Path(spec.origin).is_relative_to(REPO / "constructs")


def test_constructs_resolves_to_site_packages_from_the_repo_root() -> None:
    """From the repo root (where `python app.py` runs) the folder is on sys.path first."""
    result = subprocess.run(
        [sys.executable, "-c", "import constructs; print(constructs.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert "site-packages" in Path(result.stdout.strip()).parts
