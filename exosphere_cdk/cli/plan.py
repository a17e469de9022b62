"""`exo-cdk plan APP_DIR`: the stacks and resources an app becomes, and its capacity."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.text import Text
from rich.tree import Tree

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.cli.validate import ami_pins_json, print_ami_notice
from exosphere_cdk.manifest.design.capacity import ClusterCapacity
from exosphere_cdk.ops.amis import unpinned_notice
from exosphere_cdk.ops.assembly import LIMIT_WARN, StackInfo
from exosphere_cdk.ops.plan import (
    DatabasePlan,
    ExoComPlan,
    Plan,
    ServicePlan,
    plan,
)
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, console, problem_json, report_valid

#: The limits a stack's line always shows; the others (parameters, mappings) when used.
ALWAYS_SHOWN = ("resources", "template_bytes", "outputs")


def limits_text(info: StackInfo) -> Text:
    """The stack's figure against each of CloudFormation's limits (StackInfo.limits)."""
    text = Text()
    shown = [
        (key, found)
        for key, found in info.limits().items()
        if key in ALWAYS_SHOWN or found["count"]
    ]
    for index, (key, found) in enumerate(shown):
        count, limit = found["count"], found["limit"]
        label = (
            f"{count / 1000:.1f} kB/{limit / 1_000_000:g} MB template"
            if key == "template_bytes"
            else f"{count}/{limit} {key}"
        )
        text.append(" · " if index else "  ", style="dim")
        text.append(label, style="bold red" if count / limit >= LIMIT_WARN else "dim")
    return text


def _service_branch(tree: Tree, svc: ServicePlan) -> None:
    tree.add(
        Text(
            f"{'public' if svc.public else 'private'} service on the"
            f" {svc.cluster} cluster: {svc.cpu} CPU units, {svc.memory_mib} MiB"
            + (" reserved (no hard limit)" if svc.memory_is_reservation else "")
        )
    )
    built = (
        f" (built from its {svc.image.dockerfile}, pushed to ECR)"
        if svc.image.kind == "asset"
        else ""
    )
    tree.add(Text(f"image: {svc.image.value}{built}"))
    if svc.target_group:
        group = svc.target_group
        tree.add(
            Text(
                f"target group: container port {group.port}, health check {group.health_check_path}"
            )
        )
    if svc.listener_rule:
        rule = svc.listener_rule
        where = rule.url or "every request no other rule matches (catch-all)"
        tree.add(Text(f"listener rule: priority {rule.priority} → {where}"))
    if svc.scales:
        tasks = f"scaling: {svc.min_tasks}-{svc.max_tasks} tasks (CPU target {svc.cpu_target} %)"
    else:
        tasks = f"tasks: {svc.min_tasks}, no task-count autoscaling"
    deployment = svc.deployment
    tree.add(
        Text(
            f"{tasks}; deploys at minimum healthy {deployment.minimum_healthy_percent} %,"
            f" maximum {deployment.maximum_percent} %"
        )
    )
    tree.add(Text(f"log group: retention {svc.log_retention_days} days"))


def _bus_text(bus: ExoComPlan) -> str:
    tasks = (
        "several tasks per role"
        if bus.family.several_per_role
        else "one task per role (each service deploys by stopping its task first)"
    )
    after = (
        "its clients connect again by themselves after ExoCom restarts"
        if bus.family.clients_reconnect
        else "after ExoCom restarts, every service is restarted to connect again"
    )
    return f"{tasks}; {after}"


def _exocom_branch(tree: Tree, bus: ExoComPlan) -> None:
    node = tree.add(Text(f"ExoCom {bus.image} at {bus.address} ({bus.url})"))
    node.add(Text(f"release {bus.family.name}: {_bus_text(bus)}"))
    routes = node.add(Text(f"routes ({bus.family.routes_variable})"))
    for route in bus.routes:
        ns = f" [namespace {route.namespace}]" if route.namespace else ""
        if route.written:
            pairs = ", ".join(f"{t.internal} as {t.public}" for t in route.written)
            ns += f" [translations: {pairs}]"
        routes.add(
            Text(
                f"{route.role}{ns}: receives {', '.join(route.receives) or '-'};"
                f" sends {', '.join(route.sends) or '-'}"
            )
        )


def _database_branch(tree: Tree, database: DatabasePlan) -> None:
    db = database.design
    node = tree.add(
        Text(
            f"database {db.id}: {db.engine} {db.engine_version} on {db.instance_class},"
            f" {db.allocated_storage_gib} GiB {db.storage_type}"
        )
    )
    node.add(Text(f"at {db.host}:{db.port}, database {db.db_name}, user {db.username}"))
    key = f" (key {db.password.json_key})" if db.password.json_key else ""
    node.add(Text(f"password: Secrets Manager secret {db.password.name}{key}"))
    node.add(
        Text(
            f"backups kept {db.backup_retention_days} days; deletion protection; a final"
            f" snapshot when deleted; {'multi-AZ' if db.multi_az else 'one availability zone'}"
        )
    )


def render_tree(document: Plan) -> Tree:
    root = Tree(
        Text(
            f"{document.slug}: {len(document.stacks)} stacks (environment {document.env})",
            style="bold",
        )
    )
    for stack in document.stacks:
        branch = root.add(Text(stack.name, style="bold cyan") + limits_text(stack.info))
        if stack.service:
            _service_branch(branch, stack.service)
        if stack.name == document.exocom.stack:
            _exocom_branch(branch, document.exocom)
        for database in stack.databases:
            _database_branch(branch, database)
    for name, why in document.omitted.items():
        root.add(Text(f"{name}: {why}", style="dim"))
    cap = root.add(Text("capacity", style="bold"))
    for cluster in document.clusters:
        cap.add(_cluster_text(cluster))
    for note in document.notes:
        cap.add(Text(note, style="dim"))
    return root


def _cluster_text(c: ClusterCapacity) -> Text:
    head = f"{c.name}: {c.instance_type} x {c.min_instances}-{c.max_instances}"
    if not c.known:
        return Text(f"{head}: {c.warnings[0].partition(': ')[2]}", style="yellow")
    text = Text(
        f"{head}, each {c.cpu_units} CPU units / {c.memory_mib} MiB for tasks;"
        f" {c.tasks_at_max} tasks at max need {c.needed_steady or '-'},"
        f" deploying {c.needed_deploying or '-'} instance(s)"
    )
    if c.awsvpc_slots is not None:
        text.append(f"; {c.awsvpc_slots} awsvpc ENI slot(s), 1 used by ExoCom")
    fits = not does_not_fit(c)
    text.append("  ")
    text.append("fits" if fits else "DOES NOT FIT", style="green" if fits else "bold red")
    return text


def does_not_fit(cluster: ClusterCapacity) -> bool:
    """A cluster of a known size that cannot hold its tasks (printed "DOES NOT FIT")."""
    return cluster.known and bool(cluster.warnings)


def run(args: argparse.Namespace) -> int:
    """0 when the app is valid and every cluster of a known size fits, else 1."""
    loaded = load(args)
    document = plan(loaded)
    if args.json:
        data = document.as_json()
        data["problems"] = [problem_json(p) for p in loaded.problems]
        data["ami_pins"] = ami_pins_json(loaded)
        data["notes"] = [note for note in (unpinned_notice(loaded),) if note]
        print(json.dumps(data, indent=2))
        return _exit(document)
    out = console()
    out.print(render_tree(document))
    print_ami_notice(loaded, out)
    for warning in document.warnings:
        out.print(Text(f"warning: {warning}", style="bold yellow"), soft_wrap=True)
    if not document.warnings and document.fits:
        out.print(Text("capacity and stack limits: ok", style="green"), soft_wrap=True)
    report_valid(loaded.problems, out)
    return _exit(document)


def _exit(document: Plan) -> int:
    # validate makes a cluster that does not fit an error (rules/capacity.py): this holds
    # whatever the rules let through.
    return EXIT_INVALID if any(does_not_fit(c) for c in document.clusters) else EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "plan",
        help="show the stacks and resources an app becomes, and check cluster capacity",
        description="Synthesize the app and show its stacks, services, ExoCom and capacity.",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=run)
