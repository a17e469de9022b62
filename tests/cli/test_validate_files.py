"""`exo-cdk validate` names what it found where a folder or a file was expected (issue 19)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.cli import main

MakeApp = Callable[[Mapping[str, Any] | None], Path]
LOCATION = "app/application.yml:14: services.private.users.location"


def _validate(app: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["validate", str(app)])
    return code, capsys.readouterr().out.splitlines()


def test_a_location_naming_a_file_says_so(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(None)
    shutil.rmtree(app / "users")
    (app / "users").write_text("not a folder\n")
    assert _validate(app, capsys) == (
        1,
        [
            f"{LOCATION}: './users' is a file, expected a service folder at app/users",
            "invalid: 1 error, 0 warnings, 0 notices",
        ],
    )


def test_a_location_naming_a_fifo_says_so(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(None)
    shutil.rmtree(app / "users")
    os.mkfifo(app / "users")
    assert _validate(app, capsys)[1][0] == (
        f"{LOCATION}: './users' is a FIFO, expected a service folder at app/users"
    )


def test_a_missing_location_is_still_not_found(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(None)
    shutil.rmtree(app / "users")
    assert _validate(app, capsys)[1][0] == (
        f"{LOCATION}: folder './users' not found, expected a service folder at app/users"
    )


@pytest.mark.parametrize(
    ("make", "kind"),
    [(lambda p: p.mkdir(), "a folder"), (os.mkfifo, "a FIFO")],
    ids=["folder", "fifo"],
)
def test_a_service_yml_that_is_not_a_file_says_what_it_is(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str], make: Callable[[Path], None], kind: str
) -> None:
    app = make_app(None)
    (app / "users" / "service.yml").unlink()
    make(app / "users" / "service.yml")
    assert _validate(app, capsys) == (
        1,
        [
            f"{LOCATION}: service.yml in './users' is {kind}, expected a file at"
            " app/users/service.yml",
            "invalid: 1 error, 0 warnings, 0 notices",
        ],
    )


@pytest.mark.parametrize(
    ("make", "kind"),
    [(lambda p: p.mkdir(), "a folder"), (os.mkfifo, "a FIFO")],
    ids=["folder", "fifo"],
)
def test_an_application_yml_that_is_not_a_file_says_what_it_is(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str], make: Callable[[Path], None], kind: str
) -> None:
    app = make_app(None)
    (app / "application.yml").unlink()
    make(app / "application.yml")
    assert _validate(app, capsys) == (
        1,
        [
            f"app/application.yml: is {kind}, expected the app's manifest (a file)",
            "invalid: 1 error, 0 warnings, 0 notices",
        ],
    )


def _denied_under(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking into `folder` fails as for a non-root user without its x permission."""
    is_file = Path.is_file

    def denied(self: Path) -> bool:
        if self.parent == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return is_file(self)

    monkeypatch.setattr(Path, "is_file", denied)


def test_an_unreadable_service_folder_exits_1_with_one_line(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(None)
    _denied_under((app / "users").absolute(), monkeypatch)
    assert _validate(app, capsys) == (
        1,
        [
            f"{LOCATION}: cannot read the folder './users' (permission denied), expected a"
            " readable service folder",
            "invalid: 1 error, 0 warnings, 0 notices",
        ],
    )


def test_an_unreadable_app_folder_exits_1_with_one_line(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(None)
    _denied_under(app.absolute(), monkeypatch)
    assert _validate(app, capsys) == (
        1,
        [
            "app/application.yml: cannot read the app's folder (permission denied), expected a"
            " readable folder",
            "invalid: 1 error, 0 warnings, 0 notices",
        ],
    )


BUILD_CONTEXT = "expected a file, a folder or a symbolic link in the image's build context"


@pytest.mark.parametrize("command", ["validate", "plan", "graph", "cost"])
def test_a_build_context_problem_reads_the_same_in_every_command(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str], command: str, tmp_path: Path
) -> None:
    app = make_app({"users/Dockerfile": "FROM node:20\n"})
    os.mkfifo(app / "users" / "pipe")
    (tmp_path / "outside").write_text("secret\n")
    os.link(tmp_path / "outside", app / "users" / "linked")
    assert main([command, str(app)]) == 1
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert lines[:2] == [
        "app/users/linked: a hard link with 2 names, 1 of them in the application folder,"
        " expected a file whose every name is inside it (another name may lie outside the app"
        " folder, and the content would be packaged into the image: copy the file instead)"
        " (or list it in .dockerignore)",
        f"app/users/pipe: is a FIFO, {BUILD_CONTEXT} (or list it in .dockerignore)",
    ]
