"""The pinned CDK CLI's command lines for `exo-cdk deploy|diff|destroy`, and its event lines read.

The CLI is the checkout's own (`node_modules/.bin/cdk`, the version package.json
pins, on the Node it pins), run from the checkout, where cdk.json is, with the
app's folder as an absolute `-c app=DIR`. Nothing here runs it or prints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from attrs import frozen

from exosphere_cdk.manifest.design.derive import stack_name, stack_names
from exosphere_cdk.manifest.errors import UsageError, did_you_mean
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.synth import ROOT

__all__ = [
    "APPROVALS",
    "CDK_CONCURRENCY",
    "CHECKOUT",
    "Action",
    "CdkNotInstalledError",
    "CdkRun",
    "StackEvent",
    "UnknownServiceError",
    "cdk_executable",
    "cdk_run",
    "parse_event",
    "service_stack",
]

Action = Literal["deploy", "diff", "destroy"]
#: The stacks deployed (or destroyed) at once, as docs/operations.md recommends.
CDK_CONCURRENCY = 10
#: `--require-approval`'s values, the CDK's default first.
APPROVALS = ("broadening", "any-change", "destructive", "never")
#: The checkout whose CDK CLI runs (a test points it at a fake one).
CHECKOUT = ROOT
_PROGRESS = re.compile(r"^\s*\d+/\d+\s*$")


class CdkNotInstalledError(UsageError):
    """The checkout has no CDK CLI: `scripts/setup` installs it."""


class UnknownServiceError(UsageError):
    """`--service ROLE` names no service of the app."""


@frozen
class CdkRun:
    """One run of the CDK CLI: its arguments, folder and environment, and what it is about."""

    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str]
    #: The stacks it deploys, diffs or destroys.
    stacks: tuple[str, ...]
    #: What the run does differently from what was asked, and why (one line each).
    notes: tuple[str, ...] = ()


@frozen
class StackEvent:
    """A line of `--progress events`: `stack | 3/12 | time | STATUS | type | resource reason`."""

    stack: str
    progress: str | None
    time: str
    status: str
    resource_type: str
    resource: str


def cdk_executable(root: Path | None = None) -> Path:
    """The checkout's pinned CDK CLI; raises CdkNotInstalledError when it is not installed."""
    root = CHECKOUT if root is None else root
    cdk = root / "node_modules" / ".bin" / "cdk"
    if not cdk.is_file():
        raise CdkNotInstalledError(
            f"the CDK CLI is not installed: no {cdk.relative_to(root)} in {root}"
            " (run scripts/setup there)"
        )
    return cdk


def service_stack(app: LoadedApp, role: str) -> str:
    """The stack of service `role`; raises UnknownServiceError with a did-you-mean."""
    roles = [s.role for s in app.services]
    if role not in roles:
        guess = did_you_mean(role, roles)
        hint = f": did you mean {guess}?" if guess else ""
        raise UnknownServiceError(
            f"{app.slug} has no service {role}{hint} (services: {', '.join(roles)})"
        )
    return stack_name(app, role)


def cdk_run(
    action: Action,
    app: LoadedApp,
    *,
    service: str | None = None,
    require_approval: str = APPROVALS[0],
    concurrency: int = CDK_CONCURRENCY,
    profile: str | None = None,
    force: bool = False,
    teardown: bool = False,
    root: Path | None = None,
) -> CdkRun:
    """The CDK CLI's command line that runs `action` on the app (or on one service's stack).

    `--all`, or the service's stack alone (`-e`); deploy and destroy run `concurrency`
    stacks at once, but a deploy that may ask for approval runs one at a time: the CDK
    CLI cannot ask while it deploys several stacks at once.
    """
    root = CHECKOUT if root is None else root
    stacks = (service_stack(app, service),) if service else tuple(stack_names(app))
    target = ["-e", stacks[0]] if service else ["--all"] * (action != "diff")
    notes: list[str] = []
    options: list[str] = []
    if action == "deploy":
        if require_approval != "never" and not service and concurrency > 1:
            notes.append(
                f"--require-approval {require_approval}: the stacks deploy one at a time (the"
                f" CDK CLI cannot ask while it deploys several at once); --require-approval"
                f" never deploys {concurrency} at a time"
            )
            concurrency = 1
        options = ["--concurrency", str(concurrency), "--progress", "events"]
        options += ["--require-approval", require_approval]
    elif action == "destroy":
        options = ["--concurrency", str(concurrency)] * (not service) + ["--force"] * force
    context = ["-c", f"app={app.directory}", "-c", f"env={app.env_name}"]
    context += ["-c", "teardown=true"] * teardown
    argv = [str(cdk_executable(root)), action, *target, *options, "--no-color", *context]
    argv += ["--profile", profile] if profile else []
    return CdkRun(tuple(argv), root, _environment(root), stacks, tuple(notes))


def _environment(root: Path) -> dict[str, str]:
    """The process environment with the checkout's node_modules/.bin first, as `npx` runs it."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(root / "node_modules" / ".bin"), env.get("PATH", "")])
    return env


def parse_event(line: str) -> StackEvent | None:
    """A stack activity line of `--progress events`, or None for any other line."""
    parts = [p.strip() for p in line.rstrip("\n").split(" | ")]
    if len(parts) >= 6 and _PROGRESS.match(parts[1]):
        stack, progress, time, status, kind, *rest = parts
    elif len(parts) >= 5:
        stack, time, status, kind, *rest = parts
        progress = None
    else:
        return None
    if not status or not status.replace("_", "").replace(" (skipped)", "").isupper():
        return None
    return StackEvent(stack, progress, time, status, kind, " | ".join(rest))
