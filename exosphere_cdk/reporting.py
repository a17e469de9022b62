"""How problems reach a person: exit codes, the console, one line per problem, the summary.

rich is loaded only when a console is made: `cdk synth` (exosphere_cdk/synth.py)
writes its few lines with `write_problems` and `print`, and never loads it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from exosphere_cdk.manifest.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    ExoCdkError,
    Problem,
    UsageError,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROGRAM",
    "NodeMissingError",
    "console",
    "error_line",
    "internal_error",
    "print_problems",
    "problem_json",
    "report_invalid",
    "report_valid",
    "run_guarded",
    "summary",
    "write_problems",
]

#: The name every message of the project starts with.
PROGRAM = "exo-cdk"

_STYLES = {"error": "red", "warning": "yellow", "notice": "dim"}


def console(*, stderr: bool = False) -> Console:
    """A console for lines that never wrap: piped or captured, it is wide enough for tables."""
    from rich.console import Console  # noqa: PLC0415 - rich only where a console is used

    out = Console(stderr=stderr, highlight=False)
    if not out.is_terminal:
        out.width = max(out.width, 160)
    return out


def problem_json(problem: Problem) -> dict[str, Any]:
    """A problem's JSON shape (`--json` of every command)."""
    return {
        "file": problem.file,
        "line": problem.line,
        "path": problem.path,
        "severity": problem.severity,
        "message": problem.message,
    }


def summary(problems: Sequence[Problem]) -> str:
    """`2 errors, 1 warning, 0 notices`."""
    counts = []
    for severity in ("error", "warning", "notice"):
        n = sum(1 for p in problems if p.severity == severity)
        counts.append(f"{n} {severity}{'' if n == 1 else 's'}")
    return ", ".join(counts)


def print_problems(out: Console, problems: Sequence[Problem]) -> None:
    """Every problem on one line (never wrapped), coloured by severity."""
    from rich.text import Text  # noqa: PLC0415 - rich only where a console is used

    for problem in problems:
        out.print(Text(str(problem), style=_STYLES[problem.severity]), soft_wrap=True)


def write_problems(problems: Sequence[Problem], file: TextIO | None = None) -> None:
    """Every problem on one line, plain (default: on stderr): as `print_problems`, without rich."""
    for problem in problems:
        print(problem, file=sys.stderr if file is None else file)


def report_invalid(
    problems: Sequence[Problem],
    *,
    as_json: bool,
    stderr: bool = False,
    json_fields: dict[str, Any] | None = None,
) -> None:
    """An invalid app: its problems and `invalid: N errors, ...`, or `{"valid": false, ...}`.

    `json_fields` go into the JSON document between `valid` and `problems`.
    """
    if as_json:
        document = {
            "valid": False,
            **(json_fields or {}),
            "problems": [problem_json(p) for p in problems],
        }
        print(json.dumps(document, indent=2))
        return
    from rich.text import Text  # noqa: PLC0415 - rich only where a console is used

    out = console(stderr=stderr)
    print_problems(out, problems)
    out.print(Text(f"invalid: {summary(problems)}", style="bold red"), soft_wrap=True)


def report_valid(problems: Sequence[Problem], out: Console, *, always: bool = False) -> None:
    """A valid app's warnings and notices, then `valid: …` (when there are some, or `always`)."""
    if not problems and not always:
        return
    from rich.text import Text  # noqa: PLC0415 - rich only where a console is used

    print_problems(out, problems)
    out.print(Text(f"valid: {summary(problems)}", style="bold green"), soft_wrap=True)


def error_line(message: str) -> None:
    """`exo-cdk: error: <message>` on stderr, one line."""
    from rich.text import Text  # noqa: PLC0415 - rich only where a console is used

    console(stderr=True).print(Text(f"{PROGRAM}: error: {message}"), soft_wrap=True, markup=False)


def internal_error(exc: BaseException) -> None:
    """A bug: one line on stderr asking for a report (the exit code is EXIT_INTERNAL)."""
    print(
        f"{PROGRAM}: internal error: {type(exc).__name__}: {exc} (a bug in exosphere-cdk:"
        " please report it with the command you ran)",
        file=sys.stderr,
    )


def _quiet_stdout() -> None:
    """After a broken pipe (`exo-cdk validate --json | head`): no second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass


class NodeMissingError(UsageError):
    """jsii's Node (JSII_NODE, else `node` on PATH) cannot be started: a setup problem (exit 2)."""


def jsii_node() -> str:
    """The Node jsii starts: JSII_NODE, else `node` on PATH (as jsii's process provider)."""
    return os.environ.get("JSII_NODE", "node")


def node_missing(exc: OSError) -> NodeMissingError | None:
    """The error to report when `exc` is jsii failing to start its Node, else None."""
    if exc.filename != jsii_node():
        return None
    why = (exc.strerror or type(exc).__name__).lower()
    return NodeMissingError(
        f"cannot start Node.js for the CDK: {jsii_node()}: {why}"
        " (JSII_NODE, else node on PATH; scripts/setup installs the pinned Node,"
        " which `npx cdk` puts first on PATH)"
    )


def _quiet_unstarted_node(unraisable: sys.UnraisableHookArgs) -> None:
    """jsii's process provider whose Node never started fails again when it is collected
    (`_NodeProcess.__del__`): nothing is lost, and the error was reported once."""
    if not (
        isinstance(unraisable.exc_value, AttributeError)
        and "_NodeProcess" in getattr(unraisable.object, "__qualname__", "")
    ):
        sys.__unraisablehook__(unraisable)


def run_guarded(
    run: Callable[[], int],
    *,
    report: Callable[[ExoCdkError], None],
    known_failure: Callable[[Exception], int | None] | None = None,
) -> int:
    """`run()`'s exit code; the one place exceptions become exit codes, for both entry points.

    An ExoCdkError is a user's problem: `report` says it, and its `exit_code`
    ends the run; so is a Node that jsii cannot start (NodeMissingError). A
    broken pipe ends quietly (0), Ctrl-C with 130. Anything else is a bug,
    unless `known_failure` gives its exit code (having said what happened):
    one line asking for a report, EXIT_INTERNAL.
    """
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unstarted_node
    try:  # the hook holds until the failed exception, and the provider with it, are gone
        return _exit_code(run, report, known_failure)
    finally:
        if sys.unraisablehook is _quiet_unstarted_node:  # Ctrl-C may have set its own
            sys.unraisablehook = previous_hook


def _exit_code(
    run: Callable[[], int],
    report: Callable[[ExoCdkError], None],
    known_failure: Callable[[Exception], int | None] | None,
) -> int:
    try:
        return run()
    except ExoCdkError as exc:
        report(exc)
        return exc.exit_code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        missing = node_missing(exc) if isinstance(exc, OSError) else None
        if missing is not None:
            report(missing)
            return missing.exit_code
        code = known_failure(exc) if known_failure is not None else None
        if code is not None:
            return code
        internal_error(exc)
        return EXIT_INTERNAL
