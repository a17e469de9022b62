"""Synthesized examples, once per test session, and the snapshot normaliser."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from attrs import frozen
from aws_cdk.assertions import Template

from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.manifest.model import LoadedApp
from exosphere_cdk.stacks import AppStacks, build_stacks
from tests.conftest import REPO, SHARED_EXAMPLES, cdk_json_context

#: Every app whose stacks are snapshotted: ours, and the app exo-deploy really deployed.
EXAMPLES: dict[str, Path] = {
    "hello": REPO / "manifests" / "hello",
    "shop": REPO / "manifests" / "shop",
    "space-tweet": SHARED_EXAMPLES / "space-tweet",
}

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


@frozen
class Synthesized:
    """One app, synthesized: its model, its stacks and their templates by stack name."""

    app: LoadedApp
    stacks: AppStacks
    templates: dict[str, dict[str, Any]]

    def template(self, part: str) -> Template:
        """The template of stack `<slug>-<part>`, for aws_cdk.assertions."""
        return Template.from_json(self.templates[f"{self.app.slug}-{part}"])


def synthesize(directory: Path, context: dict[str, Any] | None = None) -> Synthesized:
    """Load and synthesize the app in `directory` with cdk.json's context."""
    app = load_app(directory)
    scope = cdk.App(
        context={**cdk_json_context(), **(context or {})},
        outdir=tempfile.mkdtemp(prefix="exosphere-cdk-test-"),
    )
    stacks = build_stacks(scope, app)
    assembly = scope.synth()
    templates = {s.stack_name: s.template for s in assembly.stacks}
    return Synthesized(app, stacks, templates)


@pytest.fixture(scope="session")
def synthesized() -> Callable[[str], Synthesized]:
    """`synthesized("shop")`: an example of EXAMPLES, synthesized once per session."""
    cache: dict[str, Synthesized] = {}

    def get(example: str) -> Synthesized:
        if example not in cache:
            cache[example] = synthesize(EXAMPLES[example])
        return cache[example]

    return get


def normalise(value: Any) -> Any:
    """A template with asset hashes replaced, so snapshots move only with the infrastructure."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    return value
