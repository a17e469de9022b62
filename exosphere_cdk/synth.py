"""The CDK app behind `cdk synth|diff|deploy`: check the context, load the app, build, synthesize.

Imports only what synthesis needs: the manifest package, the stacks and the
reporting module (never the command line, nor rich: its few lines are plain,
on stderr). aws_cdk and the stacks are imported when an app is built, so that
`exo-cdk validate` and the tests that only read cdk.json do not pay for loading
the CDK.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS, DEFAULT_PACKS
from exosphere_cdk.manifest.errors import ExoCdkError, ManifestError, UsageError, did_you_mean
from exosphere_cdk.manifest.load.eras import load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.reporting import (
    EXIT_INVALID,
    EXIT_OK,
    PROGRAM,
    run_guarded,
    summary,
    write_problems,
)

if TYPE_CHECKING:
    from aws_cdk import App

#: The checkout: cdk.json and the bundled examples live here.
ROOT = Path(__file__).resolve().parents[1]
#: The app `cdk synth` deploys when no `-c app=DIR` is given.
DEFAULT_APP = ROOT / "manifests" / "hello"
#: The CDK CLI's configuration: its `context` holds the feature flags.
CDK_JSON = ROOT / "cdk.json"

#: The context keys exosphere-cdk reads (`cdk synth -c KEY=VALUE`), and what each means.
CONTEXT_KEYS: Mapping[str, str] = {
    "app": "the app folder (holding application.yml); default: the bundled example",
    "env": "the environment of application.yml to deploy; default: production",
    "teardown": "true lifts termination and deletion protection (before `cdk destroy`)",
    "nag-packs": "the rule packs that gate the synthesis, comma-separated, of: "
    + ", ".join(COMPLIANCE_PACKS)
    + "; default: "
    + ", ".join(DEFAULT_PACKS),
}
BOOLEANS = {"true": True, "false": False}


class ContextError(UsageError):
    """A context key or value the app does not take: a usage error (exit 2)."""


def builtin_validation() -> bool:
    """Whether CDK's built-in template validation runs: only with `CDK_VALIDATION=true`.

    It costs about 2 s and 360 MB a synthesis (bench/results.md) and checks what
    cfn-lint checks in the tests on every example; cdk-nag runs either way.
    """
    return os.environ.get("CDK_VALIDATION", "").lower() == "true"


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context: the feature flags `cdk synth` runs with (a bare App() has none)."""
    if not CDK_JSON.is_file():  # pragma: no cover - an installed copy without the checkout
        return {}
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def new_app(*, outdir: str | Path | None = None, context: dict[str, Any] | None = None) -> App:
    """An App that synthesizes as `cdk synth` does: cdk.json's context, the validation setting.

    `context` adds to (and overrides) cdk.json's; under the CDK CLI, the
    CLI's context (cdk.json, `-c` keys) arrives through the environment too.
    """
    import aws_cdk as cdk  # noqa: PLC0415 - loading the CDK takes a second: only to synthesize

    app: App = cdk.App(
        context={**cdk_json_context(), **(context or {})},
        outdir=None if outdir is None else str(outdir),
        builtin_cloud_formation_validation=builtin_validation(),
    )
    return app


def check_context(context: Mapping[str, Any], known_flags: Mapping[str, Any]) -> dict[str, Any]:
    """The app's own context values, checked: `app`, `env` and `teardown` (a bool).

    Keys the CDK itself uses (`aws:cdk:…`, feature flags `@aws-cdk/…`, lookups
    with a `:`) and cdk.json's keys pass; any other key is a typo of ours.
    """
    for key in sorted(context):
        if key in CONTEXT_KEYS or key in known_flags or ":" in key or key.startswith("@"):
            continue
        guess = did_you_mean(key, list(CONTEXT_KEYS)) or did_you_mean(
            key.lower(), list(CONTEXT_KEYS)
        )
        hint = (
            f"did you mean '{guess}'?" if guess else f"expected one of: {', '.join(CONTEXT_KEYS)}"
        )
        raise ContextError(f"unknown context key '{key}' (-c {key}=...), {hint}")
    teardown = context.get("teardown", False)
    if not isinstance(teardown, bool):
        teardown = BOOLEANS.get(str(teardown).lower())
        if teardown is None:
            raise ContextError(f"-c teardown={context['teardown']}: expected true or false")
    env = context.get("env", "production")
    app_dir = context.get("app")
    return {"app": app_dir, "env": str(env), "teardown": teardown, "packs": nag_packs(context)}


def nag_packs(context: Mapping[str, Any]) -> tuple[str, ...]:
    """The rule packs of `-c nag-packs=a,b` (default: aws-solutions), each known."""
    value = context.get("nag-packs")
    if value is None:
        return DEFAULT_PACKS
    packs = tuple(p.strip() for p in str(value).split(",") if p.strip())
    for pack in packs:
        if pack not in COMPLIANCE_PACKS:
            guess = did_you_mean(pack, list(COMPLIANCE_PACKS))
            hint = (
                f"did you mean '{guess}'?" if guess else "expected " + ", ".join(COMPLIANCE_PACKS)
            )
            raise ContextError(f"-c nag-packs={value}: unknown pack '{pack}', {hint}")
    if not packs:
        raise ContextError(
            f"-c nag-packs={value}: expected one or more of {', '.join(COMPLIANCE_PACKS)}"
        )
    return packs


def main() -> int:
    """Synthesize the app named by the `app` context (default: manifests/hello); exit code.

    A user's mistake (a context key, a folder, a manifest) is reported in one
    line each; anything else is a bug: one line asking for a report, exit 70,
    as `exo-cdk` does (both through `reporting.run_guarded`). A synthesis
    stopped by a validation plugin has printed its report: one line more says
    so, exit 1.
    """
    return run_guarded(_main, report=_report, known_failure=_validation_failed)


def _report(exc: ExoCdkError) -> None:
    if isinstance(exc, InvalidAppError):
        write_problems(exc.problems)
        print(f"{PROGRAM}: {exc.app_dir} is invalid: {summary(exc.problems)}", file=sys.stderr)
    else:
        print(f"{PROGRAM}: error: {exc}", file=sys.stderr)


def _validation_failed(exc: Exception) -> int | None:
    if isinstance(exc, RuntimeError) and "ValidationFailed" in str(exc):
        print(f"{PROGRAM}: the synthesis failed validation: see the report above", file=sys.stderr)
        return EXIT_INVALID
    return None


class InvalidAppError(ManifestError):
    """The app `cdk synth` was given is invalid: its problems, and which folder it was."""

    def __init__(self, app_dir: str | Path, error: ManifestError) -> None:
        super().__init__(error.problems)
        self.app_dir = app_dir


def _main() -> int:
    scope = new_app()
    settings = check_context(scope.node.get_all_context(), cdk_json_context())
    app_dir = settings["app"]
    if app_dir is None:
        print(
            f"{PROGRAM}: no -c app=DIR given: synthesizing the bundled example"
            f" {DEFAULT_APP.relative_to(ROOT)} (deploying it deploys that example)",
            file=sys.stderr,
        )
        app_dir = DEFAULT_APP
    try:
        app = load_directory(str(app_dir), settings["env"])
    except ManifestError as exc:
        raise InvalidAppError(app_dir, exc) from None
    write_problems(app.problems)
    build(scope, app, protect=not settings["teardown"], packs=settings["packs"])
    scope.synth()
    return EXIT_OK


def build(
    scope: App,
    app: LoadedApp,
    *,
    protect: bool = True,
    compliance: bool = True,
    packs: tuple[str, ...] = DEFAULT_PACKS,
) -> None:
    """Every stack of `app` in `scope`, with the rule `packs` as in every `cdk synth`."""
    from exosphere_cdk.stacks import add_compliance_checks, build_stacks  # noqa: PLC0415 - slow

    build_stacks(scope, app, protect=protect)
    if compliance:
        add_compliance_checks(scope, packs)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
