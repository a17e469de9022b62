"""The CDK app behind `cdk synth|diff|deploy`: check the context, load the app, build, synthesize.

Imports only what synthesis needs: the manifest package, the stacks and the
reporting module (never the command line, nor rich: its few lines are plain,
on stderr). aws_cdk and the stacks are imported when an app is built, so that
`exo-cdk validate` and the tests that only read cdk.json do not pay for loading
the CDK.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from exosphere_cdk import kernel, structs, warmup
from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS, DEFAULT_PACKS
from exosphere_cdk.manifest.errors import ExoCdkError, ManifestError, UsageError, did_you_mean
from exosphere_cdk.reporting import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    PROGRAM,
    run_guarded,
    summary,
    write_problems,
)

if TYPE_CHECKING:
    from aws_cdk import App

    from exosphere_cdk.manifest.model.app import LoadedApp

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


#: Context the app gives itself, under cdk.json's: the CDK CLI warns of any `aws:` key in
#: cdk.json on every command ("A reserved context key ('context.aws:') key was found").
#: No JavaScript stack trace is captured for each construct it creates: through jsii none
#: holds a frame of the app's own code, and `cdk synth --debug` captures them all again.
APP_CONTEXT: dict[str, Any] = {"aws:cdk:disable-creation-stack-traces": True}


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context: the feature flags `cdk synth` runs with (a bare App() has none)."""
    if not CDK_JSON.is_file():  # pragma: no cover - an installed copy without the checkout
        return {}
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def app_context() -> dict[str, Any]:
    """The context every App of ours starts with: APP_CONTEXT, then cdk.json's."""
    return {**APP_CONTEXT, **cdk_json_context()}


def cdk_json_app() -> list[str]:
    """cdk.json's app command (`.venv/bin/python -OO app.py`), split as a shell splits it."""
    command: str = json.loads(CDK_JSON.read_text())["app"]
    return shlex.split(command)


def new_app(*, outdir: str | Path | None = None, context: dict[str, Any] | None = None) -> App:
    """An App that synthesizes as `cdk synth` does: APP_CONTEXT and cdk.json's context, the
    validation setting.

    `context` adds to (and overrides) those; under the CDK CLI, the CLI's
    context (cdk.json, `-c` keys) arrives through the environment too.
    """
    import aws_cdk as cdk  # noqa: PLC0415 - loading the CDK takes a second: only to synthesize

    app: App = cdk.App(
        context={**app_context(), **(context or {})},
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
    interrupted = _Interrupted()
    _private_tmpdir()
    if "jsii" not in sys.modules:  # before jsii starts its Node (aws_cdk is imported later)
        os.environ["NODE_OPTIONS"] = node_options(os.environ.get("NODE_OPTIONS", ""))
    # At exit, after jsii has stopped its Node (registered before jsii starts).
    atexit.register(interrupted.clean_up, time.time())
    try:
        previous = signal.signal(signal.SIGINT, interrupted.handle)
    except ValueError:  # not the main thread: Ctrl-C is not ours to take
        previous = None
    try:
        code = run_guarded(
            _main,
            report=_report,
            known_failure=lambda exc: interrupted.code() or _validation_failed(exc),
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if code == EXIT_INTERRUPTED:
        interrupted.seen = True
    return EXIT_INTERRUPTED if interrupted.seen else code


def exit_now(code: int) -> NoReturn:
    """End the process with `code` once the exit handlers have run, skipping the interpreter's
    own teardown.

    The handlers are what a normal exit runs (jsii stops its Node and removes its files,
    the temporary folder goes, logging flushes); what is skipped is Python freeing the
    CDK's modules one object at a time: about 0.4 s of every synthesis, for nothing the
    process leaves behind. `app.py` ends this way; `main()` itself returns (tests, the
    benchmark).
    """
    atexit._run_exitfuncs()  # CPython's, stable since 3.0: there is no public equivalent
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


class _Interrupted:
    """Whether Ctrl-C came: jsii's Node, interrupted with it, may fail first (an internal error)."""

    def __init__(self) -> None:
        self.seen = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.seen = True
        # jsii's Node, interrupted too, may be gone when Python shuts down: its process
        # provider's finalizer then meets a closed pipe. Nothing is lost: say nothing.
        sys.unraisablehook = _quiet_broken_pipe
        raise KeyboardInterrupt

    def code(self) -> int | None:
        return EXIT_INTERRUPTED if self.seen else None

    def clean_up(self, since: float) -> None:
        """After Ctrl-C: the locks jsii's Node took and could not release."""
        if self.seen:
            _remove_stale_jsii_locks(since)


def _quiet_broken_pipe(unraisable: sys.UnraisableHookArgs) -> None:
    """After Ctrl-C: a broken pipe to jsii's Node at shutdown is not reported; the rest is."""
    if not isinstance(unraisable.exc_value, BrokenPipeError):
        sys.__unraisablehook__(unraisable)


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
    own_process = "aws_cdk" not in sys.modules  # app.py's, not a test's
    if own_process:
        kernel.install()
        structs.install()
    warm = warmup.start()
    try:
        # While jsii's Node starts and loads the CDK's modules (exosphere_cdk.warmup).
        with imports_uncollected(own_process):
            import exosphere_cdk.manifest.load.eras  # noqa: PLC0415
            import exosphere_cdk.stacks  # noqa: F401, PLC0415

        outdir = output_folder()
        if outdir is None:
            return _synthesize(new_app(), warm)
        with staged_output(outdir) as staging:
            return _synthesize(new_app(outdir=staging), warm)
    finally:
        if warm is not None:
            warm.finish()


@contextlib.contextmanager
def imports_uncollected(own_process: bool) -> Iterator[None]:
    """Python's cyclic garbage collector off while the CDK's bindings are imported (in a
    process of its own), and what they made frozen after: never scanned again.

    The imports make about 190,000 objects (classes, functions, their dicts), none of
    them garbage, for as long as the process lives; the collector would scan them again
    and again as they grow (about 0.05 s of a synthesis of the bundled example). Collection
    is on again for the rest of the synthesis.
    """
    if not own_process:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _synthesize(scope: App, warm: warmup.Warmup | None = None) -> int:
    settings = check_context(scope.node.get_all_context(), cdk_json_context())
    app_dir = settings["app"]
    if app_dir is None:
        print(
            f"{PROGRAM}: no -c app=DIR given: synthesizing the bundled example"
            f" {DEFAULT_APP.relative_to(ROOT)} (deploying it deploys that example)",
            file=sys.stderr,
        )
        app_dir = DEFAULT_APP
    from exosphere_cdk.manifest.load.eras import load_directory  # noqa: PLC0415 - see _main

    try:
        app = load_directory(str(app_dir), settings["env"])
    except ManifestError as exc:
        raise InvalidAppError(app_dir, exc) from None
    write_problems(app.problems)
    check_output_folder(output_folder(), app)
    build(scope, app, protect=not settings["teardown"], packs=settings["packs"])
    if warm is not None:  # its last modules load while the stacks are built, never later
        warm.finish()
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


#: What the CDK CLI keeps in the output folder while the app runs (toolkit-lib's RWLock).
CLI_LOCKS = ("synth.lock", "read.*.lock")


def output_folder() -> Path | None:
    """The cloud assembly's folder the CDK CLI gives (`CDK_OUTDIR`); None: a temporary one."""
    value = os.environ.get("CDK_OUTDIR")
    return Path(value).absolute() if value else None


class OutputFolderError(UsageError):
    """The output folder (`-o`, `CDK_OUTDIR`) cannot be written: a usage error (exit 2)."""


OUTPUT_IN_CONTEXT = (
    "the output folder {outdir} is inside the build context of the service {role},"
    " {context}: CDK copies that folder into the output folder as the image's asset, and"
    " so into itself, until the path is too long; give -o a folder outside it"
)


def check_output_folder(outdir: Path | None, app: LoadedApp) -> None:
    """Refuse an output folder inside a service folder whose image is built from it."""
    if outdir is None:
        return
    resolved = outdir.resolve()
    for service in app.services:
        if service.image.kind != "asset":
            continue
        context = Path(service.image.value)
        if resolved.is_relative_to(context.resolve()):
            raise OutputFolderError(
                OUTPUT_IN_CONTEXT.format(outdir=outdir, role=service.role, context=context)
            )


@contextlib.contextmanager
def staged_output(outdir: Path) -> Iterator[Path]:
    """A new folder beside `outdir` to synthesize into, put in `outdir`'s place on success only.

    A synthesis that fails (an invalid app, a bug, Ctrl-C) leaves `outdir` as it
    was: what it wrote is removed with the staging folder. The CDK CLI's lock
    files in `outdir` are kept.
    """
    if outdir.exists() and not outdir.is_dir():
        raise OutputFolderError(f"{outdir} is not a folder, expected the output folder")
    above = next(p for p in outdir.parents if p.exists() or p == p.parent)
    if not above.is_dir():
        raise OutputFolderError(f"cannot write the output folder {outdir}: {above} is a file")
    try:  # as the CDK and its CLI do, the folders above it are made
        outdir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"cannot write the output folder {outdir}: {_why(exc)}") from None
    for folder in (outdir.parent, outdir):
        if folder.is_dir() and not os.access(folder, os.W_OK):
            raise OutputFolderError(f"cannot write the output folder {outdir}: permission denied")
    try:
        staging = Path(
            tempfile.mkdtemp(prefix=f".{outdir.name}.", suffix=".tmp", dir=outdir.parent)
        )
    except OSError as exc:
        raise OutputFolderError(f"cannot write the output folder {outdir}: {_why(exc)}") from None
    try:
        yield staging
        _replace(outdir, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(outdir: Path, staging: Path) -> None:
    """`outdir` holding what `staging` holds (and the CLI's locks): an OutputFolderError if not."""
    try:
        if not outdir.exists():
            staging.rename(outdir)
            return
        for old in outdir.iterdir():
            if any(old.match(lock) for lock in CLI_LOCKS):
                continue
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            else:
                old.unlink()
        for new in staging.iterdir():
            new.rename(outdir / new.name)
    except OSError as exc:
        raise OutputFolderError(f"cannot write the output folder {outdir}: {_why(exc)}") from None


def _why(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


#: The young generation of jsii's Node, in MiB a semi-space. Node sizes it from the heap
#: limit jsii starts it with (4 GiB): semi-spaces of 64 MiB, 128 MiB of young objects that
#: CDK's short-lived ones do not need. At 8 MiB, a 200-service app's Node peaks about
#: 130 MB lower, for the same CPU time.
NODE_SEMI_SPACE_MIB = 8


def node_options(options: str) -> str:
    """NODE_OPTIONS for jsii's Node: `options` with a young generation of NODE_SEMI_SPACE_MIB
    (unless `options` sets one)."""
    if "--max-semi-space-size" in options:
        return options
    return f"{options} --max-semi-space-size={NODE_SEMI_SPACE_MIB}".strip()


def _private_tmpdir() -> None:
    """A temporary folder for this synthesis and jsii's Node under it, removed at exit.

    jsii's Node keeps its unpacked libraries in `jsii-kernel-*` folders of TMPDIR
    (under app.py, in a slot folder of the kernel's cache: `exosphere_cdk.kernel`,
    which the next synthesis in that slot empties) and removes them when it ends
    normally; interrupted with Ctrl-C it cannot.
    Registered before jsii starts (aws_cdk is imported later), the removal runs
    after jsii has stopped its Node.
    """
    if "jsii" in sys.modules:  # in process (tests, the benchmark): its Node runs already
        return
    try:
        folder = tempfile.mkdtemp(prefix="exo-cdk-synth-")
    except OSError:  # no writable TMPDIR: jsii will say so
        return
    os.environ["TMPDIR"] = folder
    tempfile.tempdir = None  # Python's own temporary files go there too
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def jsii_package_cache() -> Path | None:
    """Where jsii's Node caches the libraries it unpacks (its default), or None when disabled."""
    if os.environ.get("JSII_RUNTIME_PACKAGE_CACHE", "enabled").lower() == "disabled":
        return None
    root = os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT")
    return Path(root) if root else Path.home() / ".cache" / "aws" / "jsii" / "package-cache"


def _remove_stale_jsii_locks(since: float) -> None:
    """The locks of jsii's package cache this run took, when their Node died with Ctrl-C.

    A lock is JSON naming its owner (pid, hostname); jsii breaks a stale one
    itself on its next run. Only locks written since `since`, on this host, by a
    process that is gone, are removed.
    """
    cache = jsii_package_cache()
    if cache is None or not cache.is_dir():
        return
    with contextlib.suppress(OSError):
        for lock in cache.glob("**/*.lock*"):
            if lock.stat().st_mtime >= since - 1 and _owner_gone(lock):
                lock.unlink(missing_ok=True)


def _owner_gone(lock: Path) -> bool:
    try:
        owner = json.loads(lock.read_text())
        owner = owner.get("owner", owner)  # {"pid", "hostname", "token"}, as jsii writes it
        pid, host = int(owner["pid"]), str(owner["hostname"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
