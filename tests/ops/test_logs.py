"""exo-cdk logs's data: a role's log group from its stack, its events from moto's CloudWatch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from exosphere_cdk.manifest.load.eras import load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import NotDeployedError
from exosphere_cdk.ops.logs import (
    LogSource,
    UnknownRoleError,
    events,
    follow,
    log_source,
    parse_duration,
)
from tests import moto_app
from tests.conftest import EXAMPLES

#: A minute ago, in ms since the epoch (CloudWatch Logs refuses events older than 14 days).
T0 = int(time.time() * 1000) - 60_000


@pytest.fixture
def hello() -> LoadedApp:
    return load_directory(EXAMPLES["hello"], "production")


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.Session()


def put(session: boto3.Session, group: str, stream: str, *lines: tuple[int, str]) -> None:
    logs = session.client("logs", region_name=moto_app.REGION)
    if not logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)["logStreams"]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m} for t, m in lines],
    )


@pytest.fixture
def web(hello: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> LogSource:
    moto_app.deploy(hello, session, monkeypatch=monkeypatch)
    source = log_source(hello, "web", session=session)
    put(session, source.log_group, "web/web/task1", (T0, "listening on 3000"), (T0 + 10, "GET /"))
    put(session, source.log_group, "web/web/task2", (T0 + 5, "ERROR exocom unreachable"))
    return source


def test_the_log_group_comes_from_the_stack(
    web: LogSource, hello: LoadedApp, session: boto3.Session
) -> None:
    assert (web.role, web.stack, web.deployed.region) == ("web", "hello-web", "us-east-1")
    assert web.log_group == moto_app.stack_resource(session, "hello-web", "AWS::Logs::LogGroup")
    exocom = log_source(hello, "exocom", session=session)
    assert exocom.log_group == moto_app.stack_resource(
        session, "hello-exocom", "AWS::Logs::LogGroup"
    )


def test_events_oldest_first_from_every_stream(web: LogSource) -> None:
    assert [(e.timestamp, e.stream, e.message) for e in events(web, start_ms=T0)] == [
        (T0, "web/web/task1", "listening on 3000"),
        (T0 + 5, "web/web/task2", "ERROR exocom unreachable"),
        (T0 + 10, "web/web/task1", "GET /"),
    ]
    assert [e.message for e in events(web, start_ms=T0 + 1)] == [
        "ERROR exocom unreachable",
        "GET /",
    ]
    assert [e.message for e in events(web, start_ms=T0, pattern="ERROR")] == [
        "ERROR exocom unreachable"
    ]


def test_follow_gives_each_event_once_until_interrupted(
    web: LogSource, session: boto3.Session
) -> None:
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:  # between the first and second poll, two more events arrive
            put(session, web.log_group, "web/web/task2", (T0 + 10, "POST /"), (T0 + 20, "bye"))
            return
        raise KeyboardInterrupt

    seen: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        for event in follow(web, start_ms=T0, sleep=sleep, poll_seconds=0.5):
            seen.append(event.message)
    assert seen == ["listening on 3000", "ERROR exocom unreachable", "GET /", "POST /", "bye"]
    assert polls == [0.5, 0.5]


def test_an_unknown_role(hello: LoadedApp, session: boto3.Session) -> None:
    with pytest.raises(
        UnknownRoleError,
        match=r"^hello has no service wbe: did you mean web\? \(services: greeter, web;"
        r" exocom for ExoCom's logs\)$",
    ):
        log_source(hello, "wbe", session=session)


def test_a_service_not_deployed(
    hello: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_app.deploy(hello, session, skip=["greeter"], monkeypatch=monkeypatch)
    with pytest.raises(
        NotDeployedError, match=r"^stack hello-greeter is not deployed in us-east-1$"
    ):
        log_source(hello, "greeter", session=session)


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1w", 604800)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["10", "m", "1.5h", "-1m", "10 minutes"])
def test_not_durations(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"is not a duration: a number and a unit, s, m, h, d or w"
    ):
        parse_duration(text)
