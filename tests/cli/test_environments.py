"""Environments on the command line: the account pin against moto, `local` refused, staging."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID

from exosphere_cdk import synth
from exosphere_cdk.cli import main
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.load.eras import load_app, load_directory
from tests import moto_app
from tests.apps import AppFactory
from tests.conftest import REPO

OTHER_ACCOUNT = "210987654321"
#: The BASE app with staging in moto's account and production pinned to another.
PINNED = {
    "application.yml": {
        "environments": {
            "local": None,
            "production": {
                "domain": "demo.example.com",
                "providers": {"aws": {"region": "us-east-1", "account-id": OTHER_ACCOUNT}},
            },
            "staging": {
                "domain": "staging.demo.example.com",
                "providers": {"aws": {"region": "us-east-1", "account-id": DEFAULT_ACCOUNT_ID}},
            },
        }
    }
}
REFUSED = (
    "exo-cdk: error: the credentials are of account 123456789012, environment production is"
    " pinned to account 210987654321"
    " (environments.production.providers.aws.account-id): use credentials of that account"
    " (--profile)\n"
)
LOCAL = (
    "exo-cdk: error: environment 'local' is Exosphere's development environment (exo run, on"
    " a developer's machine) and is never deployed: expected another environment of"
    " application.yml (default: production)\n"
)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.Session()


@pytest.mark.parametrize(
    "command",
    [
        ["status", "{app}"],
        ["logs", "{app}", "web"],
        ["remove", "{app}"],
        ["remove", "{app}", "--yes"],
    ],
    ids=["status", "logs", "remove", "remove-yes"],
)
def test_a_pinned_environment_refuses_another_accounts_credentials(
    command: list[str],
    make_app: AppFactory,
    session: boto3.Session,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = str(make_app(PINNED))
    assert main([word.format(app=app) for word in command]) == 2
    assert capsys.readouterr() == ("", REFUSED)


def test_the_environment_pinned_to_the_credentials_account_is_read(
    make_app: AppFactory,
    session: boto3.Session,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = make_app(PINNED)
    moto_app.deploy(load_directory(app, "staging"), session, monkeypatch=monkeypatch)
    assert main(["status", str(app), "--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert "│ demo-staging-network    │ CREATE_COMPLETE │" in out
    assert "3 of 3 services steady" in out
    # production's stacks are other stacks: not deployed, in its own account
    assert main(["remove", str(app), "--env", "staging"]) == 0


@pytest.mark.parametrize("command", ["validate", "plan", "cost", "graph", "status", "remove"])
def test_local_is_not_deployable(
    command: str, make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app = str(make_app(PINNED))
    assert main([command, app, "--env", "local"]) == 2
    assert capsys.readouterr() == ("", LOCAL)


def test_local_is_refused_even_when_the_app_has_none(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^environment 'local' is Exosphere's"):
        load_app(REPO / "manifests" / "hello", "local")


def test_cdk_synth_refuses_local_in_one_line(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # as `cdk synth -c app=DIR -c env=local` runs app.py (the CLI's context is the App's)
    context = {"app": str(make_app(PINNED).absolute()), "env": "local"}
    new_app = synth.new_app
    monkeypatch.setattr(synth, "new_app", lambda: new_app(context=context))
    assert synth.main() == 2
    assert capsys.readouterr() == ("", LOCAL)
