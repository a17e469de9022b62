"""`exo-cdk add-service APP_DIR ROLE --public|--private`: one more service, comments kept."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from exosphere_cdk.cli.common import load
from exosphere_cdk.manifest.load.exo_deploy.loader import load_directory
from exosphere_cdk.ops.scaffold import add_service
from exosphere_cdk.reporting import EXIT_OK, console, report_valid


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    written = add_service(
        loaded, args.role, public=args.public, dockerfile=args.dockerfile, url=args.url
    )
    out = console()
    for path in written:
        out.print(
            f"wrote {Path(args.app_dir) / path.relative_to(loaded.directory)}", soft_wrap=True
        )
    report_valid(load_directory(args.app_dir, args.env).problems, out)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "add-service",
        help="add a public or private service to an app",
        description=(
            "Add service ROLE to the app in APP_DIR: its folder with a commented service.yml"
            " (and, with --dockerfile, a Dockerfile), and its entry under services.public or"
            " services.private in application.yml, inserted as lines: the file's comments"
            " and layout stay. Nothing is overwritten (exit 2)."
        ),
    )
    parser.add_argument("app_dir", metavar="APP_DIR", help="folder holding application.yml")
    parser.add_argument(
        "role", metavar="ROLE", help="the service's name (its key in application.yml)"
    )
    visibility = parser.add_mutually_exclusive_group(required=True)
    visibility.add_argument(
        "--public", action="store_true", help="reachable through the load balancer"
    )
    visibility.add_argument("--private", action="store_true", help="reachable over ExoCom only")
    parser.add_argument(
        "--url", metavar="HOST", help="a public service's production.url (default: ROLE.<domain>)"
    )
    parser.add_argument(
        "--dockerfile", action="store_true", help="a Dockerfile and a placeholder server.js"
    )
    parser.add_argument(
        "--env",
        default="production",
        help="environment whose domain gives the url (default: production)",
    )
    parser.set_defaults(handler=run)
