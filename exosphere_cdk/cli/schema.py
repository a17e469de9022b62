"""`exo-cdk schema`: print or write the JSON Schema of application.yml and service.yml."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from exosphere_cdk.cli.common import UsageError, writable_folder, write_output
from exosphere_cdk.manifest.model.app import ERAS
from exosphere_cdk.ops.schema import ERA_FILES, json_schema
from exosphere_cdk.reporting import EXIT_OK


def run(args: argparse.Namespace) -> int:
    documents = {name: json_schema(name, args.era) for name in ERA_FILES[args.era]}
    if args.output is None:
        print(json.dumps(documents, indent=2))
        return EXIT_OK
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{args.output} exists and is not a folder")
    if not folder.parent.is_dir():
        raise UsageError(f"no such folder: {folder.parent} (for {args.output})")
    writable_folder(folder if folder.is_dir() else folder.parent, args.output)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        why = (exc.strerror or type(exc).__name__).lower()
        raise UsageError(f"cannot write {args.output}: {why}") from None
    for name, document in documents.items():
        path = folder / f"{name}.schema.json"
        write_output(path, (json.dumps(document, indent=2) + "\n").encode(), str(path))
        print(path)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "schema",
        help="print or write the JSON Schema of application.yml and service.yml",
        description="JSON Schema (draft 2020-12) generated from the manifest model.",
    )
    parser.add_argument(
        "--era",
        choices=list(ERAS),
        default="exo-deploy",
        help="the manifest family: exo-deploy (default), or the Go era's go-f1 to go-f5"
        " ("
        + "; ".join(f"{era}: {text}" for era, text in ERAS.items() if era != "exo-deploy")
        + ")",
    )
    parser.add_argument(
        "--output",
        metavar="DIR",
        help="write application.schema.json and service.schema.json to DIR"
        " (default: print both as one JSON object)",
    )
    parser.set_defaults(handler=run)
