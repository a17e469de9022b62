"""`exo-cdk guard OLD NEW`: fail when an update replaces or deletes a guarded resource."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.text import Text

from exosphere_cdk.cli.common import UsageError
from exosphere_cdk.ops.assembly import read_assembly
from exosphere_cdk.ops.guard import ami_changes, bus_restarts, compare
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, console


def run(args: argparse.Namespace) -> int:
    """Print one line per finding and per bus restart; 0 when safe, 1 with findings (or,
    with --fail-on-bus-restart, a bus restart), 2 on unusable folders."""
    old_dir, new_dir = Path(args.old), Path(args.new)
    for directory in (old_dir, new_dir):
        if not directory.is_dir():
            raise UsageError(f"no such folder: {directory}")
    old, new = read_assembly(old_dir), read_assembly(new_dir)
    findings = compare(old, new)
    restarts = bus_restarts(old, new)
    amis = ami_changes(old, new)
    failed = bool(findings) or (args.fail_on_bus_restart and bool(restarts))
    if args.json:
        document = {
            "safe": not findings,
            "findings": [f.as_json() for f in findings],
            "bus_restarts": [r.as_json() for r in restarts],
            "ami_changes": [a.as_json() for a in amis],
        }
        print(json.dumps(document, indent=2))
        return EXIT_INVALID if failed else EXIT_OK
    out = console()
    for finding in findings:
        style = "red" if finding.change != "may be replaced" else "yellow"
        out.print(Text(str(finding), style=style), soft_wrap=True)
    for restart in restarts:
        style = "red" if args.fail_on_bus_restart else "yellow"
        out.print(Text(str(restart), style=style), soft_wrap=True)
    for change in amis:
        out.print(Text(str(change), style="yellow"), soft_wrap=True)
    if restarts:
        line = (
            "bus restart: every service disconnects from ExoCom for a moment"
            " (docs/architecture.md#what-a-route-change-costs: how they connect again)"
        )
        out.print(Text(line, style="yellow"), soft_wrap=True)
    if findings:
        n = len(findings)
        line = f"unsafe: {n} guarded resource{'' if n == 1 else 's'} would be replaced or deleted"
        out.print(Text(line, style="bold red"), soft_wrap=True)
    elif failed:
        line = "unsafe: the update restarts ExoCom (--fail-on-bus-restart)"
        out.print(Text(line, style="bold red"), soft_wrap=True)
    else:
        line = f"safe: no guarded resource is replaced or deleted ({len(new)} stacks compared)"
        out.print(Text(line, style="bold green"), soft_wrap=True)
    return EXIT_INVALID if failed else EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "guard",
        help="fail when an update would replace or delete a stateful or traffic-carrying resource",
        description=(
            "Compare two synthesized cloud assemblies (`cdk synth -o DIR`) offline; exit 1 "
            "when deploying NEW over OLD would replace or delete a guarded resource "
            "(VPC, subnets, NAT, load balancer, target groups, DNS, certificates, log groups, "
            "ECS clusters and services, service discovery, data stores)."
        ),
    )
    parser.add_argument("old", metavar="OLD_ASSEMBLY", help="cdk.out folder of what is deployed")
    parser.add_argument("new", metavar="NEW_ASSEMBLY", help="cdk.out folder about to be deployed")
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument(
        "--fail-on-bus-restart",
        action="store_true",
        help="exit 1 also when the update restarts ExoCom (its routes, image or instance change)",
    )
    parser.set_defaults(handler=run)
