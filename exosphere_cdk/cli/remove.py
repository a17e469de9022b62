"""`exo-cdk remove APP_DIR [--yes]`: delete what `cdk destroy` keeps (zone, logs, key, log bucket).

Without `--yes` it only shows what would go (exit 0). With `--yes` it deletes,
but refuses (exit 2) while any of the app's stacks still exists.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.ops.remove import RemovalPlan, key_kept, removal_plan, remove
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, console


def _env(plan: RemovalPlan) -> str:
    """` --env NAME` for an environment other than production."""
    return "" if plan.env == "production" else f" --env {plan.env}"


def _print_snapshots(out: Console, plan: RemovalPlan) -> None:
    """The app's DB snapshots (kept), and the key they keep, in one line."""
    if not plan.snapshots:
        return
    table = Table(title=f"{plan.deployment}'s DB snapshots: `remove` keeps them")
    for column in ("snapshot", "instance", "detail"):
        table.add_column(column)
    for snap in plan.snapshots:
        table.add_row(Text(snap.ident), Text(snap.instance), Text(snap.detail))
    out.print(table)
    for key in (item for item in plan.leftovers if item.kind == "KMS key"):
        if plan.blocking(key):
            out.print(f"KMS key {key.name}: {key_kept(plan.blocking(key))}", soft_wrap=True)


def _dry_run(args: argparse.Namespace, loaded: Any) -> int:
    plan = removal_plan(loaded, new_session(args.profile))
    if args.json:
        print(json.dumps({"deleted": False, **plan.as_json()}, indent=2))
        return EXIT_OK
    out = console()
    if not plan.leftovers:
        what = " to delete" * bool(plan.snapshots)
        out.print(f"nothing of {plan.deployment} is left{what} in {plan.region}", soft_wrap=True)
    else:
        table = Table(title=f"{plan.deployment} in {plan.region}: what `remove --yes` would delete")
        for column in ("kind", "name", "detail"):
            table.add_column(column)
        for item in plan.leftovers:
            table.add_row(Text(item.kind), Text(item.name), Text(item.detail))
        out.print(table)
    _print_snapshots(out, plan)
    for zone in (item for item in plan.leftovers if item.kind == "hosted zone"):
        out.print(
            f"to deploy the app again on the kept zone {zone.ident} (its delegation kept), do not"
            f" remove it: set hosted-zone-id: {zone.ident} in application.yml"
            " (environments.<env>.providers.aws); the next deploy then creates no second zone",
            soft_wrap=True,
        )
    if plan.stacks:
        out.print(
            f"{len(plan.stacks)} of the app's stacks still exist: `cdk destroy --all` first"
            " (`remove --yes` refuses until then)",
            soft_wrap=True,
        )
    elif plan.leftovers:
        out.print(
            f"nothing was deleted: `exo-cdk remove {args.app_dir}{_env(plan)} --yes` deletes these",
            soft_wrap=True,
        )
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    if not args.yes:
        return _dry_run(args, loaded)
    plan, done = remove(loaded, new_session(args.profile))
    failed = sum(1 for d in done if not d.ok)
    if args.json:
        document = {
            "deleted": True,
            **plan.as_json(),
            "outcomes": [{**d.leftover.as_json(), "outcome": d.outcome, "ok": d.ok} for d in done],
        }
        print(json.dumps(document, indent=2))
        return EXIT_INVALID if failed else EXIT_OK
    out = console()
    if not done:
        what = " to delete" * bool(plan.snapshots)
        out.print(f"nothing of {plan.deployment} is left{what} in {plan.region}", soft_wrap=True)
    for snap in plan.snapshots:
        out.print(f"DB snapshot {snap.ident}: kept ({snap.detail})", soft_wrap=True)
    for d in done:
        style = "" if d.ok else "red"
        line = f"{d.leftover.kind} {d.leftover.name}: {d.outcome}"
        out.print(Text(line, style=style), soft_wrap=True)
    if failed:
        out.print(f"{failed} of {len(done)} could not be deleted", soft_wrap=True)
        return EXIT_INVALID
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "remove",
        help="delete what `cdk destroy` keeps: hosted zone, log groups, KMS key, log bucket",
        description=(
            "After `cdk destroy --all`: find what the app's stacks kept (its hosted zone,"
            " log groups, KMS key and the load balancer's access-log bucket, by the tag"
            " exosphere:app = the app's slug) and, with --yes, delete it: the bucket"
            " emptied first, the zone's records first, the key scheduled for deletion in"
            " 7 days (AWS's minimum), unless a DB snapshot of the app is encrypted with it"
            " (the snapshots are listed, never deleted). Without --yes nothing is deleted."
            " boto3: the usual"
            " credentials, profile and region (the app's region when it sets one)."
        ),
    )
    add_app_arguments(parser)
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE, else the default)")
    parser.add_argument(
        "--yes", action="store_true", help="delete them (default: only show what would go)"
    )
    parser.set_defaults(handler=run)
