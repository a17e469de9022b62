"""Fixtures of the operator tools' tests: small apps and one synthesized plan of the shop."""

from __future__ import annotations

from typing import Any

import pytest

from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.tools import plan
from tests.conftest import REPO

# The manifest tests' app factory fixture, shared (pytest finds fixtures imported here).
from tests.manifest.conftest import make_app  # noqa: F401

SHOP = REPO / "manifests" / "shop"
HELLO = REPO / "manifests" / "hello"


@pytest.fixture(scope="session")
def shop_plan() -> dict[str, Any]:
    """The shop's plan document, synthesized once per session (per xdist worker)."""
    app = load_app(SHOP)
    return plan.build_plan(app, plan.synthesize(app))
