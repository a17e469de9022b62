"""Synthesizing apps in tests as `cdk synth` does: cdk.json's context, every rule pack."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from attrs import frozen
from aws_cdk.assertions import Template

from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS
from exosphere_cdk.manifest.design.derive import stack_name
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.stacks import AppStacks, add_compliance_checks, build_stacks
from exosphere_cdk.synth import new_app

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


@frozen
class Synthesized:
    """One app, synthesized: its model, its stacks and their templates by stack name."""

    app: LoadedApp
    stacks: AppStacks
    templates: dict[str, dict[str, Any]]
    #: The cloud assembly folder (templates as `cdk synth` writes them).
    outdir: Path

    def template(self, part: str) -> Template:
        """The template of stack `<deployment>-<part>` (`<slug>-<part>` in production)."""
        return Template.from_json(self.templates[stack_name(self.app, part)])


def synthesize(
    directory: Path,
    outdir: Path,
    context: dict[str, Any] | None = None,
    *,
    protect: bool = True,
    env: str = "production",
    compliance: bool = True,
) -> Synthesized:
    """Load and synthesize the app in `directory` (environment `env`) into `outdir` with
    cdk.json's context; without `compliance`, cdk-nag's packs do not run (faster; they change
    no template)."""
    app = load_app(directory, env)
    scope = new_app(outdir=outdir, context=context)
    stacks = build_stacks(scope, app, protect=protect)
    if compliance:
        # As `cdk synth -c nag-packs=<every pack>`: a finding of any pack fails it.
        add_compliance_checks(scope, COMPLIANCE_PACKS)
    assembly = scope.synth()
    templates = {s.stack_name: s.template for s in assembly.stacks}
    return Synthesized(app, stacks, templates, outdir)


def violations(outdir: Path, rule: str) -> list[dict[str, Any]]:
    """The violations of `rule` in the validation report of the synthesis into `outdir`."""
    report = json.loads((outdir / "validation-report.json").read_text())
    return [
        violation
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if violation["ruleName"] == rule
    ]


def normalise(value: Any) -> Any:
    """A template with asset hashes replaced, so snapshots move only with the infrastructure."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    return value
