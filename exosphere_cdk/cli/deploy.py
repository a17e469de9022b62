"""`exo-cdk deploy APP_DIR [--service ROLE]`: preflight, the pinned `cdk deploy`, then status."""

from __future__ import annotations

import argparse
from typing import Any

import boto3  # type: ignore[import-untyped]
from rich.console import Console
from rich.text import Text

from exosphere_cdk.cli.common import load
from exosphere_cdk.cli.lifecycle import (
    add_lifecycle_arguments,
    cdk_failed,
    print_final_status,
    run_cdk,
    run_preflight,
)
from exosphere_cdk.ops.aws import AwsError, new_session
from exosphere_cdk.ops.cdk_cli import APPROVALS, CDK_CONCURRENCY, cdk_run
from exosphere_cdk.ops.preflight import ECS_ROLE, ensure_ecs_role
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, console


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    cdk = cdk_run(
        "deploy",
        loaded,
        service=args.service,
        require_approval=args.require_approval,
        concurrency=args.concurrency,
        profile=args.profile,
    )
    out = console()
    session = new_session(args.profile)
    checked = run_preflight(out, loaded, session)
    if checked.errors:
        errors = len(checked.errors)
        out.print(
            Text(f"{errors} problem{'s' * (errors != 1)}: nothing was deployed", style="bold red"),
            soft_wrap=True,
        )
        return EXIT_INVALID
    role = checked.finding("ecs role")
    if role is not None and role.severity == "notice":
        _create_ecs_role(out, session)
    code = run_cdk(out, cdk)
    print_final_status(out, loaded, session)
    return cdk_failed("deploy", code) if code else EXIT_OK


def _create_ecs_role(out: Console, session: boto3.Session) -> None:
    """The ECS service-linked role of a new account; a warning when AWS refuses to make it."""
    try:
        if ensure_ecs_role(session):
            out.print(f"created the ECS service-linked role {ECS_ROLE}", soft_wrap=True)
    except AwsError as exc:
        line = (
            f"warning: ecs role: {ECS_ROLE} could not be created ({exc}): the first capacity"
            " provider fails without it; `aws iam create-service-linked-role"
            " --aws-service-name ecs.amazonaws.com` creates it"
        )
        out.print(Text(line, style="yellow"), soft_wrap=True)


def _positive(value: str) -> int:
    number = int(value) if value.isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "deploy",
        help="check, then deploy the app (or one service) with the pinned CDK CLI",
        description=(
            "Run the preflight (`exo-cdk doctor`) and stop on its errors; then the"
            " checkout's pinned `cdk deploy` (every stack, or --service's alone), its"
            " CloudFormation events one line each; then the app's status."
        ),
    )
    add_lifecycle_arguments(parser)
    parser.add_argument(
        "--require-approval",
        choices=APPROVALS,
        default=APPROVALS[0],
        help="which changes `cdk deploy` asks you to approve (default: broadening, the"
        " CDK's: IAM and security-group widenings); anything but never deploys one stack"
        " at a time",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=CDK_CONCURRENCY,
        metavar="N",
        help=f"stacks deployed at once with --require-approval never (default: {CDK_CONCURRENCY})",
    )
    parser.set_defaults(handler=run)
