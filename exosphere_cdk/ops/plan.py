"""`exo-cdk plan`: what `cdk deploy` would create, and whether the tasks fit their clusters.

Synthesizes the app in-process (with cdk.json's context, into a temporary
folder), then shows stacks → services → their main resources, ExoCom's
address and routes, each stack's size against CloudFormation's limits, and a
capacity check of every cluster.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from attrs import frozen
from rich.text import Text
from rich.tree import Tree

from exosphere_cdk.cli import EXIT_OK, _console, add_app_arguments, problem_json
from exosphere_cdk.manifest import derive
from exosphere_cdk.manifest.model import LoadedApp, LoadedService
from exosphere_cdk.tools.instances import AGENT_RESERVE_FRACTION, AGENT_RESERVE_MIB, lookup

#: CloudFormation's limits per stack.
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
MAX_OUTPUTS = 200
#: A stack past this share of a limit is flagged.
LIMIT_WARN = 0.8
#: ExoCom's port and its task's size (ExoComStack / ExoComHost defaults).
EXOCOM_PORT = 3100
EXOCOM_CPU = 256
EXOCOM_MEMORY_MIB = 256

RESERVE_NOTE = (
    f"memory for tasks = instance memory minus max({AGENT_RESERVE_MIB} MiB,"
    f" {AGENT_RESERVE_FRACTION:.0%}) for the OS, Docker and the ECS agent;"
    " CPU = 1024 units per vCPU"
)
BRIDGE_NOTE = (
    "services use bridge networking: tasks share the instance's network interface,"
    " so ENI slots do not limit them; ExoCom's task is awsvpc and takes one ENI slot"
)
ROLLING_NOTE = (
    "rolling deployment: minimum healthy 100 %, maximum 200 %, so a service"
    " deploying momentarily runs twice its tasks; the check assumes every service"
    " at max-tasks and all of them deploying at once (`cdk deploy --all --concurrency`)"
)


# ---------------------------------------------------------------- capacity


@frozen
class Task:
    role: str
    cpu: int
    memory: int


def instances_needed(tasks: Iterable[Task], cpu: int, memory: int) -> int | None:
    """Instances with `cpu` units and `memory` MiB that hold `tasks` (first-fit decreasing).

    None when a task is larger than one instance (it can never be placed).
    """
    free: list[list[int]] = []
    for task in sorted(tasks, key=lambda t: (t.memory, t.cpu), reverse=True):
        if task.cpu > cpu or task.memory > memory:
            return None
        for room in free:
            if room[0] >= task.cpu and room[1] >= task.memory:
                room[0] -= task.cpu
                room[1] -= task.memory
                break
        else:
            free.append([cpu - task.cpu, memory - task.memory])
    return len(free)


@frozen
class ClusterCapacity:
    """One cluster's capacity check."""

    name: str
    instance_type: str
    min_instances: int
    max_instances: int
    #: Per instance, for tasks (None: instance type not in the table).
    cpu_units: int | None
    memory_mib: int | None
    tasks_at_max: int
    cpu_at_max: int
    memory_at_max: int
    #: Instances needed at max-tasks, and during a rolling deployment of everything.
    needed_steady: int | None
    needed_deploying: int | None
    #: Tasks no instance of this type can hold.
    too_large: tuple[str, ...]
    awsvpc_slots: int | None = None
    warnings: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.cpu_units is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "cluster": self.name,
            "instance_type": self.instance_type,
            "instances": {"min": self.min_instances, "max": self.max_instances},
            "known": self.known,
            "per_instance": None
            if not self.known
            else {"cpu_units": self.cpu_units, "memory_mib": self.memory_mib},
            "at_max_tasks": {
                "tasks": self.tasks_at_max,
                "cpu_units": self.cpu_at_max,
                "memory_mib": self.memory_at_max,
                "instances_needed": self.needed_steady,
            },
            "rolling_deployment": {
                "tasks": 2 * self.tasks_at_max,
                "cpu_units": 2 * self.cpu_at_max,
                "memory_mib": 2 * self.memory_at_max,
                "instances_needed": self.needed_deploying,
            },
            "awsvpc_task_slots": self.awsvpc_slots,
            "fits": self.known and not self.warnings,
            "warnings": list(self.warnings),
        }


def cluster_capacity(
    name: str, instance_type: str, bounds: tuple[int, int], services: Iterable[LoadedService]
) -> ClusterCapacity:
    """Do `services` fit on at most bounds[1] instances of `instance_type`, also deploying?"""
    tasks: list[Task] = []
    for svc in services:
        aws = svc.service.production.aws
        tasks += [Task(svc.role, aws.cpu, aws.memory)] * aws.max_tasks
    cpu_at_max = sum(t.cpu for t in tasks)
    memory_at_max = sum(t.memory for t in tasks)
    spec = lookup(instance_type)
    low, high = bounds
    if spec is None:
        return ClusterCapacity(
            name,
            instance_type,
            low,
            high,
            None,
            None,
            len(tasks),
            cpu_at_max,
            memory_at_max,
            None,
            None,
            (),
            warnings=(
                f"{name}: capacity unknown: {instance_type} is not in plan's table"
                " of instance types",
            ),
        )
    cpu, memory = spec.cpu_units, spec.task_memory_mib
    too_large = tuple(sorted({t.role for t in tasks if t.cpu > cpu or t.memory > memory}))
    steady = instances_needed(tasks, cpu, memory)
    deploying = instances_needed(tasks * 2, cpu, memory)
    warnings: list[str] = []
    if too_large:
        warnings.append(
            f"{name}: tasks of {', '.join(too_large)} are larger than one {instance_type}"
            f" ({cpu} CPU units, {memory} MiB for tasks): they can never be placed"
        )
    elif steady is not None and steady > high:
        warnings.append(
            f"{name}: the tasks at max-tasks need {steady} x {instance_type}, the cluster"
            f" has at most {high}: raise its max instances or choose a larger type"
        )
    elif deploying is not None and deploying > high:
        warnings.append(
            f"{name}: a rolling deployment (every service at twice its max-tasks) needs"
            f" {deploying} x {instance_type}, the cluster has at most {high}:"
            " deployments may stall at max scale"
        )
    return ClusterCapacity(
        name,
        instance_type,
        low,
        high,
        cpu,
        memory,
        len(tasks),
        cpu_at_max,
        memory_at_max,
        steady,
        deploying,
        too_large,
        warnings=tuple(warnings),
    )


def exocom_capacity(app: LoadedApp) -> ClusterCapacity:
    """ExoCom's single instance: its one awsvpc task needs CPU, memory and one ENI slot."""
    name = "ExoCom cluster"
    instance_type = derive.exocom_instance_type(app)
    spec = lookup(instance_type)
    if spec is None:
        return ClusterCapacity(
            name,
            instance_type,
            1,
            1,
            None,
            None,
            1,
            EXOCOM_CPU,
            EXOCOM_MEMORY_MIB,
            None,
            None,
            (),
            warnings=(f"{name}: capacity unknown: {instance_type} is not in plan's table",),
        )
    fits = (
        spec.cpu_units >= EXOCOM_CPU
        and spec.task_memory_mib >= EXOCOM_MEMORY_MIB
        and spec.awsvpc_tasks >= 1
    )
    warnings = () if fits else (f"{name}: ExoCom's task does not fit on a {instance_type}",)
    return ClusterCapacity(
        name,
        instance_type,
        1,
        1,
        spec.cpu_units,
        spec.task_memory_mib,
        1,
        EXOCOM_CPU,
        EXOCOM_MEMORY_MIB,
        1 if fits else None,
        # ExoCom deploys with minimum healthy 0 %, maximum 100 %: never two at once.
        1 if fits else None,
        (),
        awsvpc_slots=spec.awsvpc_tasks,
        warnings=warnings,
    )


def capacity(app: LoadedApp) -> list[ClusterCapacity]:
    aws = app.aws
    return [
        cluster_capacity(
            "public cluster",
            derive.instance_type(app, public=True),
            (aws.public_cluster_min, aws.public_cluster_max),
            app.public_services,
        ),
        cluster_capacity(
            "private cluster",
            derive.instance_type(app, public=False),
            (aws.private_cluster_min, aws.private_cluster_max),
            app.private_services,
        ),
        exocom_capacity(app),
    ]


# ---------------------------------------------------------------- synthesis


@frozen
class StackInfo:
    name: str
    template: dict[str, Any]
    template_bytes: int

    @property
    def resources(self) -> dict[str, Any]:
        found: dict[str, Any] = self.template.get("Resources", {})
        return found

    @property
    def outputs(self) -> dict[str, Any]:
        found: dict[str, Any] = self.template.get("Outputs", {})
        return found

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [r.get("Properties", {}) for r in self.resources.values() if r["Type"] == kind]

    def limits(self) -> dict[str, Any]:
        return {
            "resources": {"count": len(self.resources), "limit": MAX_RESOURCES},
            "template_bytes": {"count": self.template_bytes, "limit": MAX_TEMPLATE_BYTES},
            "outputs": {"count": len(self.outputs), "limit": MAX_OUTPUTS},
        }

    def limit_warnings(self) -> list[str]:
        return [
            f"{self.name}: {what} {v['count']} is {v['count'] / v['limit']:.0%} of"
            f" CloudFormation's limit ({v['limit']})"
            for what, v in self.limits().items()
            if v["count"] >= LIMIT_WARN * v["limit"]
        ]


def synthesize(app: LoadedApp) -> dict[str, StackInfo]:
    """Every stack of `app`, synthesized in-process, by stack name (in deployment order)."""
    from exosphere_cdk.stacks import build_stacks  # noqa: PLC0415 - slow; only plan needs it
    from exosphere_cdk.synth import new_app  # noqa: PLC0415

    outdir = tempfile.mkdtemp(prefix="exo-cdk-plan-")
    try:
        scope = new_app(outdir=outdir)
        build_stacks(scope, app)
        assembly = scope.synth()
        return {
            s.stack_name: StackInfo(
                s.stack_name, s.template, Path(s.template_full_path).stat().st_size
            )
            for s in assembly.stacks
        }
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


# ---------------------------------------------------------------- the plan


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
        "scaling": {"min": aws.min_tasks, "max": aws.max_tasks, "cpu_target": aws.cpu_target},
        "log_retention_days": app.aws.log_retention_days,
        "target_group": None,
        "listener_rule": None,
    }
    if stack is None:
        return plan
    for target in stack.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        plan["scaling"]["min"] = target.get("MinCapacity", aws.min_tasks)
        plan["scaling"]["max"] = target.get("MaxCapacity", aws.max_tasks)
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


def build_plan(app: LoadedApp, stacks: dict[str, StackInfo]) -> dict[str, Any]:
    """The plan as a JSON-ready document (what `--json` prints)."""
    clusters = capacity(app)
    by_role = {svc.role: svc for svc in app.services}
    stack_docs = []
    warnings: list[str] = []
    for name, info in stacks.items():
        role = name.removeprefix(f"{app.slug}-")
        svc = by_role.get(role) if name not in _shared_stacks(app) else None
        warnings += info.limit_warnings()
        stack_docs.append(
            {
                "name": name,
                **info.limits(),
                "outputs_names": sorted(info.outputs),
                "service": _service_plan(app, svc, info) if svc else None,
            }
        )
    for cluster in clusters:
        warnings += cluster.warnings
    return {
        "valid": True,
        "slug": app.slug,
        "env": app.env_name,
        "region": app.aws.region,
        "stacks": stack_docs,
        "exocom": {
            "address": f"exocom.{app.slug}.internal:{EXOCOM_PORT}",
            "url": f"ws://exocom.{app.slug}.internal:{EXOCOM_PORT}/services",
            "image": f"originate/exocom:{app.exocom_version}",
            "routes": derive.service_routes(app),
        },
        "capacity": {
            "notes": [RESERVE_NOTE, BRIDGE_NOTE, ROLLING_NOTE],
            "clusters": [c.as_json() for c in clusters],
        },
        "warnings": warnings,
    }


def _shared_stacks(app: LoadedApp) -> set[str]:
    return {f"{app.slug}-{part}" for part in ("network", "dns", "platform", "exocom")}


# ---------------------------------------------------------------- text


def _limits_text(stack: dict[str, Any]) -> Text:
    text = Text()
    parts = [
        ("resources", f"{stack['resources']['count']}/{MAX_RESOURCES} resources"),
        ("template_bytes", f"{stack['template_bytes']['count'] / 1000:.1f} kB/1 MB template"),
        ("outputs", f"{stack['outputs']['count']}/{MAX_OUTPUTS} outputs"),
    ]
    for index, (key, label) in enumerate(parts):
        share = stack[key]["count"] / stack[key]["limit"]
        text.append(" · " if index else "  ", style="dim")
        text.append(label, style="bold red" if share >= LIMIT_WARN else "dim")
    return text


def _service_branch(tree: Tree, svc: dict[str, Any]) -> None:
    image = svc["image"]
    tree.add(
        Text(
            f"{'public' if svc['public'] else 'private'} service on the"
            f" {svc['cluster']} cluster: {svc['cpu']} CPU units, {svc['memory_mib']} MiB"
        )
    )
    tree.add(
        Text(
            f"image: {image['value']}"
            + (" (built from its Dockerfile, pushed to ECR)" if image["kind"] == "asset" else "")
        )
    )
    if svc["target_group"]:
        group = svc["target_group"]
        tree.add(
            Text(
                f"target group: container port {group['port']},"
                f" health check {group['health_check_path']}"
            )
        )
    rule = svc["listener_rule"]
    if rule:
        where = rule["url"] or "every request no other rule matches (catch-all)"
        tree.add(Text(f"listener rule: priority {rule['priority']} → {where}"))
    scaling = svc["scaling"]
    tree.add(
        Text(
            f"scaling: {scaling['min']}-{scaling['max']} tasks"
            f" (CPU target {scaling['cpu_target']} %)"
        )
    )
    tree.add(Text(f"log group: retention {svc['log_retention_days']} days"))


def render_tree(document: dict[str, Any]) -> Tree:
    slug = document["slug"]
    root = Tree(
        Text(
            f"{slug}: {len(document['stacks'])} stacks (environment {document['env']})",
            style="bold",
        )
    )
    for stack in document["stacks"]:
        branch = root.add(Text(stack["name"], style="bold cyan") + _limits_text(stack))
        if stack["service"]:
            _service_branch(branch, stack["service"])
        if stack["name"] == f"{slug}-exocom":
            exocom = document["exocom"]
            node = branch.add(
                Text(f"ExoCom {exocom['image']} at {exocom['address']} ({exocom['url']})")
            )
            routes = node.add(Text("routes (SERVICE_ROUTES)"))
            for route in exocom["routes"]:
                ns = f" [namespace {route['namespace']}]" if route.get("namespace") else ""
                routes.add(
                    Text(
                        f"{route['role']}{ns}: receives "
                        f"{', '.join(route['receives']) or '-'}; sends "
                        f"{', '.join(route['sends']) or '-'}"
                    )
                )
    cap = root.add(Text("capacity", style="bold"))
    for cluster in document["capacity"]["clusters"]:
        cap.add(_cluster_text(cluster))
    for note in document["capacity"]["notes"]:
        cap.add(Text(note, style="dim"))
    return root


def _cluster_text(c: dict[str, Any]) -> Text:
    head = f"{c['cluster']}: {c['instance_type']} x {c['instances']['min']}-{c['instances']['max']}"
    if not c["known"]:
        return Text(f"{head}: capacity unknown (instance type not in the table)", style="yellow")
    per = c["per_instance"]
    steady, deploying = c["at_max_tasks"], c["rolling_deployment"]
    text = Text(
        f"{head}, each {per['cpu_units']} CPU units / {per['memory_mib']} MiB for tasks;"
        f" {steady['tasks']} tasks at max need {steady['instances_needed'] or '-'},"
        f" deploying {deploying['instances_needed'] or '-'} instance(s)"
    )
    if c["awsvpc_task_slots"] is not None:
        text.append(f"; {c['awsvpc_task_slots']} awsvpc ENI slot(s), 1 used by ExoCom")
    text.append("  ")
    text.append("fits" if c["fits"] else "DOES NOT FIT", style="green" if c["fits"] else "bold red")
    return text


def cmd_plan(args: argparse.Namespace) -> int:
    from exosphere_cdk.tools import load_or_report, report_warnings  # noqa: PLC0415

    loaded = load_or_report(args)
    if isinstance(loaded, int):
        return loaded
    document = build_plan(loaded, synthesize(loaded))
    if args.json:
        document["problems"] = [problem_json(p) for p in loaded.problems]
        print(json.dumps(document, indent=2))
        return EXIT_OK
    out = _console()
    out.print(render_tree(document))
    for warning in document["warnings"]:
        out.print(Text(f"warning: {warning}", style="bold yellow"), soft_wrap=True)
    if not document["warnings"]:
        out.print(Text("capacity and stack limits: ok", style="green"), soft_wrap=True)
    report_warnings(loaded, out)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "plan",
        help="show the stacks and resources an app becomes, and check cluster capacity",
        description="Synthesize the app and show its stacks, services, ExoCom and capacity.",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=cmd_plan)
