"""A service's log events (`exocom` for ExoCom's), from the log group its stack holds."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
from attrs import frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from exosphere_cdk.manifest.design.derive import stack_name
from exosphere_cdk.manifest.errors import UsageError, did_you_mean
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import Deployed, aws_errors, clients, stack_resources

__all__ = [
    "EXOCOM",
    "POLL_SECONDS",
    "LogEvent",
    "LogSource",
    "NoLogGroupError",
    "UnknownRoleError",
    "events",
    "follow",
    "log_source",
    "parse_duration",
]

#: The role name that means ExoCom's log group.
EXOCOM = "exocom"

#: How often `follow` asks CloudWatch Logs for new events.
POLL_SECONDS = 2.0

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+)([smhdw])")


class UnknownRoleError(UsageError, ValueError):
    """ROLE names no service of the app (and is not `exocom`)."""


class NoLogGroupError(UsageError, ValueError):
    """The role's stack holds no log group."""


def parse_duration(text: str) -> int:
    """`10m`, `90s`, `2h`, `1d`, `1w` in seconds; ValueError for anything else."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"'{text}' is not a duration: a number and a unit, s, m, h, d or w (e.g. 10m)"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


@frozen
class LogSource:
    """Where a role's log events are: its stack's log group, in `deployed.region`."""

    role: str
    stack: str
    log_group: str
    deployed: Deployed


@frozen
class LogEvent:
    """One log event: milliseconds since the epoch, the stream (one per task), the message."""

    timestamp: int
    stream: str
    message: str
    event_id: str

    def as_json(self) -> dict[str, Any]:
        return {"timestamp": self.timestamp, "stream": self.stream, "message": self.message}


def log_source(app: LoadedApp, role: str, *, session: boto3.Session) -> LogSource:
    """The log group of `role`'s stack (`<slug>-<role>`, or `<slug>-exocom` for `exocom`).

    Raises UnknownRoleError, NoLogGroupError, and NotDeployedError or another AwsError.
    """
    roles = [s.role for s in app.services]
    if role != EXOCOM and role not in roles:
        guess = did_you_mean(role, [*roles, EXOCOM])
        hint = f"did you mean {guess}? " if guess else ""
        raise UnknownRoleError(
            f"{app.slug} has no service {role}: {hint}(services: {', '.join(roles)};"
            f" {EXOCOM} for ExoCom's logs)"
        )
    deployed = clients(app, session)
    stack = stack_name(app, role)
    groups = [
        r.physical_id for r in stack_resources(deployed, stack) if r.type == "AWS::Logs::LogGroup"
    ]
    if not groups:
        raise NoLogGroupError(f"stack {stack} in {deployed.region} holds no log group")
    return LogSource(role=role, stack=stack, log_group=groups[0], deployed=deployed)


def events(
    source: LogSource, *, start_ms: int, pattern: str | None = None, end_ms: int | None = None
) -> Iterator[LogEvent]:
    """The log events from `start_ms` on (to `end_ms`), oldest first, all pages."""
    # AWS always interleaves the streams (oldest first) and ignores `interleaved`; moto needs it.
    arguments: dict[str, Any] = {
        "logGroupName": source.log_group,
        "startTime": start_ms,
        "interleaved": True,
    }
    if end_ms is not None:
        arguments["endTime"] = end_ms
    if pattern:
        arguments["filterPattern"] = pattern
    with aws_errors():
        try:
            for page in source.deployed.logs.get_paginator("filter_log_events").paginate(
                **arguments
            ):
                for e in page["events"]:
                    yield LogEvent(e["timestamp"], e["logStreamName"], e["message"], e["eventId"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise NoLogGroupError(
                    f"log group {source.log_group} of stack {source.stack} does not exist"
                    f" in {source.deployed.region}"
                ) from None
            raise


def follow(
    source: LogSource,
    *,
    start_ms: int,
    pattern: str | None = None,
    sleep: Callable[[float], None] | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> Iterator[LogEvent]:
    """Every event from `start_ms` on, then new ones as they arrive, until the caller stops.

    Each poll asks again from the newest timestamp seen, and skips the event ids
    already given at that timestamp. Ctrl-C (KeyboardInterrupt) ends it, usually
    while it sleeps between polls (`sleep`, default time.sleep).
    """
    since = start_ms
    seen: set[str] = set()
    while True:
        for event in events(source, start_ms=since, pattern=pattern):
            if event.event_id in seen:
                continue
            if event.timestamp > since:
                since, seen = event.timestamp, set()
            seen.add(event.event_id)
            yield event
        (sleep or time.sleep)(poll_seconds)
