"""Fixtures of the operator tools' tests: small apps and one synthesized plan of the shop."""

from __future__ import annotations

from typing import Any

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops import plan
from tests.conftest import REPO

SHOP = REPO / "manifests" / "shop"
HELLO = REPO / "manifests" / "hello"


@pytest.fixture(scope="session")
def shop_typed_plan() -> plan.Plan:
    """The shop's plan, synthesized once per session (per xdist worker)."""
    return plan.plan(load_app(SHOP))


@pytest.fixture(scope="session")
def shop_plan(shop_typed_plan: plan.Plan) -> dict[str, Any]:
    """The shop's plan document, as `exo-cdk plan --json` prints it."""
    return shop_typed_plan.as_json()
