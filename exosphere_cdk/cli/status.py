"""`exo-cdk status APP_DIR`: what is deployed and running, from CloudFormation, ECS and ELBv2."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.ops.status import (
    NOT_DEPLOYED,
    NOTHING_TO_DEPLOY,
    AppStatus,
    ServiceStatus,
    app_status,
)
from exosphere_cdk.reporting import EXIT_OK, console

#: How a stack CloudFormation does not know is shown.
_SHOWN = {NOT_DEPLOYED: "not deployed", NOTHING_TO_DEPLOY: "nothing to deploy"}
_STYLES = {"COMPLETE": "green", "FAILED": "red", "ROLLBACK": "red", "IN_PROGRESS": "yellow"}


def _style(status: str | None) -> str:
    """Red for failures and rollbacks, yellow for work in progress, green when complete."""
    if status is None or status in (NOT_DEPLOYED, NOTHING_TO_DEPLOY):
        return "dim"
    for word in ("FAILED", "ROLLBACK", "IN_PROGRESS", "COMPLETE"):
        if word in status:
            return _STYLES[word]
    return ""


def _targets(service: ServiceStatus) -> str:
    if service.targets is None:
        return "-"
    if not service.targets:
        return "no targets"
    counts = Counter(t.state for t in service.targets)
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    result = app_status(loaded, session=new_session(args.profile), events=args.events)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
        return EXIT_OK
    print_status(console(), result)
    return EXIT_OK


def print_status(out: Console, result: AppStatus) -> None:
    """The stacks table, the stacks the manifest no longer makes, the services table, why
    services are not steady, how many are."""
    stacks = Table(title=f"{result.deployment}: stacks in {result.region}")
    for column in ("stack", "status", "reason"):
        stacks.add_column(column)
    for s in result.stacks:
        status = _SHOWN.get(s.status, s.status)
        stacks.add_row(Text(s.name), Text(status, style=_style(s.status)), Text(s.reason or ""))
    out.print(stacks)
    for left in result.left:
        line = f"{left.name} ({left.status}) is deployed but the manifest no longer makes it"
        out.print(Text(f"{line}: {left.advice}", style="yellow"), soft_wrap=True)
    services = Table(title=f"{result.deployment}: services")
    for column in ("role", "desired", "running", "pending", "rollout", "targets"):
        services.add_column(
            column, justify="right" if column in ("desired", "running", "pending") else "left"
        )
    for svc in result.services:
        if svc.status == NOT_DEPLOYED:
            services.add_row(Text(svc.role), "", "", "", Text("not deployed", style="dim"), "")
            continue
        services.add_row(
            Text(svc.role),
            str(svc.desired),
            Text(str(svc.running), style="" if svc.running >= svc.desired else "red"),
            str(svc.pending),
            Text(svc.rollout or "-", style=_style(svc.rollout)),
            Text(_targets(svc)),
        )
    out.print(services)
    for svc in result.services:
        if svc.status == NOT_DEPLOYED or svc.steady:
            continue
        out.print(
            Text(f"{svc.role}: {svc.rollout_reason or 'not steady'}", style="bold"), soft_wrap=True
        )
        for event in svc.events:
            out.print(Text(f"  {event.at:%Y-%m-%d %H:%M:%S} {event.message}"), soft_wrap=True)
        for target in svc.targets or ():
            if target.state != "healthy":
                why = f" ({target.reason}: {target.description})" if target.reason else ""
                out.print(Text(f"  target {target.target} {target.state}{why}"), soft_wrap=True)
    steady = sum(1 for s in result.services if s.steady)
    out.print(f"{steady} of {len(result.services)} services steady", soft_wrap=True)


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "status",
        help="show the deployed app: stacks, services, rollouts, events, targets",
        description=(
            "Each stack's CloudFormation status, each service's tasks and rollout, the"
            " recent events of services that are not steady, and target health, as AWS"
            " reports them (boto3: the usual credentials, profile and region; the app's"
            " region when it sets one)."
        ),
    )
    add_app_arguments(parser)
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE, else the default)")
    parser.add_argument(
        "--events",
        type=int,
        default=5,
        metavar="N",
        help="newest service events to keep per service (default: 5)",
    )
    parser.set_defaults(handler=run)
