"""Environments on the command line: the account pin against moto, `local` refused, staging."""

from __future__ import annotations

import json
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
    assert "demo-staging: stacks in us-east-1" in out
    assert "│ demo-staging-network    │ CREATE_COMPLETE │" in out
    assert "3 of 3 services steady" in out
    assert main(["status", str(app), "--env", "staging", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["env"] == "staging"
    assert main(["remove", str(app), "--env", "staging"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        # the zone stack of DNS first (issue 17, item 4) makes it 8
        "8 of the app's stacks still exist: `cdk destroy --all` first (`remove --yes` refuses"
        " until then)"
    )


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


def test_remove_names_the_environment_in_its_hint(
    make_app: AppFactory, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    app = str(make_app(PINNED))
    logs = session.client("logs", region_name=moto_app.REGION)
    tags = {"exosphere:app": "demo", "exosphere:env": "staging"}
    logs.create_log_group(logGroupName="demo-staging-web-ServiceLogs-AbCdEf", tags=tags)
    logs.create_log_group(
        logGroupName="demo-web-ServiceLogs-AbCdEf", tags={"exosphere:app": "demo"}
    )
    assert main(["remove", app, "--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert "demo-staging in us-east-1: what `remove --yes` would delete" in out
    assert "demo-staging-web-ServiceLogs-AbCdEf" in out
    assert "demo-web-ServiceLogs-AbCdEf" not in out
    assert out.splitlines()[-1] == (
        f"nothing was deleted: `exo-cdk remove {app} --env staging --yes` deletes these"
    )


def test_plan_of_staging_shows_its_stacks_and_exocom(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(make_app(PINNED)), "--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("demo: 8 stacks (environment staging)\n")
    assert "├── demo-staging-exocom " in out
    assert "ExoCom originate/exocom:0.21.8 at exocom.demo-staging.internal:3100" in out
