"""Fixtures of the operator tools' tests: small apps and one synthesized plan of the shop."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.tools import plan
from tests.conftest import REPO
from tests.manifest.conftest import write_app

SHOP = REPO / "manifests" / "shop"
HELLO = REPO / "manifests" / "hello"

AppFactory = Callable[[Mapping[str, Any] | None], Path]


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """The manifest tests' BASE app (web public, users private) with changes, as Path("app")."""
    monkeypatch.chdir(tmp_path)

    def make(changes: Mapping[str, Any] | None = None) -> Path:
        return write_app(tmp_path, changes).relative_to(tmp_path)

    return make


@pytest.fixture(scope="session")
def shop_plan() -> dict[str, Any]:
    """The shop's plan document, synthesized once per session (per xdist worker)."""
    app = load_app(SHOP)
    return plan.build_plan(app, plan.synthesize(app))
