"""`exo-cdk validate`: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.cli import main

REPO = Path(__file__).parents[2]
HELLO = REPO / "manifests" / "hello"

MakeApp = Callable[[Mapping[str, Any] | None], Path]


def test_valid_app_prints_services_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(HELLO)]) == 0
    out = capsys.readouterr().out
    assert "hello: 2 services (environment production)" in out
    assert "greeter" in out
    assert "exosphere-cdk-examples/hello-web" in out
    assert "hello.example.com" in out
    assert "manifests read as: exo-deploy era (Exosphere 0.21-0.22)" in out.splitlines()
    assert out.rstrip().endswith("valid: 0 errors, 0 warnings, 0 notices")


def test_warnings_are_printed_and_still_exit_0(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app({"web/service.yml": {"messages": {"sends": ["users.list", "users.lost"]}}})
    assert main(["validate", str(app)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        "app/web/service.yml:6: messages.sends[1]: warning: 'users.lost': no service receives it"
        in out
    )
    assert out[-1] == "valid: 0 errors, 1 warning, 0 notices"


def test_invalid_app_prints_one_line_per_problem_and_exits_1(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app({"web/service.yml": {"mesages": {}, "production": {"aws": {"cpu": "lots"}}}})
    assert main(["validate", str(app)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "app/web/service.yml:12: production.aws.cpu: invalid value 'lots', expected an integer",
        "app/web/service.yml:13: mesages: unknown key 'mesages', did you mean 'messages'?",
        "invalid: 2 errors, 0 warnings, 0 notices",
    ]


def test_json_output(make_app: MakeApp, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(make_app(None)), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is True
    assert document["era"] == "exo-deploy"
    assert document["slug"] == "demo"
    assert document["services"][1] == {
        "role": "web",
        "public": True,
        "image": {"kind": "registry", "value": "demo/web"},
        "namespace": None,
        "receives": ["users.listed"],
        "sends": ["users.list"],
        "url": "demo.example.com",
    }
    assert document["problems"] == []


def test_json_output_of_an_invalid_app(
    make_app: MakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app({"web/service.yml": {"production": {"aws": {"cpu": 0}}}})
    assert main(["validate", str(app), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "valid": False,
        "services": [],
        "problems": [
            {
                "file": "app/web/service.yml",
                "line": 12,
                "path": "production.aws.cpu",
                "severity": "error",
                "message": "invalid value 0, expected 1 to 16384 CPU units (1024 = 1 vCPU)",
            }
        ],
    }


def test_no_such_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"exo-cdk: error: no such folder: {tmp_path / 'nope'}\n"


def test_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("")
    assert main(["validate", str(tmp_path / "f")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_folder_without_application_yml_is_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert main(["validate", "empty"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "empty/application.yml: file not found, expected the app's manifest"
    )


@pytest.mark.parametrize("argv", [["validate"], ["frobnicate", "x"], ["validate", "a", "--bogus"]])
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: exo-cdk" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out


def test_without_a_command_the_help_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: exo-cdk")
    for command in ("validate", "plan", "graph", "cost", "schema", "guard"):
        assert command in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"exo-cdk {version('exosphere-cdk')}\n"


def test_an_unexpected_exception_is_one_line_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("exosphere_cdk.cli.common.load_directory", boom)
    assert main(["validate", str(HELLO)]) == 70
    assert capsys.readouterr().err == (
        "exo-cdk: internal error: RuntimeError: boom (a bug in exosphere-cdk:"
        " please report it with the command you ran)\n"
    )


def test_the_installed_exo_cdk_script() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "exo-cdk"), "validate", str(HELLO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "valid: 0 errors, 0 warnings, 0 notices" in result.stdout


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exosphere_cdk", "validate", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 2
    assert result.stderr == f"exo-cdk: error: no such folder: {tmp_path / 'nope'}\n"
    assert "Traceback" not in result.stderr
