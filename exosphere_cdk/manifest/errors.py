"""Problems found in manifests: one line each, all of a run reported together."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Literal

from attrs import frozen

#: Every entry point's exit codes (the command line and `cdk synth`).
EXIT_OK = 0
#: Invalid manifests, or a check that found something (guard, plan).
EXIT_INVALID = 1
#: A wrong invocation: bad arguments, no such folder, an unusable output path, AWS unreachable.
EXIT_USAGE = 2
#: A bug in exosphere-cdk (never a user's mistake).
EXIT_INTERNAL = 70
#: Interrupted (Ctrl-C).
EXIT_INTERRUPTED = 130


class ExoCdkError(Exception):
    """What exosphere-cdk tells a person instead of a traceback: its message and exit code.

    Every error meant for the user derives from it; the entry points
    (`exosphere_cdk.reporting.run_guarded`) turn it into its lines and
    `exit_code`, and anything else into an internal error (EXIT_INTERNAL).
    """

    #: The process's exit code when this error ends it.
    exit_code: ClassVar[int] = EXIT_USAGE


class UsageError(ExoCdkError):
    """A wrong invocation (exit 2): an argument, a path or a setting the command cannot use."""


Severity = Literal["error", "warning", "notice"]

#: A key path inside one YAML document: mapping keys and list indexes.
KeyPath = tuple[str | int, ...]


@frozen
class Problem:
    """One problem of one manifest file, printed as one line."""

    #: The file as the user should read it (relative to the working folder when possible).
    file: str
    #: Dotted key path (`production.aws.cpu`, `messages.sends[2]`); empty for the whole file.
    path: str
    #: What was found and what was expected.
    message: str
    severity: Severity = "error"
    #: 1-based line of the key in the file, when known.
    line: int | None = None
    #: The service it was found for, when two roles may share the file (not printed).
    role: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        label = "" if self.severity == "error" else f"{self.severity}: "
        return one_line(f"{': '.join(parts)}: {label}{self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def one_line(text: str) -> str:
    """`text` with line breaks and other unprintable characters escaped (`\\x1c`, `\\u2028`)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


class ManifestError(ExoCdkError):
    """Invalid manifests: every problem of the run (errors first, then warnings and notices)."""

    exit_code: ClassVar[int] = EXIT_INVALID

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = sort_problems(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


_SEVERITY_ORDER: Mapping[str, int] = {"error": 0, "warning": 1, "notice": 2}


def sort_problems(problems: Iterable[Problem], files: Sequence[str] = ()) -> tuple[Problem, ...]:
    """Errors, then warnings, then notices; within each, by file (in the order of
    `files`, then in the order they first appear) and line."""
    listed = list(problems)
    file_order: dict[str, int] = {file: i for i, file in enumerate(files)}
    for problem in listed:
        file_order.setdefault(problem.file, len(file_order))
    return tuple(
        sorted(
            listed,
            key=lambda p: (_SEVERITY_ORDER[p.severity], file_order[p.file], p.line or 0),
        )
    )


def display_path(path: Path) -> str:
    """`path` relative to the working folder when it is inside it, else absolute.

    `..` is resolved first, so that every file of an app outside the working
    folder reads the same way (absolute), whichever way it was reached.
    """
    absolute = Path(os.path.normpath(path.absolute()))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def dotted(path: KeyPath) -> str:
    """`("services", "public", "web")` -> `services.public.web`; indexes as `[2]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """The closest of `choices` to `word`, when one is close enough."""
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_key_message(key: str, valid: Sequence[str]) -> str:
    """`unknown key 'mesages', did you mean 'messages'?` (or the list of valid keys)."""
    guess = did_you_mean(key, valid)
    if guess is not None:
        return f"unknown key '{key}', did you mean '{guess}'?"
    return f"unknown key '{key}', expected one of: {', '.join(sorted(valid))}"


class AppFolderError(UsageError):
    """APP_DIR names no folder: a usage error (exit 2), not an invalid manifest."""
