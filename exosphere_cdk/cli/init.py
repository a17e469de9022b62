"""`exo-cdk init DIR [--dockerfile]`: a new app folder that validates and synthesizes as written."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from exosphere_cdk.manifest.load.exo_deploy.loader import load_directory
from exosphere_cdk.ops.scaffold import app_files, write_files
from exosphere_cdk.reporting import EXIT_OK, console, report_valid


def run(args: argparse.Namespace) -> int:
    written = write_files(
        Path(args.directory), app_files(args.directory, dockerfile=args.dockerfile)
    )
    out = console()
    for path in written:
        out.print(f"wrote {path}", soft_wrap=True)
    loaded = load_directory(args.directory, "production")
    report_valid(loaded.problems, out)
    out.print(
        f"next: `exo-cdk validate {args.directory}`, `exo-cdk plan {args.directory}`, then"
        f" `exo-cdk deploy {args.directory}` (docs/operations.md)",
        soft_wrap=True,
    )
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "init",
        help="start a new app: application.yml, a public and a private service",
        description=(
            "Write a new app folder: application.yml, a public service `web` and a private"
            " service `worker` that talk over ExoCom, each with its service.yml, commented"
            " with where docs/manifest.md describes each key. It validates and synthesizes"
            " as written. Nothing is overwritten: a file already there stops it (exit 2)."
        ),
    )
    parser.add_argument(
        "directory", metavar="DIR", help="the new app's folder (its name: the app's)"
    )
    parser.add_argument(
        "--dockerfile",
        action="store_true",
        help="give each service a Dockerfile and a placeholder server.js (built at deploy)",
    )
    parser.set_defaults(handler=run)
