"""`exo-cdk destroy APP_DIR [--service ROLE] [--yes]`: the pinned `cdk destroy`, protection first.

Every stack: asks (unless --yes), lifts the termination and deletion protection
of the shared stacks that exist with a `-c teardown=true` deploy of those alone,
then destroys every stack. One service: asks, then destroys its stack alone
(`-e`: not the stacks it uses). Nothing deployed: nothing runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console

from exosphere_cdk.cli.common import load
from exosphere_cdk.cli.lifecycle import (
    add_lifecycle_arguments,
    cdk_failed,
    print_final_status,
    run_cdk,
)
from exosphere_cdk.manifest.design.derive import deployment_name, stack_names
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.ops.aws import clients, existing_stacks, new_session
from exosphere_cdk.ops.cdk_cli import CDK_CONCURRENCY, destroy_runs, service_stack
from exosphere_cdk.ops.preflight import check_credentials
from exosphere_cdk.reporting import EXIT_OK, console


def _confirmed(out: Console, args: argparse.Namespace, stacks: list[str], region: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("destroy asks before it deletes: give --yes when no terminal can answer")
    what = ", ".join(stacks)
    lift = "" if args.service else " (their protection is lifted first)"
    count = f"{len(stacks)} stack{'s' * (len(stacks) != 1)}"
    out.print(f"destroy {count} in {region}{lift}: {what}", soft_wrap=True)
    return input("destroy them? (y/n) ").strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    wanted = [service_stack(loaded, args.service)] if args.service else stack_names(loaded)
    session = new_session(args.profile)
    _, region = check_credentials(loaded, session)
    existing = existing_stacks(clients(loaded, session), wanted)
    runs = destroy_runs(loaded, existing, service=args.service, profile=args.profile)
    out = console()
    if not runs:
        what = f"{wanted[0]} is not" if args.service else f"nothing of {deployment_name(loaded)} is"
        out.print(f"{what} deployed in {region}: nothing to destroy", soft_wrap=True)
        return EXIT_OK
    if not _confirmed(out, args, existing, region):
        out.print("nothing was destroyed", soft_wrap=True)
        return EXIT_OK
    for step in runs:
        code = run_cdk(out, step)
        if code:
            print_final_status(out, loaded, session)
            return cdk_failed(step.argv[1], code)
    print_final_status(out, loaded, session)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "destroy",
        help="tear the app (or one service) down with the pinned CDK CLI",
        description=(
            "Check the credentials and the app's pinned account; ask (unless --yes); then"
            " for the whole app lift the protection of the shared stacks that exist (`cdk"
            " deploy -e <them> -c teardown=true`) and run `cdk destroy --all`"
            f" ({CDK_CONCURRENCY} at a time), or for --service destroy its stack alone. The"
            " hosted zone, logs, key and log bucket stay: `exo-cdk remove` deletes them."
        ),
    )
    add_lifecycle_arguments(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask before destroying")
    parser.set_defaults(handler=run)
