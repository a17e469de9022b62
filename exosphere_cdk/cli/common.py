"""What the commands share: APP_DIR arguments, loading an app, output paths, usage errors."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.loader import load_directory
from exosphere_cdk.manifest.model import LoadedApp
from exosphere_cdk.reporting import EXIT_INVALID, report_invalid


class UsageError(Exception):
    """A wrong invocation (exit 2): an APP_DIR that is not a folder, an unusable output path."""


def add_app_arguments(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """APP_DIR, --env and --json, common to commands that read an app."""
    parser.add_argument("app_dir", metavar="APP_DIR", help="folder holding application.yml")
    parser.add_argument(
        "--env", default="production", help="environment to read (default: production)"
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def load_or_report(
    args: argparse.Namespace,
    *,
    stdout_is_data: bool = False,
    json_fields: dict[str, Any] | None = None,
) -> LoadedApp | int:
    """The app of APP_DIR/--env, or EXIT_INVALID after reporting it like `validate` does.

    With `--json` the report is `{"valid": false, "problems": [...]}` on stdout.
    `stdout_is_data` (graph's text formats): problems go to stderr instead.
    An APP_DIR that names no folder raises AppFolderError (a usage error).
    """
    try:
        return load_directory(args.app_dir, args.env)
    except ManifestError as exc:
        as_json = bool(getattr(args, "json", False))
        report_invalid(
            exc.problems,
            as_json=as_json,
            stderr=stdout_is_data and not as_json,
            json_fields=json_fields,
        )
        return EXIT_INVALID


def new_output_file(path: str) -> Path:
    """`path` for a file about to be written: its folder must exist."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{path} is a folder, expected a file name")
    if not target.parent.is_dir():
        raise UsageError(f"no such folder: {target.parent} (for {path})")
    return target
