"""`exo-cdk doctor APP_DIR`: the preflight of `exo-cdk deploy`, alone: what would make it fail."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.text import Text

from exosphere_cdk.cli.common import load
from exosphere_cdk.cli.lifecycle import add_lifecycle_arguments, app_preflight, print_findings
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, console


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    result = app_preflight(loaded, new_session(args.profile))
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
        return EXIT_INVALID if result.errors else EXIT_OK
    out = console()
    print_findings(out, result)
    errors = len(result.errors)
    if errors:
        out.print(
            Text(
                f"{errors} problem{'s' * (errors != 1)}: `exo-cdk deploy` would stop here",
                style="bold red",
            ),
            soft_wrap=True,
        )
        return EXIT_INVALID
    out.print(Text("ready to deploy", style="bold green"), soft_wrap=True)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "doctor",
        help="check the account, bootstrap, Docker, secrets, DNS and quotas before a deploy",
        description=(
            "The checks `exo-cdk deploy` runs before it changes anything, alone: the"
            " credentials and the app's pinned account, the CDK bootstrap stack and its"
            " version, Docker for Dockerfile services, the Secrets Manager secrets the"
            " services read, the domain's delegation, the ECS service-linked role, the"
            " VPC, Elastic IP and load balancer quotas. One line each; exit 1 when one is"
            " an error. boto3: the usual credentials, profile and region (the app's region"
            " when it sets one)."
        ),
    )
    add_lifecycle_arguments(parser, service=False)
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.set_defaults(handler=run)
