"""`plan`: what `cdk deploy` would create, and whether the tasks fit their clusters.

Synthesizes the app in-process (with cdk.json's context, into a temporary
folder) and returns, as a JSON-ready document: stacks → services → their main
resources, ExoCom's address and routes, each stack's size against
CloudFormation's limits, and a capacity check of every cluster.
"""

from __future__ import annotations

from typing import Any

from exosphere_cdk.manifest import derive, exocom
from exosphere_cdk.manifest.capacity import capacity, notes
from exosphere_cdk.manifest.exocom import EXOCOM_PORT
from exosphere_cdk.manifest.instances import AS_OF as SIZES_AS_OF
from exosphere_cdk.manifest.model import LoadedApp, LoadedService
from exosphere_cdk.ops.assembly import StackInfo, synthesize

__all__ = ["build_plan", "plan", "synthesize"]


def plan(app: LoadedApp) -> dict[str, Any]:
    """The plan of `app` (synthesized in-process) as a JSON-ready document."""
    return build_plan(app, synthesize(app))


def _service_plan(app: LoadedApp, svc: LoadedService, stack: StackInfo | None) -> dict[str, Any]:
    aws = svc.service.production.aws
    image = derive.image_source(svc)
    plan: dict[str, Any] = {
        "role": svc.role,
        "public": svc.public,
        "cluster": "public" if svc.public else "private",
        "image": {"kind": image.kind, "value": image.value},
        "cpu": aws.cpu,
        "memory_mib": aws.memory,
        "scaling": {"min": svc.min_tasks, "max": svc.max_tasks, "cpu_target": aws.cpu_target},
        "deployment": _deployment(app),
        "log_retention_days": app.aws.log_retention_days,
        "target_group": None,
        "listener_rule": None,
    }
    if stack is None:
        return plan
    for target in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        plan["scaling"]["min"] = target.get("MinCapacity", svc.min_tasks)
        plan["scaling"]["max"] = target.get("MaxCapacity", svc.max_tasks)
    for group in stack.of_type("AWS::Logs::LogGroup"):
        plan["log_retention_days"] = group.get("RetentionInDays")
    for group in stack.of_type("AWS::ElasticLoadBalancingV2::TargetGroup"):
        plan["target_group"] = {
            "port": group.get("Port"),
            "health_check_path": group.get("HealthCheckPath", "/"),
        }
    for rule in stack.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"):
        hosts = [
            value
            for condition in rule.get("Conditions", [])
            if condition.get("Field") == "host-header"
            for value in condition.get("HostHeaderConfig", {}).get("Values", [])
            + condition.get("Values", [])
        ]
        url = svc.service.production.url
        scheme = "https" if app.domain else "http"
        plan["listener_rule"] = {
            "priority": rule.get("Priority"),
            "hosts": hosts,
            "url": f"{scheme}://{url}" if url else None,
        }
    return plan


def _deployment(app: LoadedApp) -> dict[str, int]:
    """How a service's deployment replaces its tasks (minimum and maximum healthy percent)."""
    deployment = exocom.service_deployment(app.exocom)
    return {
        "minimum_healthy_percent": deployment.minimum_healthy_percent,
        "maximum_percent": deployment.maximum_percent,
    }


def build_plan(app: LoadedApp, stacks: dict[str, StackInfo]) -> dict[str, Any]:
    """The plan as a JSON-ready document (what `--json` prints)."""
    clusters = capacity(app)
    by_role = {svc.role: svc for svc in app.services}
    stack_docs = []
    warnings: list[str] = []
    shared = set(derive.shared_stack_names(app))
    for name, info in stacks.items():
        role = name.removeprefix(f"{app.slug}-")
        svc = by_role.get(role) if name not in shared else None
        warnings += info.limit_warnings()
        stack_docs.append(
            {
                "name": name,
                **info.limits(),
                "outputs_names": sorted(info.outputs),
                "service": _service_plan(app, svc, info) if svc else None,
            }
        )
    # The clusters' warnings are validate's problems (rules_capacity), with their
    # file and line: the app's `problems`, not repeated here.
    return {
        "valid": True,
        "slug": app.slug,
        "env": app.env_name,
        "region": app.aws.region,
        "stacks": stack_docs,
        "exocom": {
            "address": f"exocom.{app.slug}.internal:{EXOCOM_PORT}",
            "url": f"ws://exocom.{app.slug}.internal:{EXOCOM_PORT}/services",
            "image": exocom.image(app.exocom_version),
            "release": app.exocom.name,
            "command": list(app.exocom.command) if app.exocom.command else None,
            "routes": [route.as_json() for route in derive.routes(app)],
            "variable": {"name": app.exocom.routes_variable, "value": derive.service_routes(app)},
            "tasks_per_role": "several" if app.exocom.several_per_role else "one",
            "reconnector": not app.exocom.clients_reconnect,
        },
        "capacity": {
            "notes": list(notes(app)),
            "sizes_as_of": SIZES_AS_OF,
            "clusters": [c.as_json() for c in clusters],
        },
        #: Stack limit warnings (CloudFormation's resources, template size, outputs).
        "warnings": warnings,
    }
