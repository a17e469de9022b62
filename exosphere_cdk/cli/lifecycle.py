"""What deploy, diff, destroy and doctor share: their arguments, the preflight, running the CDK CLI.

The CDK CLI keeps the terminal's stdin and stdout (its approval prompts need
them); its stderr, where `--progress events` writes one line per CloudFormation
event, is read line by line and printed again with rich: status in colour,
columns aligned.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
from typing import Any

import boto3  # type: ignore[import-untyped]
from rich.console import Console
from rich.text import Text

from exosphere_cdk.cli.common import add_app_arguments
from exosphere_cdk.cli.status import print_status
from exosphere_cdk.manifest.design.derive import deployment_name
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.assembly import synthesize
from exosphere_cdk.ops.aws import AwsError, NotDeployedError
from exosphere_cdk.ops.cdk_cli import CdkRun, StackEvent, parse_event
from exosphere_cdk.ops.preflight import Preflight, preflight
from exosphere_cdk.ops.status import app_status
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, PROGRAM, console

__all__ = [
    "add_lifecycle_arguments",
    "app_preflight",
    "app_templates",
    "cdk_failed",
    "print_final_status",
    "print_findings",
    "run_cdk",
    "run_preflight",
]

_SEVERITY = {"error": "red", "warning": "yellow", "notice": "dim", "ok": "green"}


def add_lifecycle_arguments(parser: argparse.ArgumentParser, *, service: bool = True) -> None:
    """APP_DIR, --env, --profile and (but for doctor) --service ROLE."""
    add_app_arguments(parser, json_flag=False)
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE, else the default)")
    if service:
        parser.add_argument(
            "--service", metavar="ROLE", help="only this service's stack (default: every stack)"
        )


def app_templates(app: LoadedApp) -> dict[str, dict[str, Any]]:
    """The app's templates by stack name, synthesized in-process (the bootstrap they need)."""
    return {name: stack.template for name, stack in synthesize(app).items()}


def print_findings(out: Console, result: Preflight) -> None:
    """One line per finding, `severity: check: message`, coloured by severity."""
    for finding in result.findings:
        out.print(Text(str(finding), style=_SEVERITY[finding.severity]), soft_wrap=True)


def app_preflight(app: LoadedApp, session: boto3.Session) -> Preflight:
    """Every check of the preflight, with the app's templates."""
    return preflight(app, session, templates=app_templates(app))


def run_preflight(out: Console, app: LoadedApp, session: boto3.Session) -> Preflight:
    """Every check of the preflight, printed; the caller stops on its errors."""
    result = app_preflight(app, session)
    print_findings(out, result)
    return result


def run_cdk(out: Console, run: CdkRun) -> int:
    """Run the CDK CLI, its event lines printed again as they come; its exit code."""
    for note in run.notes:
        out.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    shown = ["cdk", *run.argv[1:]]
    out.print(Text(f"$ {shlex.join(shown)}", style="dim"), soft_wrap=True)
    with subprocess.Popen(
        run.argv,
        cwd=run.cwd,
        env=dict(run.env),
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            _print_line(out, line)
        return process.wait()


def _print_line(out: Console, line: str) -> None:
    event = parse_event(line)
    if event is None:
        out.print(Text(line.rstrip("\n")), soft_wrap=True)
        return
    out.print(_event_text(event), soft_wrap=True)


def _event_text(event: StackEvent) -> Text:
    style = "yellow"
    if "FAILED" in event.status or "ROLLBACK" in event.status:
        style = "red"
    elif event.status.endswith("COMPLETE"):
        style = "green"
    text = Text(f"{event.time:>11} ", style="dim")
    text.append(event.stack, style="bold")
    text.append(f" {event.progress}" if event.progress else "")
    text.append(f" {event.status:<24}", style=style)
    text.append(f" {event.resource_type} ")
    text.append(event.resource, style="red" if style == "red" else "")
    return text


def print_final_status(out: Console, app: LoadedApp, session: boto3.Session) -> None:
    """The app's status as `exo-cdk status` prints it, or that nothing of it is deployed."""
    try:
        print_status(out, app_status(app, session=session))
    except NotDeployedError as exc:
        name = deployment_name(app)  # the environment's: another may be deployed
        out.print(f"nothing of {name} is deployed in {exc.region}", soft_wrap=True)
    except AwsError as exc:  # credentials that expired during a long deploy, ...
        line = f"warning: status: cannot tell ({exc}): `exo-cdk status {app.directory}` asks again"
        out.print(Text(line, style="yellow"), soft_wrap=True)


def cdk_failed(action: str, code: int) -> int:
    """The line after a failed CDK run; the exit code (1)."""
    console(stderr=True).print(
        Text(f"{PROGRAM}: error: cdk {action} failed (exit code {code}): see its output above"),
        soft_wrap=True,
    )
    return EXIT_INVALID if code else EXIT_OK
