"""One error model: every user-facing error has its exit code; one guard for both entry points."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import exosphere_cdk
from exosphere_cdk.manifest.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    AppFolderError,
    ExoCdkError,
    ManifestError,
    Problem,
    UsageError,
)
from exosphere_cdk.reporting import NodeMissingError, run_guarded

#: Exceptions that never reach a person: each is caught inside its module.
INTERNAL = {
    "exosphere_cdk.manifest.load.yaml_io._LimitError",
    "exosphere_cdk.manifest.load.converter.InvalidValueError",
}


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(exosphere_cdk.__path__, "exosphere_cdk."):
        if info.name == "exosphere_cdk.__main__":
            continue  # runs the command line when imported
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                found.append(cls)
    return found


def test_every_error_of_the_project_is_an_exocdk_error() -> None:
    classes = _exception_classes()
    assert len(classes) >= 15
    for cls in classes:
        name = f"{cls.__module__}.{cls.__qualname__}"
        if name in INTERNAL:
            continue
        assert issubclass(cls, ExoCdkError), name
        assert cls.exit_code in (EXIT_INVALID, EXIT_USAGE), name


def test_exit_codes_by_kind() -> None:
    assert ManifestError([Problem("a.yml", "", "x")]).exit_code == EXIT_INVALID
    assert AppFolderError("no such folder: x").exit_code == EXIT_USAGE
    assert UsageError("x").exit_code == EXIT_USAGE


def test_the_guard_turns_errors_into_exit_codes() -> None:
    said: list[str] = []

    def fail(exc: BaseException) -> int:
        def run() -> int:
            raise exc

        return run_guarded(run, report=lambda e: said.append(str(e)))

    assert run_guarded(lambda: 0, report=lambda e: said.append(str(e))) == EXIT_OK
    assert fail(UsageError("bad path")) == EXIT_USAGE
    assert fail(ManifestError([Problem("a.yml", "k", "wrong")])) == EXIT_INVALID
    assert said == ["bad path", "a.yml: k: wrong"]
    assert fail(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert said == ["bad path", "a.yml: k: wrong"]


def test_anything_else_is_an_internal_error(capsys: pytest.CaptureFixture[str]) -> None:
    def run() -> int:
        raise KeyError("boom")

    assert run_guarded(run, report=lambda e: None) == EXIT_INTERNAL
    assert capsys.readouterr().err == (
        "exo-cdk: internal error: KeyError: 'boom' (a bug in exosphere-cdk: please report it"
        " with the command you ran)\n"
    )
    # unless the entry point knows the failure and its exit code
    assert run_guarded(run, report=lambda e: None, known_failure=lambda e: 5) == 5
    assert run_guarded(run, report=lambda e: None, known_failure=lambda e: None) == EXIT_INTERNAL


def test_a_node_jsii_cannot_start_is_a_usage_error_and_any_other_os_error_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JSII_NODE", "/opt/no-node")
    said: list[ExoCdkError] = []

    def starting(filename: str) -> int:
        def run() -> int:
            raise FileNotFoundError(2, "No such file or directory", filename)

        return run_guarded(run, report=said.append)

    assert starting("/opt/no-node") == EXIT_USAGE
    assert [type(e) for e in said] == [NodeMissingError]
    assert str(said[0]).startswith(
        "cannot start Node.js for the CDK: /opt/no-node: no such file or directory (JSII_NODE"
    )
    assert starting("/etc/app.yml") == EXIT_INTERNAL  # not the Node: a bug, as before
    assert len(said) == 1
    assert "internal error: FileNotFoundError" in capsys.readouterr().err


def test_the_guard_quiets_only_a_never_started_providers_collection() -> None:
    import sys  # noqa: PLC0415

    seen: list[str] = []

    class _NodeProcess:  # the name of jsii's process provider
        def __del__(self) -> None:
            seen.append("collected")
            raise AttributeError("'_NodeProcess' object has no attribute '_process'")

    reported: list[object] = []
    before = sys.unraisablehook

    class Other:
        def __del__(self) -> None:
            raise AttributeError("another object's failure")

    def run() -> int:
        _NodeProcess()  # collected at once, under the guard's hook
        Other()
        return 0

    def default(unraisable: sys.UnraisableHookArgs) -> None:
        reported.append(unraisable.exc_value)

    sys.__unraisablehook__, saved = default, sys.__unraisablehook__
    try:
        assert run_guarded(run, report=lambda e: None) == EXIT_OK
    finally:
        sys.__unraisablehook__ = saved
    assert seen == ["collected"]
    assert [str(e) for e in reported] == ["another object's failure"]  # the rest is said
    assert sys.unraisablehook is before  # put back after the run
