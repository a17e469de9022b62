"""`exo-cdk`: the command line of exosphere-cdk (argparse and rich, on top of everything).

    exo-cdk validate|plan|graph|cost APP_DIR [--env production] [--json]
    exo-cdk schema [--output DIR]
    exo-cdk guard OLD_ASSEMBLY NEW_ASSEMBLY [--json]
    exo-cdk status APP_DIR [--json] / exo-cdk logs APP_DIR ROLE [--since 10m] [--follow]
    exo-cdk remove APP_DIR [--yes]
    exo-cdk init DIR [--dockerfile] / exo-cdk add-service APP_DIR ROLE --public|--private
    exo-cdk doctor APP_DIR / exo-cdk deploy|diff|destroy APP_DIR [--service ROLE]
    exo-cdk dns APP_DIR (the public zone's name servers, and whether they are delegated)
    exo-cdk pin-amis APP_DIR (pin the instances' AMIs in APP_DIR/ami-pins.<env>.json)

Exit codes (`exosphere_cdk.reporting`): 0 ok (warnings allowed), 1 invalid
manifests or findings, 2 usage error (bad arguments, no such folder, an
unusable output path), 70 internal error (a bug: please report it).
Exceptions become exit codes in one place, `reporting.run_guarded`, which
`cdk synth` (exosphere_cdk/synth.py) shares.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from exosphere_cdk.cli import (
    add_service,
    cost,
    deploy,
    destroy,
    diff,
    dns,
    doctor,
    graph,
    guard,
    init,
    logs,
    pin_amis,
    plan,
    remove,
    schema,
    status,
    validate,
)
from exosphere_cdk.cli.common import report_manifest_error
from exosphere_cdk.manifest.errors import ExoCdkError, ManifestError
from exosphere_cdk.reporting import EXIT_OK, EXIT_USAGE, PROGRAM, error_line, run_guarded

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]

#: The commands, in the order `exo-cdk --help` lists them.
COMMANDS = (
    init,
    add_service,
    validate,
    plan,
    graph,
    cost,
    schema,
    guard,
    doctor,
    diff,
    deploy,
    destroy,
    pin_amis,
    dns,
    status,
    logs,
    remove,
)


def _version() -> str:
    try:
        return version("exosphere-cdk")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM, description="Deploy Exosphere applications to AWS with the AWS CDK."
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run exo-cdk with `argv` (default: the process arguments); returns the exit code."""
    parser = build_parser()
    parsed: list[argparse.Namespace] = []

    def run() -> int:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        parsed.append(args)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        handler: Handler = args.handler
        return handler(args)

    def report(exc: ExoCdkError) -> None:
        if isinstance(exc, ManifestError):
            report_manifest_error(exc, parsed[0] if parsed else None)
        else:
            error_line(str(exc))

    return run_guarded(run, report=report)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
