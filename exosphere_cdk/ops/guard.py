"""`exo-cdk guard OLD NEW`: would deploying NEW over OLD replace or delete something that matters?

Compares two synthesized cloud assemblies (`cdk synth -o DIR` folders) offline,
without credentials, and reports every stateful or traffic-carrying resource
(`GUARDED_TYPES`) that the update would

- **delete**: its stack is gone, or its logical ID is gone (a renamed logical
  ID counts too: CloudFormation creates the new one and deletes the old one);
- **replace**: its type changed, or a create-only property changed
  (`createOnlyProperties` of CloudFormation's resource provider schemas, as
  shipped in cfn-lint's package data), or a create-only property refers
  (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::GetStackOutput`, `Fn::ImportValue`) to
  a resource that is itself replaced, in this stack or another;
- **may replace**: a create-only property changed but cannot be compared
  offline (intrinsic functions on either side), or a conditionally
  create-only property changed, or it refers to a resource that may be replaced.

Every finding is one line: `stack/LogicalId (Type): deleted|replaced|may be replaced: why`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from attrs import frozen

from exosphere_cdk.ops.assembly import read_assembly

#: Resource types the guard protects, and why (state, or traffic through them).
GUARDED_TYPES: Mapping[str, str] = {
    # network: every task's and instance's connectivity
    "AWS::EC2::VPC": "network",
    "AWS::EC2::Subnet": "network",
    "AWS::EC2::InternetGateway": "network",
    "AWS::EC2::VPCGatewayAttachment": "network",
    "AWS::EC2::NatGateway": "network egress",
    "AWS::EC2::EIP": "public address (egress IP others may allow-list)",
    # load balancing: public traffic
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "public traffic",
    "AWS::ElasticLoadBalancingV2::Listener": "public traffic",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "public traffic",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "public traffic",
    # DNS and TLS
    "AWS::Route53::HostedZone": "DNS (new name servers to register)",
    "AWS::Route53::RecordSet": "DNS",
    "AWS::Route53::RecordSetGroup": "DNS",
    "AWS::CertificateManager::Certificate": "TLS",
    # compute carrying traffic
    "AWS::ECS::Cluster": "running tasks",
    "AWS::ECS::Service": "running tasks",
    "AWS::ECS::CapacityProvider": "running tasks",
    "AWS::AutoScaling::AutoScalingGroup": "running instances",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "service discovery",
    "AWS::ServiceDiscovery::PublicDnsNamespace": "service discovery",
    "AWS::ServiceDiscovery::HttpNamespace": "service discovery",
    "AWS::ServiceDiscovery::Service": "service discovery",
    # state
    "AWS::Logs::LogGroup": "logs",
    "AWS::S3::Bucket": "data",
    "AWS::KMS::Key": "encryption key",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::DynamoDB::Table": "data",
    "AWS::RDS::DBInstance": "data",
    "AWS::RDS::DBCluster": "data",
    "AWS::EFS::FileSystem": "data",
}

Change = Literal["deleted", "replaced", "may be replaced"]
_RANK: Mapping[str, int] = {"may be replaced": 1, "replaced": 2}


@frozen
class Finding:
    """One guarded resource that the update deletes or replaces."""

    stack: str
    logical_id: str
    type: str
    change: Change
    reason: str

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id} ({self.type}): {self.change}: {self.reason}"

    def as_json(self) -> dict[str, str]:
        return {
            "stack": self.stack,
            "logical_id": self.logical_id,
            "type": self.type,
            "change": self.change,
            "reason": self.reason,
        }


# ---------------------------------------------------------------- resource schemas


@frozen
class CreateOnly:
    """A type's create-only properties, as JSON pointers split into parts."""

    always: tuple[tuple[str, ...], ...]
    conditional: tuple[tuple[str, ...], ...]


def _pointers(schema: Mapping[str, Any], key: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for pointer in schema.get(key, []):
        parts = tuple(pointer.split("/")[1:])
        if parts and parts[0] == "properties":
            out.append(parts[1:])
    return tuple(out)


@functools.cache
def _schema_index() -> dict[str, str]:
    providers = resources.files("cfnlint.data.schemas.providers")
    index: dict[str, str] = json.loads(providers.joinpath("us-east-1.json").read_text())
    return index


@functools.cache
def create_only(resource_type: str) -> CreateOnly | None:
    """Create-only properties of `resource_type`; None when no schema knows the type."""
    digest = _schema_index().get(resource_type)
    if digest is None:
        return None
    text = resources.files("cfnlint.data.schemas.resources").joinpath(f"{digest}.json").read_text()
    schema = json.loads(text)
    return CreateOnly(
        _pointers(schema, "createOnlyProperties"),
        _pointers(schema, "conditionalCreateOnlyProperties"),
    )


# ---------------------------------------------------------------- comparing values

_MISSING = object()


def _at(value: Any, parts: tuple[str, ...]) -> Any:
    """The value at `parts` (`*` maps over a list); _MISSING when absent."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if head == "*":
        if not isinstance(value, list):
            return _MISSING
        return [_at(item, rest) for item in value]
    if isinstance(value, Mapping) and head in value:
        return _at(value[head], rest)
    return _MISSING


def _has_intrinsic(value: Any) -> bool:
    if isinstance(value, Mapping):
        if len(value) == 1 and (next(iter(value)).startswith("Fn::") or "Ref" in value):
            return True
        return any(_has_intrinsic(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_intrinsic(v) for v in value)
    return False


def _references(value: Any) -> Iterator[tuple[str | None, str]]:
    """What `value` refers to: (None, logical id) in its stack, (stack, output name) outside."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                yield None, arg
                return
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(target, str):
                    yield None, target.split(".")[0]
                return
            if key == "Fn::GetStackOutput" and isinstance(arg, Mapping):
                stack, output = arg.get("StackName"), arg.get("OutputName")
                if isinstance(stack, str) and isinstance(output, str):
                    yield stack, output
                    return
            if key == "Fn::ImportValue" and isinstance(arg, str):
                yield "<export>", arg
                return
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str):
                    for piece in text.split("${")[1:]:
                        name = piece.split("}")[0]
                        if not name.startswith("!"):
                            yield None, name.split(".")[0]
        for v in value.values():
            yield from _references(v)
    elif isinstance(value, list):
        for v in value:
            yield from _references(v)


def _compact(value: Any) -> Any:
    """`value` with common intrinsics shortened: `Ref X` -> `!Ref X`, outputs -> `stack:Output`."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return f"!Ref {arg}"
            if key == "Fn::GetAtt" and isinstance(arg, list):
                return "!GetAtt " + ".".join(str(a) for a in arg)
            if key == "Fn::GetStackOutput" and isinstance(arg, Mapping):
                return f"!GetStackOutput {arg.get('StackName')}:{arg.get('OutputName')}"
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = json.dumps(_compact(value), sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _replaces_on_conditional(resource: Mapping[str, Any]) -> bool:
    """Whether a change to a conditionally create-only property may replace `resource`.

    An Auto Scaling group's conditional properties replace it only under an
    `AutoScalingReplacingUpdate` policy with `WillReplace`; otherwise
    CloudFormation updates it in place (rolling instances per its policy).
    """
    if resource.get("Type") == "AWS::AutoScaling::AutoScalingGroup":
        policy = (resource.get("UpdatePolicy") or {}).get("AutoScalingReplacingUpdate") or {}
        return policy.get("WillReplace") in (True, "true")
    return True


# ---------------------------------------------------------------- the guard


class _Replacements:
    """Which resources of the new assembly are replaced, found by propagation to a fixpoint."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old = old
        self.new = new
        #: (stack, logical id) -> (change, reason)
        self.state: dict[tuple[str, str], tuple[Change, str]] = {}
        self.exports: dict[str, tuple[str, str]] = {}
        for stack, template in new.items():
            for name, output in (template.get("Outputs") or {}).items():
                export = (output.get("Export") or {}).get("Name")
                if isinstance(export, str):
                    self.exports[export] = (stack, name)

    def _output_value(self, stack: str, output: str) -> tuple[str, Any] | None:
        if stack == "<export>":
            found = self.exports.get(output)
            if found is None:
                return None
            stack, output = found
        value = ((self.new.get(stack) or {}).get("Outputs") or {}).get(output)
        return None if value is None else (stack, value.get("Value"))

    def refers_to_replaced(
        self, stack: str, value: Any, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> tuple[Change, str] | None:
        """The strongest replacement `value` refers to, and the resource (`Id` or `Id in stack`)."""
        best: tuple[Change, str] | None = None
        for where, name in _references(value):
            found: tuple[Change, str] | None = None
            if where is None:
                hit = self.state.get((stack, name))
                found = None if hit is None else (hit[0], name)
            elif (where, name) not in seen:
                resolved = self._output_value(where, name)
                if resolved is not None:
                    out_stack, out_value = resolved
                    inner = self.refers_to_replaced(out_stack, out_value, seen | {(where, name)})
                    if inner is not None:
                        culprit = inner[1] if " in " in inner[1] else f"{inner[1]} in {out_stack}"
                        found = (inner[0], culprit)
            if found is not None and (best is None or _RANK[found[0]] > _RANK[best[0]]):
                best = found
        return best

    def _judge(
        self, stack: str, old_res: Mapping[str, Any], new_res: Mapping[str, Any]
    ) -> tuple[Change, str] | None:
        old_type, new_type = old_res.get("Type"), new_res.get("Type")
        if old_type != new_type:
            return "replaced", f"type changes to {new_type}"
        spec = create_only(str(new_type))
        if spec is None:
            return None
        old_props = old_res.get("Properties") or {}
        new_props = new_res.get("Properties") or {}
        best: tuple[Change, str] | None = None

        def consider(found: tuple[Change, str]) -> None:
            nonlocal best
            if best is None or _RANK[found[0]] > _RANK[best[0]]:
                best = found

        for conditional, pointers in ((False, spec.always), (True, spec.conditional)):
            for parts in pointers:
                name = ".".join(parts)
                before, after = _at(old_props, parts), _at(new_props, parts)
                if before == after:
                    referred = self.refers_to_replaced(stack, after)
                    if referred is not None and (
                        not conditional or _replaces_on_conditional(new_res)
                    ):
                        verb = "is replaced" if referred[0] == "replaced" else "may be replaced"
                        why = f"create-only {name} refers to {referred[1]}, which {verb}"
                        consider((referred[0], why))
                    continue
                change = f"{_show(before)} -> {_show(after)}"
                if conditional:
                    if _replaces_on_conditional(new_res):
                        why = f"{name} changes ({change}), which can require replacement"
                        consider(("may be replaced", why))
                elif _has_intrinsic(before) or _has_intrinsic(after):
                    consider(("may be replaced", f"create-only {name} changes ({change})"))
                else:
                    consider(("replaced", f"create-only {name} changes ({change})"))
        return best

    def solve(self) -> None:
        changed = True
        while changed:
            changed = False
            for stack, new_template in self.new.items():
                old_template = self.old.get(stack)
                if old_template is None:
                    continue
                old_resources = old_template.get("Resources") or {}
                for logical_id, new_res in (new_template.get("Resources") or {}).items():
                    old_res = old_resources.get(logical_id)
                    if old_res is None:
                        continue
                    verdict = self._judge(stack, old_res, new_res)
                    if verdict is None:
                        continue
                    previous = self.state.get((stack, logical_id))
                    if previous is None or _RANK[verdict[0]] > _RANK[previous[0]]:
                        self.state[(stack, logical_id)] = verdict
                        changed = True


def _renamed_to(old_res: Mapping[str, Any], new_resources: Mapping[str, Any]) -> str | None:
    """The new logical ID of a resource whose construct path or properties are unchanged."""
    path = (old_res.get("Metadata") or {}).get("aws:cdk:path")
    for logical_id, res in new_resources.items():
        if res.get("Type") != old_res.get("Type"):
            continue
        same_path = path is not None and (res.get("Metadata") or {}).get("aws:cdk:path") == path
        if same_path or res.get("Properties") == old_res.get("Properties"):
            return str(logical_id)
    return None


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Finding]:
    """Every guarded resource of `old` (templates by stack name) that `new` deletes or replaces."""
    replacements = _Replacements(old, new)
    replacements.solve()
    findings: list[Finding] = []
    for stack, old_template in old.items():
        new_template = new.get(stack)
        new_resources = (new_template or {}).get("Resources") or {}
        for logical_id, old_res in (old_template.get("Resources") or {}).items():
            resource_type = str(old_res.get("Type"))
            if resource_type not in GUARDED_TYPES:
                continue
            if new_template is None:
                findings.append(
                    Finding(stack, logical_id, resource_type, "deleted", "its stack is removed")
                )
                continue
            if logical_id not in new_resources:
                added = {
                    k: v for k, v in new_resources.items() if k not in old_template["Resources"]
                }
                renamed = _renamed_to(old_res, added)
                reason = (
                    f"logical ID renamed to {renamed} (created anew, then the old one is deleted)"
                    if renamed
                    else "its logical ID is gone from the new template"
                )
                findings.append(Finding(stack, logical_id, resource_type, "deleted", reason))
                continue
            verdict = replacements.state.get((stack, logical_id))
            if verdict is not None:
                findings.append(Finding(stack, logical_id, resource_type, *verdict))
    return findings


def guard(old_dir: Path, new_dir: Path) -> list[Finding]:
    """Findings of updating the assembly in `old_dir` to the one in `new_dir`."""
    return compare(read_assembly(old_dir), read_assembly(new_dir))
