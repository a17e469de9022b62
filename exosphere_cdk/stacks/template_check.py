"""The shape of exosphere-cdk's own synthesis checks: a validation plugin of one rule.

Each check is a CDK validation plugin (`Validations.of(app).add_plugins`, as
cdk-nag's packs are) that reads the templates once they are written and fails
the synthesis with what it found: stacks.references and stacks.limits.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)


@jsii.implements(IPolicyValidationPlugin)
class TemplateCheck:
    """A plugin named `plugin_name` with one rule, `rule`: `violations` of the templates."""

    plugin_name: ClassVar[str]
    rule: ClassVar[str]

    @property
    def name(self) -> str:
        return self.plugin_name

    @property
    def rule_ids(self) -> list[str] | None:
        return [self.rule]

    @property
    def version(self) -> str | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        violations = self.violations([Path(p) for p in context.template_paths])
        return PolicyValidationPluginReport(success=not violations, violations=violations)

    def violations(self, templates: list[Path]) -> list[PolicyViolation]:
        """What the rule finds in the written `templates`: nothing when they pass."""
        raise NotImplementedError

    def violation(
        self, description: str, fix: str, places: Iterable[tuple[Path, str, str]]
    ) -> PolicyViolation:
        """A violation of the rule at `places`: (template, logical id, key path) each."""
        return PolicyViolation(
            rule_name=self.rule,
            description=description,
            fix=fix,
            violating_resources=[
                PolicyViolatingResource(
                    resource_logical_id=logical_id,
                    template_path=str(template),
                    locations=[location],
                )
                for template, logical_id, location in places
            ],
        )
