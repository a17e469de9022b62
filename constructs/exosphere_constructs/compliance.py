"""Acknowledging a checker's finding next to the construct it covers, always with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge cdk-nag's `rule` (e.g. `AwsSolutions-EC23`) on `scope` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::{rule}", reason=reason))


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
