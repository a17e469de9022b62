"""`exo-cdk cost APP_DIR`: the app's fixed monthly AWS cost at minimum capacity."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table
from rich.text import Text

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.cost import estimate
from exosphere_cdk.reporting import EXIT_OK, console, report_valid


def _money(value: float | None) -> str:
    return "price unknown" if value is None else f"${value:,.2f}"


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    result = estimate(loaded, args.region)
    if args.json:
        print(json.dumps({"valid": True, "slug": loaded.slug, **result.as_json()}, indent=2))
        return EXIT_OK
    out = console()
    title = (
        f"{loaded.slug}: fixed monthly cost at minimum capacity in {result.region}"
        f" (USD, prices as of {result.as_of})"
    )
    bill = Table(title=title)
    for column in ("item", "quantity", "unit / month", "month", "detail"):
        bill.add_column(column, justify="right" if column in ("quantity", "month") else "left")
    for i in result.items:
        unit = _money(i.unit)
        bill.add_row(Text(i.item), f"{i.quantity:g}", unit, _money(i.monthly), Text(i.detail))
    bill.add_row(Text("total", style="bold"), "", "", Text(_money(result.total), style="bold"), "")
    out.print(bill)
    if result.unknown:
        out.print(
            Text(
                f"not in the total: price unknown for {', '.join(result.unknown)} in"
                f" {result.region}: not in exosphere-cdk's price table (dated {result.as_of})",
                style="yellow",
            ),
            soft_wrap=True,
        )
    ext = Table(title="what an extension changes (per month)")
    for column in ("change", "delta", "detail"):
        ext.add_column(column)
    for e in result.extensions:
        delta = "price unknown" if e.monthly_delta is None else f"+${e.monthly_delta:,.2f}"
        ext.add_row(Text(e.change), delta, Text(e.detail))
    out.print(ext)
    out.print("assumptions:", soft_wrap=True)
    for line in result.assumptions:
        out.print(Text(f"  - {line}"), soft_wrap=True)
    out.print(Text("not included: " + ", ".join(result.not_included)), soft_wrap=True)
    out.print(
        Text(
            f"total: {_money(result.total)} per month (prices as of {result.as_of})", style="bold"
        ),
        soft_wrap=True,
    )
    report_valid(loaded.problems, out)
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "cost",
        help="estimate the app's fixed monthly AWS cost",
        description="Fixed monthly cost at minimum capacity, from a dated price table.",
    )
    add_app_arguments(parser)
    parser.add_argument("--region", help="price the app in this region (default: the app's)")
    parser.set_defaults(handler=run)
