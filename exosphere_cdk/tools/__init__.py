"""Operator tooling: `exo-cdk plan`, `graph`, `cost` and `schema`.

Every command that reads an app loads it with the CLI's loader and reports
invalid manifests exactly like `exo-cdk validate` (`report_invalid`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.text import Text

from exosphere_cdk.cli import (
    EXIT_INVALID,
    _console,
    load,
    print_problems,
    problem_json,
    summary,
)
from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.model import LoadedApp


def register_all(commands: Any) -> None:
    """Add plan, graph, cost and schema to the CLI's subparsers."""
    from exosphere_cdk.tools import cost, graph, plan, schema  # noqa: PLC0415 - import cycle

    for module in (plan, graph, cost, schema):
        module.register(commands)


def load_or_report(args: argparse.Namespace, *, stdout_is_data: bool = False) -> LoadedApp | int:
    """The app of APP_DIR/--env, or the exit code after reporting it like `validate` does.

    With `--json` the report is `{"valid": false, "problems": [...]}` on stdout.
    `stdout_is_data` (graph's text formats): problems go to stderr instead.
    """
    try:
        return load(args)
    except ManifestError as exc:
        if getattr(args, "json", False):
            document = {"valid": False, "problems": [problem_json(p) for p in exc.problems]}
            print(json.dumps(document, indent=2))
        else:
            out = _console(stderr=stdout_is_data)
            print_problems(out, exc.problems)
            out.print(f"invalid: {summary(exc.problems)}", style="bold red", soft_wrap=True)
        return EXIT_INVALID


def report_warnings(app: LoadedApp, out: Console | None = None) -> None:
    """The app's warnings and notices, one line each (nothing when there are none)."""
    if not app.problems:
        return
    console = out or _console()
    print_problems(console, app.problems)
    console.print(Text(f"valid: {summary(app.problems)}", style="green"), soft_wrap=True)
