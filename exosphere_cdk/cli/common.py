"""What the commands share: APP_DIR arguments, loading an app, output paths, usage errors."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from exosphere_cdk.manifest.errors import ManifestError, UsageError
from exosphere_cdk.manifest.load.eras import load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.reporting import report_invalid

__all__ = [
    "UsageError",
    "add_app_arguments",
    "load",
    "new_output_file",
    "report_manifest_error",
    "writable_folder",
    "write_output",
]


def add_app_arguments(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """APP_DIR, --env and --json, common to commands that read an app."""
    parser.add_argument("app_dir", metavar="APP_DIR", help="folder holding application.yml")
    parser.add_argument(
        "--env", default="production", help="environment to read (default: production)"
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")


def load(args: argparse.Namespace) -> LoadedApp:
    """The app of APP_DIR/--env; raises ManifestError (invalid) or AppFolderError (usage)."""
    return load_directory(args.app_dir, args.env)


def report_manifest_error(exc: ManifestError, args: argparse.Namespace | None) -> None:
    """An invalid app, reported like `validate` does, as the command asked.

    With `--json` the report is `{"valid": false, ...json_fields, "problems": [...]}` on
    stdout; a command whose stdout is data (graph's text formats, `set_defaults(
    problems_on_stderr=True)`) prints the problems on stderr; `set_defaults(
    invalid_fields={...})` adds fields to the JSON document.
    """
    as_json = bool(getattr(args, "json", False))
    report_invalid(
        exc.problems,
        as_json=as_json,
        stderr=bool(getattr(args, "problems_on_stderr", False)) and not as_json,
        json_fields=getattr(args, "invalid_fields", None),
    )


def new_output_file(path: str) -> Path:
    """`path` for a file about to be written: its folder must exist."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{path} is a folder, expected a file name")
    if not target.parent.is_dir():
        raise UsageError(f"no such folder: {target.parent} (for {path})")
    writable_folder(target.parent, path)
    return target


def writable_folder(folder: Path, path: str) -> None:
    """A UsageError when the existing `folder` (of the output `path`) cannot be written into.

    Checked before the work, so that a read-only folder is one line at once;
    `write_output` catches what only the write can tell (a read-only file system).
    """
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def write_output(target: Path, data: bytes, path: str) -> None:
    """`data` into the file `target` (the output `path` as given): a UsageError if it cannot be."""
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {(exc.strerror or type(exc).__name__).lower()}"
        ) from None
