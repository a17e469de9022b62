"""All four tools report invalid apps exactly like `exo-cdk validate`."""

from __future__ import annotations

import pytest

from exosphere_cdk.cli import main
from tests.apps import AppFactory

INVALID = {"web/service.yml": {"mesages": {"sends": ["x"]}, "production": {"aws": {"cpu": "lots"}}}}


@pytest.mark.parametrize("command", ["plan", "graph", "cost"])
def test_invalid_app_reported_like_validate(
    command: str, make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app = str(make_app(INVALID))
    assert main(["validate", app]) == 1
    expected = capsys.readouterr().out
    assert expected.endswith("invalid: 2 errors, 0 warnings, 0 notices\n")
    assert main([command, app]) == 1
    captured = capsys.readouterr()
    # graph's stdout is the picture: its problems go to stderr
    assert (captured.err if command == "graph" else captured.out) == expected


@pytest.mark.parametrize("command", ["plan", "graph", "cost"])
def test_no_such_folder(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "no/such/app"]) == 2
    assert capsys.readouterr().err == "exo-cdk: error: no such folder: no/such/app\n"


def test_help_lists_the_tools(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("plan", "graph", "cost", "schema"):
        assert command in out
