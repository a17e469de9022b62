"""Fixtures of the operator tools' tests: small apps and one synthesized plan of the shop."""

from __future__ import annotations

from typing import Any

import pytest

from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.ops import plan
from tests.conftest import REPO

SHOP = REPO / "manifests" / "shop"
HELLO = REPO / "manifests" / "hello"


@pytest.fixture(scope="session")
def shop_plan() -> dict[str, Any]:
    """The shop's plan document, synthesized once per session (per xdist worker)."""
    app = load_app(SHOP)
    return plan.plan(app)
