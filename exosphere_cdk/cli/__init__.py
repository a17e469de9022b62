"""`exo-cdk`: command line of exosphere-cdk.

    exo-cdk validate APP_DIR [--env production] [--json]

Exit codes: 0 valid (warnings allowed), 1 invalid manifests, 2 usage error
(bad arguments, no such folder), 70 internal error (a bug: please report it).
Subcommands share `add_app_arguments`, `load` and `print_problems`, so that
later ones (plan, graph, cost, schema) read and report apps the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from exosphere_cdk import guard
from exosphere_cdk.manifest.derive import image_source
from exosphere_cdk.manifest.errors import ManifestError, Problem, display_path
from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.manifest.model import LoadedApp, LoadedService

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70

_STYLES = {"error": "red", "warning": "yellow", "notice": "dim"}

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A wrong invocation (exit 2), e.g. an APP_DIR that is not a folder."""


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:  # piped or captured: room for the table, lines never wrap
        console.width = max(console.width, 160)
    return console


# ---------------------------------------------------------------- shared by subcommands


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    """APP_DIR, --env and --json, common to commands that read an app."""
    parser.add_argument("app_dir", metavar="APP_DIR", help="folder holding application.yml")
    parser.add_argument(
        "--env", default="production", help="environment to read (default: production)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def load(args: argparse.Namespace) -> LoadedApp:
    """The app named by APP_DIR/--env; UsageError when APP_DIR is not a folder."""
    return load_directory(args.app_dir, args.env)


def load_directory(app_dir: str, env: str) -> LoadedApp:
    """The app in `app_dir`; UsageError when it is not a folder, ManifestError when invalid."""
    directory = Path(app_dir)
    if not directory.exists():
        raise UsageError(f"no such folder: {app_dir}")
    if not directory.is_dir():
        raise UsageError(f"not a folder: {app_dir}")
    return load_app(directory, env)


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "path": problem.path,
        "severity": problem.severity,
        "message": problem.message,
    }


def print_problems(console: Console, problems: Sequence[Problem]) -> None:
    """Every problem on one line (never wrapped), coloured by severity."""
    for problem in problems:
        console.print(Text(str(problem), style=_STYLES[problem.severity]), soft_wrap=True)


def summary(problems: Sequence[Problem]) -> str:
    """`2 errors, 1 warning, 0 notices`."""
    counts = []
    for severity in ("error", "warning", "notice"):
        n = sum(1 for p in problems if p.severity == severity)
        counts.append(f"{n} {severity}{'' if n == 1 else 's'}")
    return ", ".join(counts)


# ---------------------------------------------------------------- validate


def _service_json(svc: LoadedService) -> dict[str, Any]:
    image = image_source(svc)
    return {
        "role": svc.role,
        "public": svc.public,
        "image": {"kind": image.kind, "value": image.value},
        "namespace": svc.namespace,
        "receives": list(svc.service.messages.receives),
        "sends": list(svc.service.messages.sends),
        "url": svc.service.production.url,
    }


def services_table(app: LoadedApp) -> Table:
    table = Table(title=f"{app.slug}: {len(app.services)} services (environment {app.env_name})")
    for column in ("role", "visibility", "image", "receives", "sends", "url"):
        table.add_column(column, overflow="fold")
    for svc in app.services:
        image = image_source(svc)
        cells = (
            svc.role if not svc.namespace else f"{svc.role} (namespace {svc.namespace})",
            "public" if svc.public else "private",
            f"{display_path(Path(image.value))} (Dockerfile)"
            if image.kind == "asset"
            else image.value,
            "\n".join(svc.service.messages.receives),
            "\n".join(svc.service.messages.sends),
            svc.service.production.url or "",
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: no markup in names
    return table


def cmd_validate(args: argparse.Namespace) -> int:
    """Load and check an app; print its services and every problem."""
    out = _console()
    try:
        app = load(args)
    except ManifestError as exc:
        if args.json:
            document = {
                "valid": False,
                "services": [],
                "problems": [problem_json(p) for p in exc.problems],
            }
            print(json.dumps(document, indent=2))
        else:
            print_problems(out, exc.problems)
            out.print(f"invalid: {summary(exc.problems)}", style="bold red", soft_wrap=True)
        return EXIT_INVALID
    if args.json:
        document = {
            "valid": True,
            "slug": app.slug,
            "env": app.env_name,
            "exocom_version": app.exocom_version,
            "domain": app.domain,
            "services": [_service_json(s) for s in app.services],
            "problems": [problem_json(p) for p in app.problems],
        }
        print(json.dumps(document, indent=2))
    else:
        out.print(services_table(app))
        print_problems(out, app.problems)
        out.print(f"valid: {summary(app.problems)}", style="bold green", soft_wrap=True)
    return EXIT_OK


# ---------------------------------------------------------------- entry point


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exo-cdk", description="Deploy Exosphere applications to AWS with the AWS CDK."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check an app's manifests and list its services",
        description="Check application.yml and every service.yml; exit 1 when invalid.",
    )
    add_app_arguments(validate)
    validate.set_defaults(handler=cmd_validate)
    guard.add_parser(commands)
    from exosphere_cdk.tools import register_all  # noqa: PLC0415 - the tools import this module

    register_all(commands)  # plan, graph, cost, schema
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run exo-cdk with `argv` (default: the process arguments); returns the exit code."""
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        handler: Handler = args.handler
        return handler(args)
    except UsageError as exc:
        _console(stderr=True).print(f"exo-cdk: error: {exc}", soft_wrap=True, markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
