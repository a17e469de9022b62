"""`exo-cdk pin-amis APP_DIR`: pin the ECS-optimized AMIs of an environment in a file to commit."""

from __future__ import annotations

import argparse
from typing import Any

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.amis import pin_amis
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.reporting import EXIT_OK, console


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    pinned = pin_amis(loaded, new_session(args.profile))
    out = console()
    pins = pinned.pins
    for arch, ami in pins.images.items():
        before = (pinned.previous or {}).get(arch)
        was = "" if before is None else (" (unchanged)" if before == ami else f" (was {before})")
        out.print(f"{arch}: {ami}{was}", soft_wrap=True)
    if pinned.previous is None:
        what = f"pinned in {pins.file} for {pins.region}"
    elif pinned.changed:
        what = (
            f"updated {pins.file}: the next deploy replaces the instances of the clusters on the"
            " changed AMIs, one at a time (ExoCom's too: the bus restarts; exo-cdk guard shows"
            " which)"
        )
    else:
        what = f"{pins.file} is up to date"
    out.print(f"{what}; commit it", soft_wrap=True)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "pin-amis",
        help="pin the ECS-optimized AMIs the instances boot (ami-pins.<env>.json, to commit)",
        description=(
            "Read the recommended ECS-optimized Amazon Linux 2023 AMIs (x86_64 and arm64) from"
            " SSM in the app's region and write them to APP_DIR/ami-pins.<env>.json, which"
            " synthesis reads: the instances change AMI only when this file does. Needs"
            " credentials (ssm:GetParameter)."
        ),
    )
    add_app_arguments(parser, json_flag=False)
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default)")
    parser.set_defaults(handler=run)
