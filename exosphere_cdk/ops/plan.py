"""`plan`: what `cdk deploy` would create, and whether the tasks fit their clusters.

Synthesizes the app in-process (with cdk.json's context, into a temporary
folder) and returns a `Plan`: stacks → services → their main resources,
ExoCom's address and routes, each stack's size against CloudFormation's
limits, and a capacity check of every cluster. `Plan.as_json()` is what
`exo-cdk plan --json` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.data.exocom import Deployment, Route
from exosphere_cdk.manifest.data.instances import AS_OF as SIZES_AS_OF
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import (
    AppDesign,
    BuiltImage,
    DatabaseDesign,
    ServiceDesign,
    design,
)
from exosphere_cdk.manifest.design.capacity import ClusterCapacity, capacity, notes
from exosphere_cdk.manifest.model.app import Image, LoadedApp
from exosphere_cdk.ops.assembly import StackInfo, synthesize

__all__ = [
    "DatabasePlan",
    "ExoComPlan",
    "ListenerRulePlan",
    "Plan",
    "ServicePlan",
    "StackPlan",
    "TargetGroupPlan",
    "build_plan",
    "plan",
    "synthesize",
]


@frozen
class TargetGroupPlan:
    port: int | None
    health_check_path: str

    def as_json(self) -> dict[str, Any]:
        return {"port": self.port, "health_check_path": self.health_check_path}


@frozen
class ListenerRulePlan:
    priority: int | None
    hosts: tuple[str, ...]
    #: `https://<url>` (`http://` without a domain); None for the catch-all.
    url: str | None

    def as_json(self) -> dict[str, Any]:
        return {"priority": self.priority, "hosts": list(self.hosts), "url": self.url}


@frozen
class ServicePlan:
    """One service as its stack deploys it."""

    role: str
    public: bool
    image: Image
    cpu: int
    memory_mib: int
    min_tasks: int
    max_tasks: int
    cpu_target: int
    deployment: Deployment
    log_retention_days: int | None
    target_group: TargetGroupPlan | None = None
    listener_rule: ListenerRulePlan | None = None
    #: `memory_mib` is a soft reservation, not a hard limit.
    memory_is_reservation: bool = False

    @property
    def cluster(self) -> str:
        return "public" if self.public else "private"

    @property
    def scales(self) -> bool:
        return self.max_tasks > self.min_tasks

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "public": self.public,
            "cluster": self.cluster,
            "image": {
                "kind": self.image.kind,
                "value": self.image.value,
                **({"dockerfile": self.image.dockerfile} if self.image.kind == "asset" else {}),
            },
            "cpu": self.cpu,
            "memory_mib": self.memory_mib,
            "memory": "reservation" if self.memory_is_reservation else "limit",
            "scaling": {
                "min": self.min_tasks,
                "max": self.max_tasks,
                "cpu_target": self.cpu_target,
            },
            "deployment": {
                "minimum_healthy_percent": self.deployment.minimum_healthy_percent,
                "maximum_percent": self.deployment.maximum_percent,
            },
            "log_retention_days": self.log_retention_days,
            "target_group": self.target_group.as_json() if self.target_group else None,
            "listener_rule": self.listener_rule.as_json() if self.listener_rule else None,
        }


@frozen
class DatabasePlan:
    """One database as the data stack deploys it."""

    design: DatabaseDesign

    def as_json(self) -> dict[str, Any]:
        db = self.design
        return {
            "id": db.id,
            "engine": db.engine,
            "engine_version": db.engine_version,
            "instance_class": db.instance_class,
            "storage": {"gib": db.allocated_storage_gib, "type": db.storage_type},
            "db_name": db.db_name,
            "username": db.username,
            "password": {"secret": db.password.name, "json_key": db.password.json_key},
            "host": db.host,
            "port": db.port,
            "backup_retention_days": db.backup_retention_days,
            "multi_az": db.multi_az,
        }


@frozen
class StackPlan:
    """One stack: its size against CloudFormation's limits, and its service or databases."""

    info: StackInfo
    service: ServicePlan | None
    databases: tuple[DatabasePlan, ...] = ()

    @property
    def name(self) -> str:
        return self.info.name

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.info.limits(),
            "outputs_names": sorted(self.info.outputs),
            "service": self.service.as_json() if self.service else None,
            **({"databases": [db.as_json() for db in self.databases]} if self.databases else {}),
        }


@frozen
class ExoComPlan:
    """ExoCom as deployed: its address, release and routing table."""

    address: str
    url: str
    image: str
    family: exocom.ExoComFamily
    routes: tuple[Route, ...]
    #: The routing table as the release reads it (JSON data).
    routes_value: object
    #: ExoCom's stack (`<deployment>-exocom`).
    stack: str = ""

    def as_json(self) -> dict[str, Any]:
        family = self.family
        return {
            "address": self.address,
            "url": self.url,
            "image": self.image,
            "release": family.name,
            "command": list(family.command) if family.command else None,
            "routes": [route.as_json() for route in self.routes],
            "variable": {"name": family.routes_variable, "value": self.routes_value},
            "tasks_per_role": "several" if family.several_per_role else "one",
            "reconnector": not family.clients_reconnect,
        }


@frozen
class Plan:
    """What `cdk deploy` would create for one app and environment."""

    slug: str
    env: str
    region: str | None
    stacks: tuple[StackPlan, ...]
    exocom: ExoComPlan
    clusters: tuple[ClusterCapacity, ...]
    notes: tuple[str, ...]
    #: Stack limit warnings (CloudFormation's resources, template size, outputs). The
    #: clusters' warnings are validate's problems (rules_capacity), with file and line.
    warnings: tuple[str, ...]
    #: The app's stacks not synthesized, and why (derive.omitted_stacks).
    omitted: Mapping[str, str] = field(factory=dict)

    @property
    def fits(self) -> bool:
        return all(c.known and not c.warnings for c in self.clusters)

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": True,
            "slug": self.slug,
            "env": self.env,
            "region": self.region,
            "stacks": [stack.as_json() for stack in self.stacks],
            "omitted_stacks": dict(self.omitted),
            "exocom": self.exocom.as_json(),
            "capacity": {
                "notes": list(self.notes),
                "sizes_as_of": SIZES_AS_OF,
                "clusters": [c.as_json() for c in self.clusters],
            },
            "warnings": list(self.warnings),
        }


def plan(app: LoadedApp) -> Plan:
    """The plan of `app`, synthesized in-process."""
    return build_plan(app, synthesize(app))


def _service_plan(plan: AppDesign, svc: ServiceDesign, stack: StackInfo) -> ServicePlan:
    min_tasks, max_tasks = svc.min_tasks, svc.max_tasks
    for target in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        min_tasks = target.get("MinCapacity", min_tasks)
        max_tasks = target.get("MaxCapacity", max_tasks)
    retention: int | None = plan.log_retention_days
    for group in stack.of_type("AWS::Logs::LogGroup"):
        retention = group.get("RetentionInDays")
    target_group = None
    for group in stack.of_type("AWS::ElasticLoadBalancingV2::TargetGroup"):
        target_group = TargetGroupPlan(group.get("Port"), group.get("HealthCheckPath", "/"))
    listener_rule = None
    for rule in stack.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"):
        hosts = tuple(
            value
            for condition in rule.get("Conditions", [])
            if condition.get("Field") == "host-header"
            for value in condition.get("HostHeaderConfig", {}).get("Values", [])
            + condition.get("Values", [])
        )
        url = svc.url
        scheme = "https" if plan.dns else "http"
        listener_rule = ListenerRulePlan(
            rule.get("Priority"), hosts, f"{scheme}://{url}" if url else None
        )
    return ServicePlan(
        role=svc.role,
        public=svc.public,
        image=(
            Image("asset", svc.image.directory, svc.image.dockerfile)
            if isinstance(svc.image, BuiltImage)
            else Image("registry", svc.image.name)
        ),
        cpu=svc.cpu,
        memory_mib=svc.memory_mib,
        min_tasks=min_tasks,
        max_tasks=max_tasks,
        cpu_target=svc.cpu_target_percent,
        deployment=svc.deployment,
        log_retention_days=retention,
        target_group=target_group,
        listener_rule=listener_rule,
        memory_is_reservation=svc.memory_is_reservation,
    )


def build_plan(app: LoadedApp, stacks: dict[str, StackInfo]) -> Plan:
    """The plan of `app` from its synthesized `stacks`."""
    spec = design(app)
    planned: list[StackPlan] = []
    warnings: list[str] = []
    data = spec.data
    for name, info in stacks.items():
        svc = spec.service(name)
        warnings += info.limit_warnings()
        databases = (
            tuple(DatabasePlan(db) for db in data.databases)
            if data is not None and name == data.name
            else ()
        )
        planned.append(StackPlan(info, _service_plan(spec, svc, info) if svc else None, databases))
    host = spec.exocom.address
    return Plan(
        slug=app.slug,
        env=app.env_name,
        region=spec.region,
        stacks=tuple(planned),
        exocom=ExoComPlan(
            address=host,
            url=f"ws://{host}/services",
            image=spec.exocom.image.name,
            family=spec.exocom.family,
            routes=spec.exocom.routes,
            routes_value=exocom.routes_value(spec.exocom.family, spec.exocom.routes),
            stack=spec.exocom.name,
        ),
        clusters=tuple(capacity(app)),
        notes=tuple(notes(app)),
        warnings=tuple(warnings),
        omitted=derive.omitted_stacks(app),
    )
