"""Synthesized examples, once per test session, and the snapshot normaliser."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from aws_cdk.assertions import Template

from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.manifest.model import LoadedApp
from exosphere_cdk.stacks import AppStacks, add_compliance_checks, build_stacks
from exosphere_cdk.synth import new_app
from tests.conftest import REPO, SHARED_EXAMPLES

#: Every app whose stacks are snapshotted: ours, and the app exo-deploy really deployed.
EXAMPLES: dict[str, Path] = {
    "hello": REPO / "manifests" / "hello",
    "shop": REPO / "manifests" / "shop",
    "space-tweet": SHARED_EXAMPLES / "space-tweet",
}

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def space_tweet_without_domain() -> Path:
    """space-tweet with its `domain` line removed (a copy in a temp folder)."""
    directory = Path(tempfile.mkdtemp(prefix="space-tweet-")) / "space-tweet"
    shutil.copytree(EXAMPLES["space-tweet"], directory)
    application = directory / "application.yml"
    text = application.read_text()
    application.write_text(text.replace("    domain: spacetweet.originate.com\n", ""))
    return directory


#: Variants built at test time from the examples (never copied into the repo).
VARIANTS: dict[str, Callable[[], Path]] = {"space-tweet-no-domain": space_tweet_without_domain}


@frozen
class Synthesized:
    """One app, synthesized: its model, its stacks and their templates by stack name."""

    app: LoadedApp
    stacks: AppStacks
    templates: dict[str, dict[str, Any]]
    #: The cloud assembly folder (templates as `cdk synth` writes them).
    outdir: Path

    def template(self, part: str) -> Template:
        """The template of stack `<slug>-<part>`, for aws_cdk.assertions."""
        return Template.from_json(self.templates[f"{self.app.slug}-{part}"])


def synthesize(
    directory: Path, context: dict[str, Any] | None = None, *, protect: bool = True
) -> Synthesized:
    """Load and synthesize the app in `directory` with cdk.json's context (and cdk-nag)."""
    app = load_app(directory)
    outdir = Path(tempfile.mkdtemp(prefix="exosphere-cdk-test-"))
    scope = new_app(outdir=outdir, context=context)
    stacks = build_stacks(scope, app, protect=protect)
    add_compliance_checks(scope)  # as in every `cdk synth`: a cdk-nag finding fails it
    assembly = scope.synth()
    templates = {s.stack_name: s.template for s in assembly.stacks}
    return Synthesized(app, stacks, templates, outdir)


@pytest.fixture(scope="session")
def synthesized() -> Callable[[str], Synthesized]:
    """`synthesized("shop")`: an example of EXAMPLES, synthesized once per session."""
    cache: dict[str, Synthesized] = {}

    def get(example: str) -> Synthesized:
        if example not in cache:
            directory = EXAMPLES.get(example) or VARIANTS[example]()
            cache[example] = synthesize(directory)
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
