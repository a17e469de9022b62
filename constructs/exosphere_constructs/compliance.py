"""Acknowledging a checker's finding next to the construct it covers, always with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

#: cdk-nag's packs by the prefix of their rules: the validation plugin each reports as.
NAG_PACKS = {"AwsSolutions-": "AwsSolutions", "NIST.800.53.R5-": "NIST.800.53.R5"}
#: The plugin name of AWS Control Tower's proactive controls (cdk-validator-cfnguard).
CONTROL_TOWER = "cdk-validator-cfnguard"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge cdk-nag's `rule` on `scope` and its children.

    `rule` as cdk-nag names it: `AwsSolutions-EC23`, `NIST.800.53.R5-IAMNoInlinePolicy`.
    """
    plugin = next((p for prefix, p in NAG_PACKS.items() if rule.startswith(prefix)), None)
    if plugin is None:
        raise ValueError(f"{rule!r} is not a rule of a known cdk-nag pack ({', '.join(NAG_PACKS)})")
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{plugin}::{rule}", reason=reason))


def acknowledge_control(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a Control Tower proactive control on `scope` and its children.

    `rule` as cfn-guard names it: `ecs_containers_readonly_access_check` (CT.ECS.PR.6).
    """
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{CONTROL_TOWER}::{rule}", reason=reason))


def acknowledge_wildcards(scope: IConstruct, resources: Sequence[str], reason: str) -> None:
    """Acknowledge cdk-nag's IAM5 (wildcard) finding for each of `resources` of `scope`'s policy.

    cdk-nag names each finding after the resource as it appears in the template,
    with references written `<LogicalId>` (`<AWS::AccountId>`, ...).
    """
    stack = Stack.of(scope)
    for resource in resources:
        rendered = _as_nag_writes_it(stack.resolve(resource))
        acknowledge(scope, f"AwsSolutions-IAM5[Resource::{rendered}]", reason)


def _as_nag_writes_it(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_as_nag_writes_it(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"cannot render {value!r} as cdk-nag does")


def checkov_skip(resource: IConstruct, check: str, reason: str) -> None:
    """Record in `resource`'s template metadata why checkov's `check` does not apply."""
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource to annotate")
    existing = cfn.get_metadata("checkov") or {"skip": []}
    skips = [*existing["skip"], {"id": check, "comment": reason}]
    cfn.add_metadata("checkov", {"skip": skips})
