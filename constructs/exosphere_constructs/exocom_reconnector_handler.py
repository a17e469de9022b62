"""Lambda: after ExoCom starts, restart every service of the app so that it registers again."""

import datetime
import json
import os
from typing import Any

import boto3  # type: ignore[import-untyped]


def _started(event: dict[str, Any]) -> datetime.datetime:
    text = (event.get("detail") or {}).get("startedAt")
    if not text:
        return datetime.datetime.now(datetime.UTC)
    return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _role(ecs: Any, task_definition: str, roles: dict[str, str | None]) -> str | None:
    """The ROLE of a task definition's first container (read once per task definition)."""
    if task_definition not in roles:
        found = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
        containers = found.get("containerDefinitions") or [{}]
        env = {e.get("name"): e.get("value") for e in containers[0].get("environment") or []}
        roles[task_definition] = env.get("ROLE")
    return roles[task_definition]


def handler(event: dict[str, Any], context: object) -> dict[str, list[str]]:
    ecs = boto3.client("ecs")
    started = _started(event)
    routed = set(filter(None, os.environ.get("ROLES", "").split(",")))
    known: dict[str, str | None] = {}
    restarted: list[str] = []
    current: list[str] = []
    unrouted: list[str] = []
    for cluster in filter(None, os.environ["CLUSTERS"].split(",")):
        arns: list[str] = []
        for page in ecs.get_paginator("list_services").paginate(cluster=cluster):
            arns += page["serviceArns"]
        for i in range(0, len(arns), 10):
            found = ecs.describe_services(cluster=cluster, services=arns[i : i + 10])
            for service in found["services"]:
                if service.get("status") != "ACTIVE":
                    continue
                # A service ExoCom does not route (removed, its stack not yet
                # destroyed): connecting would stop ExoCom 0.21-0.22 again.
                if _role(ecs, service["taskDefinition"], known) not in routed:
                    unrouted.append(service["serviceName"])
                    continue
                deployments = service.get("deployments") or []
                primary = [d for d in deployments if d.get("status") == "PRIMARY"]
                # A deployment begun after ExoCom started connects to it already.
                if primary and primary[0]["createdAt"] >= started:
                    current.append(service["serviceName"])
                    continue
                ecs.update_service(
                    cluster=cluster, service=service["serviceArn"], forceNewDeployment=True
                )
                restarted.append(service["serviceName"])
    result = {
        "restarted": sorted(restarted),
        "already_current": sorted(current),
        "not_routed": sorted(unrouted),
    }
    print(json.dumps({"exocom_started": started.isoformat(), **result}))
    return result
