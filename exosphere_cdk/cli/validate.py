"""`exo-cdk validate APP_DIR`: check an app's manifests and list its services."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.manifest.errors import display_path
from exosphere_cdk.manifest.model.app import ERAS, LoadedApp, LoadedService
from exosphere_cdk.ops.amis import unpinned_notice
from exosphere_cdk.reporting import EXIT_OK, console, problem_json, report_valid


def service_json(svc: LoadedService) -> dict[str, Any]:
    image = svc.image
    return {
        "role": svc.role,
        "public": svc.public,
        "image": {"kind": image.kind, "value": image.value},
        "namespace": svc.namespace,
        "receives": list(svc.messages.receives),
        "sends": list(svc.messages.sends),
        "url": svc.url,
    }


def services_table(app: LoadedApp) -> Table:
    table = Table(title=f"{app.slug}: {len(app.services)} services (environment {app.env_name})")
    for column in ("role", "visibility", "image", "receives", "sends", "url"):
        table.add_column(column, overflow="fold")
    for svc in app.services:
        image = svc.image
        cells = (
            svc.role if not svc.namespace else f"{svc.role} (namespace {svc.namespace})",
            svc.kind,
            f"{display_path(Path(image.value))} (Dockerfile)"
            if image.kind == "asset"
            else image.value,
            "\n".join(svc.messages.receives),
            "\n".join(svc.messages.sends),
            svc.url or "",
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: no markup in names
    return table


def read_as(app: LoadedApp) -> str:
    """The line saying which manifest family the app was read as."""
    return f"manifests read as: {ERAS[app.era]}"


def ami_pins_json(app: LoadedApp) -> dict[str, Any] | None:
    pins = app.ami_pins
    if pins is None:
        return None
    return {"file": pins.file, "region": pins.region, "amis": dict(pins.images)}


def print_ami_notice(app: LoadedApp, out: Console) -> None:
    """The line of `validate` and `plan` for an environment without AMI pins."""
    note = unpinned_notice(app)
    if note is not None:
        out.print(Text(f"note: {note}", style="yellow"), soft_wrap=True)


def run(args: argparse.Namespace) -> int:
    """Load and check an app; print its services and every problem."""
    loaded = load(args)
    if args.json:
        document = {
            "valid": True,
            "era": loaded.era,
            "slug": loaded.slug,
            "env": loaded.env_name,
            "exocom_version": loaded.exocom_version,
            "domain": loaded.domain,
            "services": [service_json(s) for s in loaded.services],
            "problems": [problem_json(p) for p in loaded.problems],
            "ami_pins": ami_pins_json(loaded),
            "notes": [note for note in (unpinned_notice(loaded),) if note],
        }
        print(json.dumps(document, indent=2))
        return EXIT_OK
    out = console()
    out.print(services_table(loaded))
    out.print(Text(read_as(loaded)), soft_wrap=True)
    print_ami_notice(loaded, out)
    report_valid(loaded.problems, out, always=True)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "validate",
        help="check an app's manifests and list its services",
        description="Check application.yml and every service.yml; exit 1 when invalid.",
    )
    add_app_arguments(parser)
    parser.set_defaults(handler=run, invalid_fields={"services": []})
