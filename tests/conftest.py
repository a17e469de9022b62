"""Shared test fixtures: the repository's paths and cdk.json's context."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

# jsii prints a banner on every start under Node 20; it is noise in test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

REPO = Path(__file__).resolve().parents[1]
SHARED_EXAMPLES = REPO.parent / "shared" / "exosphere-examples"


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context: the feature flags `cdk synth` runs with (a bare App() has none)."""
    context: dict[str, Any] = json.loads((REPO / "cdk.json").read_text())["context"]
    return context


@pytest.fixture(scope="session")
def cdk_context() -> dict[str, Any]:
    return cdk_json_context()
