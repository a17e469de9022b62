"""`exo-cdk plan APP_DIR`: the stacks and resources an app becomes, and its capacity."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.text import Text
from rich.tree import Tree

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.assembly import LIMIT_WARN, MAX_OUTPUTS, MAX_RESOURCES
from exosphere_cdk.ops.plan import plan
from exosphere_cdk.reporting import EXIT_OK, console, problem_json, report_valid


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
    if scaling["min"] == scaling["max"]:
        tasks = f"tasks: {scaling['min']}, no task-count autoscaling"
    else:
        tasks = (
            f"scaling: {scaling['min']}-{scaling['max']} tasks"
            f" (CPU target {scaling['cpu_target']} %)"
        )
    deployment = svc["deployment"]
    tree.add(
        Text(
            f"{tasks}; deploys at minimum healthy {deployment['minimum_healthy_percent']} %,"
            f" maximum {deployment['maximum_percent']} %"
        )
    )
    tree.add(Text(f"log group: retention {svc['log_retention_days']} days"))


def _bus_text(exocom: dict[str, Any]) -> str:
    tasks = (
        "several tasks per role"
        if exocom["tasks_per_role"] == "several"
        else "one task per role (each service deploys by stopping its task first)"
    )
    after = (
        "after ExoCom restarts, every service is restarted to connect again"
        if exocom["reconnector"]
        else "its clients connect again by themselves after ExoCom restarts"
    )
    return f"{tasks}; {after}"


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
            node.add(Text(f"release {exocom['release']}: {_bus_text(exocom)}"))
            routes = node.add(Text(f"routes ({exocom['variable']['name']})"))
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
        return Text(f"{head}: {c['warnings'][0].partition(': ')[2]}", style="yellow")
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


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    document = plan(loaded)
    if args.json:
        document["problems"] = [problem_json(p) for p in loaded.problems]
        print(json.dumps(document, indent=2))
        return EXIT_OK
    out = console()
    out.print(render_tree(document))
    for warning in document["warnings"]:
        out.print(Text(f"warning: {warning}", style="bold yellow"), soft_wrap=True)
    fits = all(c["fits"] for c in document["capacity"]["clusters"])
    if not document["warnings"] and fits:
        out.print(Text("capacity and stack limits: ok", style="green"), soft_wrap=True)
    report_valid(loaded.problems, out)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "plan",
        help="show the stacks and resources an app becomes, and check cluster capacity",
        description="Synthesize the app and show its stacks, services, ExoCom and capacity.",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=run)
