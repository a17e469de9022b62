"""Acknowledging a checker's finding next to the construct it covers, always with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

from exosphere_constructs.known import has_token, stack_of

#: cdk-nag's packs by the prefix of their rules: the validation plugin each reports as.
NAG_PACKS = {"AwsSolutions-": "AwsSolutions", "NIST.800.53.R5-": "NIST.800.53.R5"}
#: The plugin name of AWS Control Tower's proactive controls (cdk-validator-cfnguard).
CONTROL_TOWER = "cdk-validator-cfnguard"


def nag(rule: str, reason: str) -> Acknowledgment:
    """The acknowledgement of cdk-nag's `rule`, as `acknowledge_all` takes it.

    `rule` as cdk-nag names it: `AwsSolutions-EC23`, `NIST.800.53.R5-IAMNoInlinePolicy`.
    """
    plugin = next((p for prefix, p in NAG_PACKS.items() if rule.startswith(prefix)), None)
    if plugin is None:
        raise ValueError(f"{rule!r} is not a rule of a known cdk-nag pack ({', '.join(NAG_PACKS)})")
    return Acknowledgment(id=f"{plugin}::{rule}", reason=reason)


def control(rule: str, reason: str) -> Acknowledgment:
    """The acknowledgement of a Control Tower proactive control, as `acknowledge_all` takes it.

    `rule` as cfn-guard names it: `ecs_containers_readonly_access_check` (CT.ECS.PR.6).
    """
    return Acknowledgment(id=f"{CONTROL_TOWER}::{rule}", reason=reason)


def acknowledge_all(scope: IConstruct, acknowledgments: Sequence[Acknowledgment]) -> None:
    """Acknowledge every one of `acknowledgments` on `scope` and its children, in one call.

    One call (two jsii requests) whatever their number: a construct gathers its
    acknowledgements (`nag`, `control`) and hands them over once.
    """
    if acknowledgments:
        Validations.of(scope).acknowledge(*acknowledgments)


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge cdk-nag's `rule` on `scope` and its children (see `nag`)."""
    acknowledge_all(scope, [nag(rule, reason)])


def acknowledge_control(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a Control Tower proactive control on `scope` and its children (see `control`)."""
    acknowledge_all(scope, [control(rule, reason)])


def acknowledge_wildcards(scope: IConstruct, resources: Sequence[str], reason: str) -> None:
    """Acknowledge cdk-nag's IAM5 (wildcard) finding for each of `resources` of `scope`'s policy."""
    acknowledge_all(scope, wildcards(scope, resources, reason))


def wildcards(scope: IConstruct, resources: Sequence[str], reason: str) -> list[Acknowledgment]:
    """The acknowledgements of cdk-nag's IAM5 (wildcard) finding for each of `resources`.

    cdk-nag names each finding after the resource as it appears in the template,
    with references written `<LogicalId>` (`<AWS::AccountId>`, ...): the
    resources holding a token are resolved in `scope`'s stack, together (one
    request), the plain ones used as written.
    """
    with_tokens = [resource for resource in resources if has_token(resource)]
    resolved = (
        dict(zip(with_tokens, stack_of(scope).resolve(with_tokens), strict=True))
        if with_tokens
        else {}
    )
    return [
        nag(
            f"AwsSolutions-IAM5[Resource::{_as_nag_writes_it(resolved.get(r, r))}]",
            reason,
        )
        for r in resources
    ]


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


#: The checkov skips written so far, by resource (`checkov_skips` adds to them).
_SKIPS: WeakKeyDictionary[CfnResource, list[dict[str, str]]] = WeakKeyDictionary()


def checkov_skip(resource: IConstruct, check: str, reason: str) -> None:
    """Record in `resource`'s template metadata why checkov's `check` does not apply."""
    checkov_skips(resource, [(check, reason)])


def checkov_skips(resource: IConstruct, skips: Sequence[tuple[str, str]]) -> None:
    """Record in `resource`'s template metadata why each of checkov's checks does not apply.

    `skips`: (check, reason) pairs, written in one call (with what was recorded before).
    """
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource to annotate")
    # Only this function writes the `checkov` entry: what it holds is known here.
    recorded = _SKIPS.setdefault(cfn, [])
    recorded += [{"id": check, "comment": reason} for check, reason in skips]
    cfn.add_metadata("checkov", {"skip": list(recorded)})


class Findings:
    """Acknowledgements and checkov skips gathered while a construct is built, then handed
    over in one call per construct they sit on (`done`), not in one call each.

    `nag`, `control` and `skip` take what `acknowledge`, `acknowledge_control` and
    `checkov_skip` take; the order of each construct's own entries is kept.
    """

    def __init__(self) -> None:
        self._acknowledged: dict[int, tuple[IConstruct, list[Acknowledgment]]] = {}
        self._skipped: dict[int, tuple[IConstruct, list[tuple[str, str]]]] = {}

    def nag(self, scope: IConstruct, rule: str, reason: str) -> None:
        self._acknowledged.setdefault(id(scope), (scope, []))[1].append(nag(rule, reason))

    def control(self, scope: IConstruct, rule: str, reason: str) -> None:
        self._acknowledged.setdefault(id(scope), (scope, []))[1].append(control(rule, reason))

    def wildcards(self, scope: IConstruct, resources: Sequence[str], reason: str) -> None:
        self._acknowledged.setdefault(id(scope), (scope, []))[1].extend(
            wildcards(scope, resources, reason)
        )

    def skip(self, resource: IConstruct, check: str, reason: str) -> None:
        self._skipped.setdefault(id(resource), (resource, []))[1].append((check, reason))

    def done(self) -> None:
        """Hand everything gathered over to the constructs (and forget it)."""
        for scope, acknowledgments in self._acknowledged.values():
            acknowledge_all(scope, acknowledgments)
        for resource, skips in self._skipped.values():
            checkov_skips(resource, skips)
        self._acknowledged.clear()
        self._skipped.clear()
