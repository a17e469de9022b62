"""Usage errors and a closed stdout end quietly: one line (or none), never an internal error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exosphere_cdk.cli import main
from tests.conftest import EXAMPLES, REPO

EXO_CDK = [sys.executable, "-m", "exosphere_cdk"]


def test_validate_json_into_head_ends_quietly() -> None:
    command = f"{' '.join(EXO_CDK)} validate --json {EXAMPLES['shop']} | head -c 10"
    result = subprocess.run(
        ["bash", "-c", command + "; exit ${PIPESTATUS[0]}"],
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == b'{\n  "valid'


@pytest.mark.parametrize("command", ["validate", "plan", "graph", "cost"])
def test_a_stdout_closed_before_the_output_ends_quietly(command: str) -> None:
    with subprocess.Popen(
        [*EXO_CDK, command, "--json", str(EXAMPLES["shop"])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # before the program has written anything
        stderr = process.stderr.read()
        assert (process.wait(timeout=120), stderr) == (0, b"")


def test_graph_into_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["graph", str(EXAMPLES["shop"]), "-o", "missing-folder/x.svg"]) == 2
    assert capsys.readouterr().err == (
        "exo-cdk: error: no such folder: missing-folder (for missing-folder/x.svg)\n"
    )
    assert not (tmp_path / "missing-folder").exists()


def test_graph_into_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    assert main(["graph", str(EXAMPLES["shop"]), "-o", "out"]) == 2
    assert capsys.readouterr().err == "exo-cdk: error: out is a folder, expected a file name\n"


def test_schema_into_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing-file").write_text("mine\n")
    assert main(["schema", "--output", "existing-file"]) == 2
    assert capsys.readouterr().err == ("exo-cdk: error: existing-file exists and is not a folder\n")
    assert (tmp_path / "existing-file").read_text() == "mine\n"


def test_schema_into_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["schema", "--output", "missing-folder/schemas"]) == 2
    assert capsys.readouterr().err == (
        "exo-cdk: error: no such folder: missing-folder (for missing-folder/schemas)\n"
    )


@pytest.mark.parametrize("command", ["validate", "plan", "graph", "cost"])
def test_an_unreadable_app_folder_name_is_a_usage_error(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "a" * 6000
    assert main([command, name]) == 2
    assert capsys.readouterr().err == (
        f"exo-cdk: error: cannot read the folder {name}: file name too long\n"
    )


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """`folder` may not be written into, as without its w permission (the tests run as root)."""
    access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: Path(path).absolute() != folder and access(path, mode),
    )


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["graph", str(EXAMPLES["shop"]), "-o", "ro/x.svg"], "ro/x.svg"),
        (["schema", "--output", "ro/schemas"], "ro/schemas"),
        (["schema", "--output", "ro"], "ro"),
    ],
    ids=["graph", "schema-new-folder", "schema-existing-folder"],
)
def test_an_output_path_in_a_read_only_folder_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    shown: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    _read_only(monkeypatch, tmp_path / "ro")
    assert main(args) == 2
    assert capsys.readouterr().err == f"exo-cdk: error: cannot write {shown}: permission denied\n"
    assert list((tmp_path / "ro").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["graph", str(EXAMPLES["shop"]), "-o", "x.svg"], "x.svg"),
        (["schema", "--output", "schemas"], "schemas/application.schema.json"),
    ],
    ids=["graph", "schema"],
)
def test_an_output_path_on_a_read_only_file_system_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    shown: str,
) -> None:
    monkeypatch.chdir(tmp_path)

    def read_only(self: Path, data: bytes) -> int:
        raise OSError(30, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "write_bytes", read_only)
    assert main(args) == 2
    assert (
        capsys.readouterr().err == f"exo-cdk: error: cannot write {shown}: read-only file system\n"
    )
