"""The CDK app behind `cdk synth|diff|deploy`: read context, load the app, build, synthesize."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from exosphere_cdk.cli import UsageError, load_directory, print_problems, summary
from exosphere_cdk.manifest.errors import ManifestError

if TYPE_CHECKING:
    from aws_cdk import App

#: The app `cdk synth` deploys when no `-c app=DIR` is given.
DEFAULT_APP = Path(__file__).resolve().parents[1] / "manifests" / "hello"
#: The CDK CLI's configuration: its `context` holds the feature flags.
CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


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


def new_app(*, outdir: str | Path, context: dict[str, Any] | None = None) -> App:
    """An in-process App that synthesizes as `cdk synth` does: cdk.json's context, validation.

    For `exo-cdk plan` and the tests; `cdk synth` itself runs `main`, whose
    context the CLI passes in.
    """
    import aws_cdk as cdk  # noqa: PLC0415 - slow: only when synthesizing

    app: App = cdk.App(
        context={**cdk_json_context(), **(context or {})},
        outdir=str(outdir),
        builtin_cloud_formation_validation=builtin_validation(),
    )
    return app


def main() -> int:
    """Synthesize the app named by the `app` context (default: manifests/hello); exit code."""
    import aws_cdk as cdk  # noqa: PLC0415 - slow: only when synthesizing

    from exosphere_cdk.stacks import add_compliance_checks, build_stacks  # noqa: PLC0415

    console = Console(stderr=True, highlight=False)
    scope = cdk.App(builtin_cloud_formation_validation=builtin_validation())
    app_dir = str(scope.node.try_get_context("app") or DEFAULT_APP)
    env = str(scope.node.try_get_context("env") or "production")
    # `-c teardown=true`: deploy once with the protections off, then `cdk destroy --all`.
    teardown = str(scope.node.try_get_context("teardown") or "false").lower() == "true"
    try:
        app = load_directory(app_dir, env)
    except UsageError as exc:
        console.print(f"exosphere-cdk: error: {exc}", soft_wrap=True, markup=False)
        return 2
    except ManifestError as exc:
        print_problems(console, exc.problems)
        console.print(
            f"exosphere-cdk: {app_dir} is invalid: {summary(exc.problems)}",
            markup=False,
            soft_wrap=True,
        )
        return 1
    print_problems(console, app.problems)
    build_stacks(scope, app, protect=not teardown)
    add_compliance_checks(scope)
    scope.synth()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
