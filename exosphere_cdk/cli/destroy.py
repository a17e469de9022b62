"""`exo-cdk destroy APP_DIR [--service ROLE] [--yes]`: the pinned `cdk destroy`, protection first.

Every stack: asks (unless --yes), lifts the shared stacks' termination and
deletion protection with a `-c teardown=true` deploy, then destroys them all.
One service: asks, then destroys its stack alone (`-e`: not the stacks it uses).
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
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.ops.cdk_cli import CDK_CONCURRENCY, CdkRun, cdk_run
from exosphere_cdk.ops.preflight import check_credentials
from exosphere_cdk.reporting import EXIT_OK, console


def _runs(args: argparse.Namespace, loaded: Any) -> list[CdkRun]:
    """Without --service: the teardown deploy, then the destroy; with it, the destroy alone."""
    common: dict[str, Any] = {"service": args.service, "profile": args.profile}
    destroy = cdk_run("destroy", loaded, force=True, **common)
    if args.service:
        return [destroy]
    lift = cdk_run("deploy", loaded, require_approval="never", teardown=True, **common)
    return [lift, destroy]


def _confirmed(
    out: Console, args: argparse.Namespace, stacks: tuple[str, ...], region: str
) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("destroy asks before it deletes: give --yes when no terminal can answer")
    what = ", ".join(stacks)
    lift = "" if args.service else " (their protection is lifted first)"
    out.print(f"destroy {len(stacks)} stack{'s' * (len(stacks) != 1)} in {region}{lift}: {what}")
    return input("destroy them? (y/n) ").strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    runs = _runs(args, loaded)
    session = new_session(args.profile)
    _, region = check_credentials(loaded, session)
    out = console()
    if not _confirmed(out, args, runs[-1].stacks, region):
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
            " for the whole app lift the shared stacks' protection (`cdk deploy --all -c"
            " teardown=true`) and run `cdk destroy --all`, or for --service destroy its"
            f" stack alone; {CDK_CONCURRENCY} stacks at a time. The hosted zone, logs, key"
            " and log bucket stay: `exo-cdk remove` deletes them."
        ),
    )
    add_lifecycle_arguments(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask before destroying")
    parser.set_defaults(handler=run)
