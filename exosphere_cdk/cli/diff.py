"""`exo-cdk diff APP_DIR [--service ROLE]`: what a deploy would change (the pinned `cdk diff`)."""

from __future__ import annotations

import argparse
from typing import Any

from exosphere_cdk.cli.common import load
from exosphere_cdk.cli.lifecycle import add_lifecycle_arguments, cdk_failed, run_cdk
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.ops.cdk_cli import cdk_run
from exosphere_cdk.ops.preflight import check_credentials
from exosphere_cdk.reporting import EXIT_OK, console


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    cdk = cdk_run("diff", loaded, service=args.service, profile=args.profile)
    check_credentials(loaded, new_session(args.profile))
    code = run_cdk(console(), cdk)
    return cdk_failed("diff", code) if code else EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "diff",
        help="show what a deploy would change (every stack, or one service's)",
        description=(
            "Check the credentials and the app's pinned account, then run the checkout's"
            " pinned `cdk diff` on every stack of the app, or on --service's alone. It"
            " changes nothing."
        ),
    )
    add_lifecycle_arguments(parser)
    parser.set_defaults(handler=run)
