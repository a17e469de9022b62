"""`exo-cdk logs APP_DIR ROLE`: a service's log events (`exocom` for ExoCom's) from CloudWatch Logs.

With `--follow` it polls until Ctrl-C, which ends it quietly with exit code 130
(the shell's code for an interrupted command; `exo-cdk main` maps it).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.ops.logs import (
    EXOCOM,
    LogEvent,
    events,
    follow,
    log_source,
    parse_duration,
)
from exosphere_cdk.reporting import EXIT_OK


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _line(event: LogEvent) -> str:
    """`2026-11-30T01:40:26.084Z web/web/0a1b2c... message` (aws logs tail's order)."""
    at = datetime.fromtimestamp(event.timestamp / 1000, tz=UTC)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z {event.stream} {event.message}"


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    start_ms = int((time.time() - args.since) * 1000)
    source = log_source(loaded, args.role, session=new_session(args.profile))
    found = (
        follow(source, start_ms=start_ms, pattern=args.filter)
        if args.follow
        else events(source, start_ms=start_ms, pattern=args.filter)
    )
    for event in found:
        text = json.dumps(event.as_json()) if args.json else _line(event)
        print(text.rstrip("\n"), flush=args.follow)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "logs",
        help="print a service's log events from CloudWatch Logs",
        description=(
            "A service's log events (ROLE `exocom` for ExoCom's), from the log group of"
            " its stack, oldest first. boto3: the usual credentials, profile and region;"
            " the app's region when it sets one. --follow polls until Ctrl-C (exit 130)."
        ),
    )
    add_app_arguments(parser)
    parser.add_argument("role", metavar="ROLE", help=f"a service's role, or {EXOCOM}")
    parser.add_argument(
        "--since",
        type=_duration,
        default=600,
        metavar="DURATION",
        help="how far back to start: 30s, 10m, 2h, 1d, 1w (default: 10m)",
    )
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing new events")
    parser.add_argument(
        "--filter",
        metavar="PATTERN",
        help="a CloudWatch Logs filter pattern (e.g. ERROR, or '\"unable to place\"')",
    )
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE, else the default)")
    parser.set_defaults(handler=run)
