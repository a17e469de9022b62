"""What runs: each stack's CloudFormation status; each service's tasks, rollout, events, targets."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import boto3  # type: ignore[import-untyped]
from attrs import evolve, frozen

from exosphere_cdk.manifest.design.app import APP_TAG, ENV_TAG, tags
from exosphere_cdk.manifest.design.derive import (
    deployment_name,
    omitted_stacks,
    stack_name,
    stack_names,
)
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.constraints import DATA_STACK_PART
from exosphere_cdk.ops.aws import (
    Deployed,
    NotDeployedError,
    StackResource,
    aws_errors,
    clients,
    stack_resources,
)

__all__ = [
    "NOTHING_TO_DEPLOY",
    "NOT_DEPLOYED",
    "AppStatus",
    "LeftStack",
    "ServiceEvent",
    "ServiceStatus",
    "StackStatus",
    "TargetHealth",
    "app_status",
]

#: The status of a stack that CloudFormation does not know.
NOT_DEPLOYED = "NOT_DEPLOYED"
#: The status of a stack CloudFormation does not know because it would have no resources:
#: it is not synthesized (derive.omitted_stacks), so nothing is missing.
NOTHING_TO_DEPLOY = "NOTHING_TO_DEPLOY"

#: ECS's DescribeServices takes at most this many services per call.
_DESCRIBE_BATCH = 10


@frozen
class StackStatus:
    """One stack of the app: `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, ... or NOT_DEPLOYED."""

    name: str
    status: str
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason}


@frozen
class LeftStack:
    """A deployed stack of the app (its tags, its name's prefix) that the manifest no longer
    makes: `cdk deploy` and `cdk destroy --all` leave it alone. `advice`: what to do."""

    name: str
    status: str
    advice: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "advice": self.advice}


@frozen
class ServiceEvent:
    """An ECS service event (`(service x) was unable to place a task ...`)."""

    at: datetime
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "message": self.message}


@frozen
class TargetHealth:
    """One target of a public service's target group, as the load balancer sees it."""

    target: str
    state: str
    reason: str | None
    description: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "state": self.state,
            "reason": self.reason,
            "description": self.description,
        }


@frozen
class ServiceStatus:
    """One ECS service (a role of the app, or `exocom`)."""

    role: str
    stack: str
    cluster: str | None
    service: str | None
    #: ECS's service status (`ACTIVE`, `DRAINING`), or NOT_DEPLOYED.
    status: str
    desired: int
    running: int
    pending: int
    #: The primary deployment's rollout state: `COMPLETED`, `IN_PROGRESS`, `FAILED`.
    rollout: str | None
    rollout_reason: str | None
    #: The newest events first.
    events: tuple[ServiceEvent, ...]
    #: The target group's targets (public services), None for private ones and ExoCom.
    targets: tuple[TargetHealth, ...] | None

    @property
    def steady(self) -> bool:
        """Every desired task runs and the last rollout completed."""
        return (
            self.status == "ACTIVE"
            and self.running == self.desired
            and self.pending == 0
            and self.rollout in (None, "COMPLETED")
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "stack": self.stack,
            "cluster": self.cluster,
            "service": self.service,
            "status": self.status,
            "desired": self.desired,
            "running": self.running,
            "pending": self.pending,
            "rollout": self.rollout,
            "rollout_reason": self.rollout_reason,
            "steady": self.steady,
            "events": [e.as_json() for e in self.events],
            "targets": None if self.targets is None else [t.as_json() for t in self.targets],
        }


@frozen
class AppStatus:
    """The deployed state of one app in one region."""

    slug: str
    region: str
    stacks: tuple[StackStatus, ...]
    services: tuple[ServiceStatus, ...]
    env: str
    #: What the environment's names start with (design.derive.deployment_name).
    deployment: str
    #: The environment's deployed stacks that the manifest no longer makes.
    left: tuple[LeftStack, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "env": self.env,
            "region": self.region,
            "stacks": [s.as_json() for s in self.stacks],
            "services": [s.as_json() for s in self.services],
            "left_behind": [s.as_json() for s in self.left],
        }


def app_status(app: LoadedApp, *, session: boto3.Session, events: int = 5) -> AppStatus:
    """The app's stacks and services as AWS reports them, with each service's newest `events`.

    Raises NotDeployedError when none of the app's stacks exists (nor one of the environment
    that the manifest no longer makes: `left`), and AwsError
    (CredentialsError) when AWS cannot be asked.
    """
    deployed = clients(app, session)
    names = stack_names(app, omitted=True)
    live = _live_stacks(deployed)
    stacks = _stack_statuses(live, names, omitted_stacks(app))
    left = _left_behind(app, live, names)
    if all(s.status in (NOT_DEPLOYED, NOTHING_TO_DEPLOY) for s in stacks) and not left:
        raise NotDeployedError(names[0], deployed.region)
    by_name = {s.name: s for s in stacks}
    public = {s.role for s in app.public_services}
    roles = [
        ("exocom", stack_name(app, "exocom")),
        *((s.role, stack_name(app, s.role)) for s in app.services),
    ]
    found: list[_Found] = []
    for role, stack in roles:
        if by_name[stack].status == NOT_DEPLOYED:
            found.append(_Found(role, stack, None, None, [], role in public))
            continue
        resources = stack_resources(deployed, stack)
        service = next((r.physical_id for r in resources if r.type == "AWS::ECS::Service"), None)
        groups = [
            r.physical_id
            for r in resources
            if r.type == "AWS::ElasticLoadBalancingV2::TargetGroup" and r.physical_id
        ]
        found.append(
            _Found(role, stack, service or None, _cluster(service), groups, role in public)
        )
    if any(f.service and f.cluster is None for f in found):
        found = _with_clusters(deployed, app, found)
    described = _describe_services(deployed, found)
    services = tuple(
        _service_status(deployed, f, described.get(f.service or ""), events) for f in found
    )
    return AppStatus(
        slug=app.slug,
        region=deployed.region,
        stacks=stacks,
        services=services,
        env=app.env_name,
        deployment=deployment_name(app),
        left=left,
    )


@frozen
class _Found:
    """What a role's stack says about its ECS service."""

    role: str
    stack: str
    service: str | None
    cluster: str | None
    target_groups: list[str]
    public: bool


def _live_stacks(deployed: Deployed) -> dict[str, dict[str, Any]]:
    """Every stack of the region that CloudFormation describes (one paginated listing)."""
    live: dict[str, dict[str, Any]] = {}
    with aws_errors():
        for page in deployed.cloudformation.get_paginator("describe_stacks").paginate():
            for stack in page["Stacks"]:
                live[stack["StackName"]] = stack
    return live


def _left_behind(
    app: LoadedApp, live: dict[str, dict[str, Any]], names: list[str]
) -> tuple[LeftStack, ...]:
    """The environment's stacks (named `<deployment>-…`, tagged as it, the tags matched
    exactly as `remove` matches them) that are not among `names`, the manifest's."""
    prefix, wanted = f"{deployment_name(app)}-", tags(app)
    found = []
    for name, stack in sorted(live.items()):
        values = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
        ours = all(values.get(key) == wanted.get(key) for key in (APP_TAG, ENV_TAG))
        if name.startswith(prefix) and ours and name not in names:
            found.append(LeftStack(name, stack["StackStatus"], _advice(app, name)))
    return tuple(found)


def _advice(app: LoadedApp, name: str) -> str:
    """What to do with a stack the manifest no longer makes."""
    if name == stack_name(app, DATA_STACK_PART):
        return (
            "the manifest has no database any more: snapshot it, lift its protection and"
            " delete the stack (docs/operations.md#removing-a-database)"
        )
    return (
        f"delete it if it is no longer wanted: `aws cloudformation delete-stack --stack-name"
        f" {name}` (docs/operations.md#removing-a-service)"
    )


def _stack_statuses(
    live: dict[str, dict[str, Any]], names: list[str], empty: dict[str, str]
) -> tuple[StackStatus, ...]:
    """The status of every stack of the app in `live`; a stack not synthesized (`empty`,
    derive.omitted_stacks) that CloudFormation does not know is NOTHING_TO_DEPLOY."""
    return tuple(
        StackStatus(name, live[name]["StackStatus"], live[name].get("StackStatusReason"))
        if name in live
        else StackStatus(name, NOTHING_TO_DEPLOY, empty[name])
        if name in empty
        else StackStatus(name, NOT_DEPLOYED, None)
        for name in names
    )


def _cluster(service_arn: str | None) -> str | None:
    """The cluster of a service ARN in ECS's long format (`service/<cluster>/<name>`)."""
    if not service_arn:
        return None
    parts = service_arn.split(":", 5)[-1].split("/")
    return parts[1] if len(parts) == 3 else None


def _with_clusters(deployed: Deployed, app: LoadedApp, found: list[_Found]) -> list[_Found]:
    """Services with ARNs in ECS's old short format: their cluster, among the app's clusters."""
    clusters = [
        r.physical_id
        for part in ("platform", "exocom")
        for r in _resources_or_none(deployed, stack_name(app, part))
        if r.type == "AWS::ECS::Cluster"
    ]

    def cluster_of(service: str) -> str | None:
        with aws_errors():
            for cluster in clusters:
                if deployed.ecs.describe_services(cluster=cluster, services=[service])["services"]:
                    return cluster
        return None

    return [
        evolve(f, cluster=cluster_of(f.service)) if f.service and f.cluster is None else f
        for f in found
    ]


def _resources_or_none(deployed: Deployed, stack: str) -> list[StackResource]:
    try:
        return stack_resources(deployed, stack)
    except NotDeployedError:
        return []


def _describe_services(deployed: Deployed, found: list[_Found]) -> dict[str, dict[str, Any]]:
    """ECS's description of every service found, by ARN (ten per call, per cluster)."""
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for f in found:
        if f.service and f.cluster:
            by_cluster[f.cluster].append(f.service)
    described: dict[str, dict[str, Any]] = {}
    with aws_errors():
        for cluster, arns in by_cluster.items():
            for i in range(0, len(arns), _DESCRIBE_BATCH):
                answer = deployed.ecs.describe_services(
                    cluster=cluster, services=arns[i : i + _DESCRIBE_BATCH]
                )
                for service in answer["services"]:
                    described[service["serviceArn"]] = service
    return described


def _service_status(
    deployed: Deployed, found: _Found, service: dict[str, Any] | None, events: int
) -> ServiceStatus:
    targets = _targets(deployed, found.target_groups) if found.public else None
    if service is None:
        return ServiceStatus(
            role=found.role,
            stack=found.stack,
            cluster=found.cluster,
            service=found.service,
            status=NOT_DEPLOYED,
            desired=0,
            running=0,
            pending=0,
            rollout=None,
            rollout_reason=None,
            events=(),
            targets=targets if found.service else None,
        )
    primary: dict[str, Any] = next(
        (d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), {}
    )
    newest = sorted(service.get("events", []), key=lambda e: e["createdAt"], reverse=True)
    return ServiceStatus(
        role=found.role,
        stack=found.stack,
        cluster=found.cluster,
        service=service["serviceName"],
        status=service["status"],
        desired=service["desiredCount"],
        running=service["runningCount"],
        pending=service["pendingCount"],
        rollout=primary.get("rolloutState"),
        rollout_reason=primary.get("rolloutStateReason"),
        events=tuple(ServiceEvent(e["createdAt"], e["message"]) for e in newest[:events]),
        targets=targets,
    )


def _targets(deployed: Deployed, target_groups: list[str]) -> tuple[TargetHealth, ...]:
    found: list[TargetHealth] = []
    with aws_errors():
        for arn in target_groups:
            answer = deployed.elbv2.describe_target_health(TargetGroupArn=arn)
            for d in answer["TargetHealthDescriptions"]:
                target = d["Target"]
                health = d.get("TargetHealth", {})
                port = target.get("Port")
                found.append(
                    TargetHealth(
                        target=f"{target['Id']}:{port}" if port else target["Id"],
                        state=health.get("State", "unknown"),
                        reason=health.get("Reason"),
                        description=health.get("Description"),
                    )
                )
    return tuple(found)
