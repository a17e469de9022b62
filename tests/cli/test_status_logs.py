"""`exo-cdk status` and `exo-cdk logs` against moto: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.load.eras import load_app, load_directory
from tests import moto_app
from tests.apps import IMPORTED_CERTIFICATE, AppFactory
from tests.conftest import EXAMPLES, REPO
from tests.ops.test_status import DATA_ADVICE, without_its_database

HELLO = str(EXAMPLES["hello"])


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.Session()


@pytest.fixture
def deployed(session: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    moto_app.deploy(load_directory(HELLO, "production"), session, monkeypatch=monkeypatch)
    return session


def test_status_of_a_failed_deployment(
    deployed: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = moto_app.healthy_target(deployed, "hello-web")
    name = moto_app.fail_deployment(deployed, "hello-greeter")
    assert main(["status", HELLO, "--events", "2"]) == 0
    out = capsys.readouterr().out
    assert "│ hello-network    │ CREATE_COMPLETE │" in out
    assert "│ hello-monitoring │ CREATE_COMPLETE │" in out
    assert "│ exocom  │       1 │       1 │       0 │ COMPLETED │ -         │" in out
    assert "│ greeter │       1 │       0 │       0 │ FAILED    │ -         │" in out
    assert "│ web     │       1 │       1 │       0 │ COMPLETED │ 1 healthy │" in out
    assert out.endswith(
        "greeter: ECS deployment circuit breaker: tasks failed to start.\n"
        f"  2026-11-30 09:12:00 {moto_app.CIRCUIT_BREAKER.format(service=name)}\n"
        f"  2026-11-30 09:06:00 {moto_app.UNABLE_TO_PLACE.format(service=name)}\n"
        "2 of 3 services steady\n"
    )
    assert main(["status", HELLO, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["slug"], document["region"]) == ("hello", "us-east-1")
    greeter = document["services"][1]
    assert (greeter["role"], greeter["rollout"], greeter["steady"]) == ("greeter", "FAILED", False)
    assert greeter["events"][1]["message"] == moto_app.UNABLE_TO_PLACE.format(service=name)
    assert document["services"][2]["targets"] == [
        {"target": f"{instance}:32768", "state": "healthy", "reason": None, "description": None}
    ]


def test_status_names_a_stack_the_manifest_no_longer_makes(
    session: boto3.Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    moto_app.deploy(
        load_app(REPO / "manifests" / "go-f5", "staging"), session, monkeypatch=monkeypatch
    )
    app_dir = str(without_its_database(tmp_path))
    assert main(["status", app_dir, "--env", "staging"]) == 0
    lines = capsys.readouterr().out.splitlines()
    line = (
        "go-notes-staging-data (CREATE_COMPLETE) is deployed but the manifest no longer makes"
        f" it: {DATA_ADVICE}"
    )
    # Under the stacks table, which does not list it.
    assert lines[lines.index(line) - 1].startswith("└")
    assert not any("│ go-notes-staging-data" in row for row in lines)


def test_status_of_an_app_not_deployed(
    session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", HELLO]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "",
        "exo-cdk: error: stack hello-network is not deployed in us-east-1\n",
    )


@pytest.mark.parametrize("command", [["status", HELLO], ["logs", HELLO, "web"]])
def test_without_credentials(
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    assert main(command) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "",
        "exo-cdk: error: no AWS credentials: none found in the environment, the shared files"
        " or the instance role (set AWS_PROFILE, or run `aws configure`)\n",
    )


def test_an_unknown_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    assert main(["status", HELLO, "--profile", "prod"]) == 2
    assert capsys.readouterr().err == (
        "exo-cdk: error: no AWS credentials: The config profile (prod) could not be found\n"
    )


def _put(session: boto3.Session, *messages: str) -> None:
    group = moto_app.stack_resource(session, "hello-web", "AWS::Logs::LogGroup")
    logs = session.client("logs", region_name=moto_app.REGION)
    stream = "web/web/0a1b2c3d"
    if not logs.describe_log_streams(logGroupName=group)["logStreams"]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000) - 1000
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)],
    )


def test_logs(deployed: boto3.Session, capsys: pytest.CaptureFixture[str]) -> None:
    _put(deployed, "web listening on 3000", "ERROR exocom unreachable")
    assert main(["logs", HELLO, "web", "--since", "5m"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "web/web/0a1b2c3d web listening on 3000",
        "web/web/0a1b2c3d ERROR exocom unreachable",
    ]
    assert main(["logs", HELLO, "web", "--filter", "ERROR", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["message"] == "ERROR exocom unreachable"


def test_logs_follow_ends_quietly_on_ctrl_c(
    deployed: boto3.Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _put(deployed, "web listening on 3000")
    polls: list[float] = []

    def sleep(seconds: float) -> None:  # Ctrl-C while waiting for the third poll
        polls.append(seconds)
        if len(polls) == 1:
            _put(deployed, "GET / 200")
        elif len(polls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", sleep)
    assert main(["logs", HELLO, "web", "--follow"]) == 130
    captured = capsys.readouterr()
    assert [line.rsplit(" ", 3)[-3:] for line in captured.out.splitlines()] == [
        ["listening", "on", "3000"],
        ["GET", "/", "200"],
    ]
    assert captured.err == ""
    assert polls == [2.0, 2.0]


def test_logs_errors(deployed: boto3.Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", HELLO, "greter"]) == 2
    assert capsys.readouterr().err == (
        "exo-cdk: error: hello has no service greter: did you mean greeter?"
        " (services: greeter, web; exocom for ExoCom's logs)\n"
    )
    assert main(["logs", HELLO, "web", "--since", "10 minutes"]) == 2
    assert capsys.readouterr().err.endswith(
        "exo-cdk logs: error: argument --since: '10 minutes' is not a duration:"
        " a number and a unit, s, m, h, d or w (e.g. 10m)\n"
    )


def test_status_shows_a_stack_without_resources_as_nothing_to_deploy(
    session: boto3.Session,
    monkeypatch: pytest.MonkeyPatch,
    make_app: AppFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an app that gives its certificate (as every Go-era app does): no dns stack
    app = make_app(IMPORTED_CERTIFICATE)
    moto_app.deploy(load_app(app), session, monkeypatch=monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["status", str(app)]) == 0
    out = capsys.readouterr().out
    assert (
        "│ demo-dns        │ nothing to deploy │ not synthesized: it would hold no resource (the"
        " certificate is an existing one, imported by demo-platform)"
    ) in out
    assert "│ demo-zone       │ CREATE_COMPLETE   │" in out
    assert "│ demo-network    │ CREATE_COMPLETE   │" in out
    assert out.endswith("3 of 3 services steady\n")
