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

And every output another stack reads (`Fn::GetStackOutput`, CDK's weak
cross-stack references, or `Fn::ImportValue` of an export) that the update

- **deletes** while its reader stays: the producer is deployed first (the
  reader depends on it) and deletes what the reader still uses (fewer
  availability zones delete subnets the load balancer stands in), unless the
  reader is deployed first;
- **changes** while its reader's template does not: the reader keeps the old
  value until it is deployed again, and `cdk deploy` skips an unchanged stack
  unless `--force`.

Every finding is one line: `stack/LogicalId (Type): deleted|replaced|may be replaced|changed: why`
(an output's type is `output`).
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

Change = Literal["deleted", "replaced", "may be replaced", "changed"]
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
    """Every guarded resource of `old` (templates by stack name) that `new` deletes or replaces,
    then every output read by another stack that `new` deletes or changes under it."""
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
    return [*findings, *output_findings(old, new, replacements)]


# ---------------------------------------------------------------- outputs read by other stacks

#: A finding's type for a stack output.
OUTPUT = "output"


def _output_reads(value: Any) -> Iterator[tuple[str, str, str]]:
    """Outputs `value` reads: (stack or `<export>`, output or export name, function)."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Fn::GetStackOutput" and isinstance(arg, Mapping):
                stack, output = arg.get("StackName"), arg.get("OutputName")
                if isinstance(stack, str) and isinstance(output, str):
                    yield stack, output, key
            elif key == "Fn::ImportValue" and isinstance(arg, str):
                yield "<export>", arg, key
        for v in value.values():
            yield from _output_reads(v)
    elif isinstance(value, list):
        for v in value:
            yield from _output_reads(v)


def _readers(templates: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, str]]:
    """(stack, output) -> {reading stack: the function it reads it with}."""
    exports: dict[str, tuple[str, str]] = {}
    for stack, template in templates.items():
        for name, output in (template.get("Outputs") or {}).items():
            export = (output.get("Export") or {}).get("Name")
            if isinstance(export, str):
                exports[export] = (stack, name)
    readers: dict[tuple[str, str], dict[str, str]] = {}
    for reader, template in templates.items():
        for where, name, function in _output_reads(template):
            producer = exports.get(name) if where == "<export>" else (where, name)
            if producer is not None and producer[0] != reader:
                readers.setdefault(producer, {})[reader] = function
    return readers


def _outputs(templates: Mapping[str, Any], stack: str) -> Mapping[str, Any]:
    return (templates.get(stack) or {}).get("Outputs") or {}


#: Deletion policies that keep a resource in the account when it leaves its template.
_KEPT = ("Retain", "RetainExceptOnCreate")


def _gone(
    value: Any,
    stack: str,
    templates: tuple[Mapping[str, Any], Mapping[str, Any]],
    state: _Replacements,
) -> str | None:
    """A resource of `stack` that `value` refers to and the update deletes (unless retained)
    or replaces."""
    old, new = templates
    before = (old.get(stack) or {}).get("Resources") or {}
    after = (new.get(stack) or {}).get("Resources") or {}
    for where, name in _references(value):
        if where is not None:
            continue
        if name not in after and (before.get(name) or {}).get("DeletionPolicy") not in _KEPT:
            return name
        if (stack, name) in state.state:
            return name
    return None


def output_findings(
    old: Mapping[str, Any], new: Mapping[str, Any], state: _Replacements
) -> list[Finding]:
    """Outputs read by a stack that stays, which the update deletes or changes under it."""
    findings: list[Finding] = []
    for (stack, output), readers in sorted(_readers(old).items()):
        staying = sorted(r for r in readers if r in new)
        if stack not in new or output in _outputs(new, stack) or not staying:
            continue
        culprit = _gone(_outputs(old, stack)[output].get("Value"), stack, (old, new), state)
        if culprit is None:
            continue  # what it names stays: a reader's new template reads something else
        names = ", ".join(staying)
        reason = (
            f"read by {names} ({readers[staying[0]]}); deploying {stack} first deletes"
            f" {culprit}, which {names} still use{'s' if len(staying) == 1 else ''}: deploy"
            f" {names} first (npx cdk deploy -e {' '.join(staying)})"
        )
        findings.append(Finding(stack, output, OUTPUT, "deleted", reason))
    for (stack, output), readers in sorted(_readers(new).items()):
        before = _outputs(old, stack).get(output)
        after = _outputs(new, stack).get(output)
        if before is None or after is None:
            continue
        value = after.get("Value")
        if before.get("Value") != value:
            change = f"{_show(before.get('Value'))} -> {_show(value)}"
        elif (referred := state.refers_to_replaced(stack, value)) is not None:
            verb = "is replaced" if referred[0] == "replaced" else "may be replaced"
            change = f"{_show(value)} names {referred[1]}, which {verb}"
        else:
            continue
        stale = sorted(r for r in readers if r in old and old[r] == new[r])
        if not stale:
            continue  # every reader's template changes: a deploy refreshes it
        names = ", ".join(stale)
        reason = (
            f"{change}; read by {names} ({readers[stale[0]]}), whose template does not"
            " change: it keeps the old value until deployed again"
            f" (npx cdk deploy --force -e {' '.join(stale)}, after {stack})"
        )
        findings.append(Finding(stack, output, OUTPUT, "changed", reason))
    return findings


def guard(old_dir: Path, new_dir: Path) -> list[Finding]:
    """Findings of updating the assembly in `old_dir` to the one in `new_dir`."""
    return compare(read_assembly(old_dir), read_assembly(new_dir))


# ---------------------------------------------------------------- bus restarts

#: The container name of ExoCom in its task definition (exosphere_constructs.ExoComHost).
EXOCOM_CONTAINER = "exocom"
#: The variables ExoCom reads its routing table from (manifest/data/exocom.py's releases).
ROUTES_VARIABLES = ("SERVICE_ROUTES", "SERVICE_DATA")


@frozen
class BusRestart:
    """A change that restarts ExoCom: every service loses its connection for a moment."""

    stack: str
    logical_id: str
    type: str
    causes: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id} ({self.type}): restarts the bus: " + "; ".join(
            self.causes
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "logical_id": self.logical_id,
            "type": self.type,
            "causes": list(self.causes),
        }


def _exocom_container(resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """ExoCom's container definition, when `resource` is ExoCom's task definition."""
    if resource.get("Type") != "AWS::ECS::TaskDefinition":
        return None
    for container in (resource.get("Properties") or {}).get("ContainerDefinitions") or []:
        if isinstance(container, Mapping) and container.get("Name") == EXOCOM_CONTAINER:
            return container
    return None


def _environment(container: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(e.get("Name")): e.get("Value")
        for e in container.get("Environment") or []
        if isinstance(e, Mapping)
    }


def _routes_by_role(value: Any) -> dict[str, Any] | None:
    """A routing table (SERVICE_ROUTES' list or SERVICE_DATA's map) by role; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if isinstance(data, list):
        return {str(e.get("role")): e for e in data if isinstance(e, Mapping)}
    if isinstance(data, Mapping):
        return {str(role): entry for role, entry in data.items()}
    return None


def _routes_change(old_value: Any, new_value: Any) -> str:
    old_routes, new_routes = _routes_by_role(old_value), _routes_by_role(new_value)
    if old_routes is None or new_routes is None:
        return "ExoCom's routes change"
    parts = []
    for label, roles in (
        ("added", sorted(set(new_routes) - set(old_routes))),
        ("removed", sorted(set(old_routes) - set(new_routes))),
        (
            "changed",
            sorted(r for r in set(old_routes) & set(new_routes) if old_routes[r] != new_routes[r]),
        ),
    ):
        if roles:
            parts.append(f"{label}: {', '.join(roles)}")
    return f"ExoCom's routes change ({'; '.join(parts) or 'their order'})"


def _task_causes(
    old_res: Mapping[str, Any],
    new_res: Mapping[str, Any],
    old_c: Mapping[str, Any],
    new_c: Mapping[str, Any],
) -> list[str]:
    """Why ExoCom's new task definition restarts it (nothing when it is unchanged)."""
    causes: list[str] = []
    if old_c.get("Image") != new_c.get("Image"):
        causes.append(
            f"ExoCom's image changes ({_show(old_c.get('Image'))} -> {_show(new_c.get('Image'))})"
        )
    if old_c.get("Command") != new_c.get("Command"):
        causes.append(
            f"ExoCom's command changes ({_show(old_c.get('Command', _MISSING))} ->"
            f" {_show(new_c.get('Command', _MISSING))})"
        )
    old_env, new_env = _environment(old_c), _environment(new_c)
    old_var = next((v for v in ROUTES_VARIABLES if v in old_env), None)
    new_var = next((v for v in ROUTES_VARIABLES if v in new_env), None)
    if old_var and new_var and old_var != new_var:
        causes.append(f"ExoCom reads its routes from {new_var} instead of {old_var}")
    elif new_var and old_env.get(old_var or new_var) != new_env.get(new_var):
        causes.append(_routes_change(old_env.get(old_var or new_var), new_env.get(new_var)))
    others = sorted(
        str(name)
        for name in set(old_env) | set(new_env)
        if name not in ROUTES_VARIABLES and old_env.get(name) != new_env.get(name)
    )
    if others:
        causes.append(f"ExoCom's environment changes ({', '.join(others)})")
    skip = {"Image", "Command", "Environment"}
    changed = sorted(
        k for k in set(old_c) | set(new_c) if k not in skip and old_c.get(k) != new_c.get(k)
    )
    old_props = {
        k: v for k, v in (old_res.get("Properties") or {}).items() if k != "ContainerDefinitions"
    }
    new_props = {
        k: v for k, v in (new_res.get("Properties") or {}).items() if k != "ContainerDefinitions"
    }
    changed += sorted(
        k for k in set(old_props) | set(new_props) if old_props.get(k) != new_props.get(k)
    )
    if changed:
        causes.append(f"ExoCom's task definition changes ({', '.join(changed)})")
    return causes


def bus_restarts(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[BusRestart]:
    """Every change of `new` over `old` that restarts ExoCom, with its causes.

    ExoCom restarts when its task definition changes (its routes, image,
    command or anything else: ECS starts a new task) and when its one
    instance is replaced (a change of its launch template: AMI, instance type,
    user data). A restart disconnects every service (docs/architecture.md).
    """
    restarts: list[BusRestart] = []
    for stack, new_template in new.items():
        old_resources = (old.get(stack) or {}).get("Resources") or {}
        new_resources = new_template.get("Resources") or {}
        old_tasks = {k: r for k, r in old_resources.items() if _exocom_container(r) is not None}
        hosts_exocom = any(_exocom_container(r) is not None for r in new_resources.values())
        for logical_id, new_res in new_resources.items():
            new_c = _exocom_container(new_res)
            if new_c is not None:
                old_id = logical_id if logical_id in old_tasks else next(iter(old_tasks), None)
                if old_id is None:
                    continue  # ExoCom is new: nothing to restart
                old_res = old_tasks[old_id]
                old_c = _exocom_container(old_res)
                assert old_c is not None
                causes = _task_causes(old_res, new_res, old_c, new_c)
                if causes:
                    restarts.append(
                        BusRestart(stack, logical_id, "AWS::ECS::TaskDefinition", tuple(causes))
                    )
            elif hosts_exocom and new_res.get("Type") == "AWS::EC2::LaunchTemplate":
                old_res = old_resources.get(logical_id)
                if old_res is None:
                    continue
                before = (old_res.get("Properties") or {}).get("LaunchTemplateData") or {}
                after = (new_res.get("Properties") or {}).get("LaunchTemplateData") or {}
                keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
                if keys:
                    restarts.append(
                        BusRestart(
                            stack,
                            logical_id,
                            "AWS::EC2::LaunchTemplate",
                            (f"ExoCom's instance is replaced ({', '.join(keys)} change)",),
                        )
                    )
    return restarts


# ---------------------------------------------------------------- AMI changes


@frozen
class AmiChange:
    """A launch template whose AMI changes: its Auto Scaling group replaces every instance."""

    stack: str
    logical_id: str
    before: str
    after: str

    def __str__(self) -> str:
        return (
            f"{self.stack}/{self.logical_id} (AWS::EC2::LaunchTemplate): new AMI {self.before}"
            f" -> {self.after}: its instances are replaced, one at a time"
        )

    def as_json(self) -> dict[str, str]:
        return {
            "stack": self.stack,
            "logical_id": self.logical_id,
            "before": self.before,
            "after": self.after,
        }


def _image_id(resource: Mapping[str, Any]) -> Any:
    data = (resource.get("Properties") or {}).get("LaunchTemplateData") or {}
    return data.get("ImageId", _MISSING)


def ami_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[AmiChange]:
    """Every launch template of both assemblies whose ImageId changes (a pin updated, or
    a pin added or dropped: the AMI SSM names at deploy is a parameter, `!Ref ...`)."""
    changes: list[AmiChange] = []
    for stack, new_template in new.items():
        old_resources = (old.get(stack) or {}).get("Resources") or {}
        for logical_id, new_res in (new_template.get("Resources") or {}).items():
            old_res = old_resources.get(logical_id)
            if new_res.get("Type") != "AWS::EC2::LaunchTemplate" or old_res is None:
                continue
            before, after = _image_id(old_res), _image_id(new_res)
            if before != after:
                changes.append(AmiChange(stack, logical_id, _show(before), _show(after)))
    return changes
