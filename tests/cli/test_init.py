"""`exo-cdk init` and `exo-cdk add-service`: what they print, refuse, and exit with."""

from __future__ import annotations

from pathlib import Path

import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.load.exo_deploy.loader import load_app


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")


def test_init(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "shop"]) == 0
    assert capsys.readouterr().out == (
        "wrote shop/application.yml\n"
        "wrote shop/web/service.yml\n"
        "wrote shop/worker/service.yml\n"
        "next: `exo-cdk validate shop`, `exo-cdk plan shop`, then `exo-cdk deploy shop`"
        " (docs/operations.md)\n"
    )
    assert main(["validate", "shop"]) == 0
    assert capsys.readouterr().out.endswith("valid: 0 errors, 0 warnings, 0 notices\n")


def test_init_with_dockerfiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "shop", "--dockerfile"]) == 0
    assert capsys.readouterr().out.splitlines()[:7] == [
        "wrote shop/application.yml",
        "wrote shop/web/service.yml",
        "wrote shop/web/Dockerfile",
        "wrote shop/web/server.js",
        "wrote shop/worker/service.yml",
        "wrote shop/worker/Dockerfile",
        "wrote shop/worker/server.js",
    ]


def test_init_refuses_to_overwrite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "shop"]) == 0
    capsys.readouterr()
    before = Path("shop/application.yml").read_text()
    assert main(["init", "shop", "--dockerfile"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "",
        "exo-cdk: error: shop/application.yml exists: nothing was written (it is never"
        " overwritten)\n",
    )
    assert Path("shop/application.yml").read_text() == before
    assert not Path("shop/web/Dockerfile").exists()


def test_add_service(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "shop"]) == 0
    capsys.readouterr()
    assert main(["add-service", "shop", "mailer", "--private"]) == 0
    assert capsys.readouterr().out == (
        "wrote shop/application.yml\nwrote shop/mailer/service.yml\n"
    )
    assert main(["add-service", "shop", "api", "--public", "--url", "api.shop.example.com"]) == 0
    assert capsys.readouterr().out == (
        "wrote shop/application.yml\n"
        "wrote shop/api/service.yml\n"
        "shop/api/service.yml:19: production.url: warning: 'api.shop.example.com' has no domain"
        " to live in: no DNS record or certificate is made for it (set"
        " environments.production.domain)\n"
        "valid: 0 errors, 1 warning, 0 notices\n"
    )
    app = load_app(Path("shop"))
    assert [(s.role, s.public) for s in app.services] == [
        ("api", True),
        ("mailer", False),
        ("web", True),
        ("worker", False),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worker", "--private"], "shop has a service worker already"),
        (
            ["api", "--public"],
            "web takes every request already (a public service without production.url): give"
            " api one with --url HOST",
        ),
        (
            ["monitoring", "--private"],
            "service name 'monitoring' is reserved for a stack of the app's own, expected"
            " another name (not dns, exocom, monitoring, network, platform, zone)",
        ),
    ],
)
def test_add_service_refuses(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "shop"]) == 0
    capsys.readouterr()
    assert main(["add-service", "shop", *argv]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"exo-cdk: error: {message}\n")


def test_add_service_needs_a_visibility(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add-service", "shop", "api"]) == 2
    assert "one of the arguments --public --private is required" in capsys.readouterr().err


def test_add_service_to_an_invalid_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "shop"]) == 0
    Path("shop/web/service.yml").write_text("type: web\nmesages: []\n")
    capsys.readouterr()
    assert main(["add-service", "shop", "mailer", "--private"]) == 1
    assert capsys.readouterr().out == (
        "shop/web/service.yml:2: mesages: unknown key 'mesages', did you mean 'messages'?\n"
        "invalid: 1 error, 0 warnings, 0 notices\n"
    )
    assert not Path("shop/mailer").exists()
