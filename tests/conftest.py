"""Shared test fixtures: the repository's paths and cdk.json's context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# Importing exosphere_cdk first also quiets jsii's Node 20 banner for every test.
from exosphere_cdk.synth import cdk_json_context

REPO = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = REPO.parent / "shared" / "exosphere-examples"

__all__ = ["REPO", "SHARED_EXAMPLES", "cdk_json_context"]


@pytest.fixture(scope="session")
def cdk_context() -> dict[str, Any]:
    return cdk_json_context()
