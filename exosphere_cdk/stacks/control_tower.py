"""AWS Control Tower's proactive controls as a validation plugin that fails the synthesis.

cdklabs.cdk-validator-cfnguard runs the controls (cfn-guard rules) with the
cfn-guard binary it ships. Its violations carry no severity; once any finding
of a plugin is acknowledged, CDK recounts that plugin's success from the
severities left (aws-cdk-lib 2.275, core/lib/private/synthesis-validation.js:
`violations.every(v => v.severity !== "error" && v.severity !== "fatal")`), so
an unacknowledged finding without one would pass. This wrapper marks each an
error, which is what the plugin's own report means.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator


@jsii.implements(IPolicyValidationPlugin)
class ControlTowerControls:
    """cdk-validator-cfnguard with the Control Tower rules, every finding an error."""

    def __init__(self) -> None:
        self._guard = CfnGuardValidator(control_tower_rules_enabled=True)

    @property
    def name(self) -> str:
        # Acknowledgements name the plugin: `cdk-validator-cfnguard::<rule>`.
        name: str = self._guard.name
        return name

    @property
    def rule_ids(self) -> list[str] | None:
        ids: list[str] | None = self._guard.rule_ids
        return ids

    @property
    def version(self) -> str | None:
        version: str | None = self._guard.version
        return version

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        report: Any = self._guard.validate(context)  # a Beta1 report, read field by field
        violations = [
            PolicyViolation(
                rule_name=v.rule_name,
                description=v.description,
                fix=v.fix,
                rule_metadata=v.rule_metadata,
                severity=v.severity or "error",
                violating_resources=[
                    PolicyViolatingResource(
                        resource_logical_id=r.resource_logical_id,
                        template_path=r.template_path,
                        locations=r.locations,
                    )
                    for r in v.violating_resources
                ],
            )
            for v in report.violations
        ]
        return PolicyValidationPluginReport(
            success=report.success, violations=violations, metadata=report.metadata
        )
