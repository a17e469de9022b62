"""The pinned CDK CLI's command lines for `exo-cdk deploy|diff|destroy`, and its event lines read.

The CLI is the checkout's own (`node_modules/.bin/cdk`, the version package.json
pins, on the Node it pins), run from the checkout, where cdk.json is, with the
app's folder as an absolute `-c app=DIR`. Nothing here runs it or prints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from attrs import frozen

from exosphere_cdk.manifest.design.app import design
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
    "destroy_runs",
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
    only: Sequence[str] = (),
    require_approval: str = APPROVALS[0],
    concurrency: int = CDK_CONCURRENCY,
    profile: str | None = None,
    force: bool = False,
    teardown: bool = False,
    root: Path | None = None,
) -> CdkRun:
    """The CDK CLI's command line that runs `action` on the app (or on one service's stack).

    `--all`, or the service's stack alone (`-e`), or the stacks `only` names (`-e`, for
    the teardown deploy of the stacks that exist); deploy and destroy run `concurrency`
    stacks at once, but a deploy that may ask for approval runs one at a time: the CDK
    CLI cannot ask while it deploys several stacks at once.
    """
    root = CHECKOUT if root is None else root
    stacks = (service_stack(app, service),) if service else tuple(only or stack_names(app))
    exclusive = bool(service or only)
    target = ["-e", *stacks] if exclusive else ["--all"] * (action != "diff")
    notes: list[str] = []
    options: list[str] = []
    if action == "deploy":
        if require_approval != "never" and len(stacks) > 1 and concurrency > 1:
            notes.append(
                f"--require-approval {require_approval}: the stacks deploy one at a time (the"
                f" CDK CLI cannot ask while it deploys several at once); --require-approval"
                f" never deploys {concurrency} at a time"
            )
            concurrency = 1
        options = ["--concurrency", str(concurrency), "--progress", "events"]
        options += ["--require-approval", require_approval]
    elif action == "destroy":
        options = ["--concurrency", str(concurrency)] * (not exclusive) + ["--force"] * force
    context = ["-c", f"app={app.directory}", "-c", f"env={app.env_name}"]
    context += ["-c", "teardown=true"] * teardown
    argv = [str(cdk_executable(root)), action, *target, *options, "--no-color", *context]
    argv += ["--profile", profile] if profile else []
    return CdkRun(tuple(argv), root, _environment(root), stacks, tuple(notes))


def destroy_runs(
    app: LoadedApp, existing: Collection[str], *, service: str | None, profile: str | None
) -> list[CdkRun]:
    """What `exo-cdk destroy` runs, given the app's stacks that exist ([]: nothing to do).

    One service: its stack's destroy. The app: a `-c teardown=true` deploy of the protected
    stacks that exist (the design's `protected_stacks`, the data stack's too, whose
    instances' deletion protection goes with it; nothing else is deployed, no stack
    created), then `destroy --all`.
    """
    if service:
        stack = service_stack(app, service)
        return [cdk_run("destroy", app, service=service, force=True, profile=profile)] * (
            stack in existing
        )
    if not any(name in existing for name in stack_names(app)):
        return []
    synthesized = stack_names(app)
    lift = [n for n in design(app).protected_stacks if n in synthesized and n in existing]
    runs = [cdk_run("destroy", app, force=True, profile=profile)]
    if lift:
        options: dict[str, Any] = {"require_approval": "never", "teardown": True}
        runs.insert(0, cdk_run("deploy", app, only=lift, profile=profile, **options))
    return runs


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
