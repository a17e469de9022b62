"""status, logs and remove against the resources of our own synthesized templates.

manifests/blog (no domain; hello and shop, with theirs, are in
test_deployed_examples.py) is synthesized as `cdk synth` does and created in
moto's CloudFormation by tests/moto_synth.py, which says what it changes for
moto and why. The operations then find what the templates really hold: the
clusters the service stacks reference, the log group of each stack, what the
stacks retain.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.ops.logs import events, log_source
from exosphere_cdk.ops.remove import removal_plan, remove
from exosphere_cdk.ops.status import app_status
from tests import moto_app, moto_synth
from tests.synth import Synthesized

REGION = "us-west-2"  # blog's


@pytest.fixture
def blog(synthesized: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized("blog")


@pytest.fixture
def deployment(
    blog: Synthesized, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[boto3.Session, moto_synth.Deployment]]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        session = boto3.Session()
        yield session, moto_synth.deploy(blog.outdir, session, REGION, monkeypatch=monkeypatch)


@pytest.fixture
def session(deployment: tuple[boto3.Session, moto_synth.Deployment]) -> boto3.Session:
    return deployment[0]


def _stack_order(blog: Synthesized) -> Callable[[str], int]:
    """Status lists the shared stacks (STACK_PARTS order), then the services."""
    names = derive.stack_names(blog.app)
    return names.index


def test_status_finds_every_stack_and_service_the_templates_make(
    blog: Synthesized, session: boto3.Session
) -> None:
    status = app_status(blog.app, session=session)
    assert (status.slug, status.region) == ("tiny-blog", REGION)
    assert {s.name: s.status for s in status.stacks} == dict.fromkeys(
        blog.templates, "CREATE_COMPLETE"
    )
    rows = [
        (s.role, re.sub(r"-[A-Z0-9]+$", "", s.cluster or ""), s.desired, s.running, s.steady)
        for s in status.services
    ]
    # the clusters as the templates name them: ExoCom's own, the platform's two
    assert rows == [
        ("exocom", "tiny-blog-exocom-ExoComHostCluster9F34F2D6", 1, 1, True),
        ("posts", "tiny-blog-platform-PrivateCluster8581AEA4", 1, 1, True),
        ("scheduler", "tiny-blog-platform-PrivateCluster8581AEA4", 1, 1, True),
        ("web", "tiny-blog-platform-PublicCluster03BE7BDF", 1, 1, True),
    ]
    web = status.services[3]
    assert web.service is not None and web.service.startswith("tiny-blog-web-Service")
    assert web.targets == ()  # its target group, with no instance registered in moto


@pytest.mark.parametrize(
    ("role", "group"),
    [
        ("posts", "tiny-blog-posts-ServiceLogs205D48C6-"),
        ("exocom", "tiny-blog-exocom-ExoComLogsE3930C7F-"),
    ],
)
def test_logs_reads_the_log_group_of_the_role_s_stack(
    blog: Synthesized, session: boto3.Session, role: str, group: str
) -> None:
    source = log_source(blog.app, role, session=session)
    assert source.log_group.startswith(group)
    logs = session.client("logs", region_name=REGION)
    logs.create_log_stream(logGroupName=source.log_group, logStreamName="task-1")
    logs.put_log_events(
        logGroupName=source.log_group,
        logStreamName="task-1",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "listening"}],
    )
    assert [(e.stream, e.message) for e in events(source, start_ms=0)] == [("task-1", "listening")]


def test_remove_finds_and_deletes_what_the_templates_retain(
    blog: Synthesized, deployment: tuple[boto3.Session, moto_synth.Deployment]
) -> None:
    session, deployed = deployment
    moto_synth.destroy(deployed, session)
    plan = removal_plan(blog.app, session)
    assert plan.stacks == []
    found = sorted((item.kind, re.sub(r"-[A-Za-z0-9]+$", "", item.name)) for item in plan.leftovers)
    assert found == [
        ("KMS key", found[0][1]),  # a key id
        ("S3 bucket", "tiny-blog-platform-loadbalanceraccesslogsb27dfc85"),
        *(
            ("log group", f"tiny-blog-{name}")
            for name in (
                "exocom-ExoComLogsE3930C7F",
                "exocom-ReconnectorLogs99C65B87",
                "network-NetworkFlowLogs2BEC3212",
                "posts-ServiceLogs205D48C6",
                "scheduler-ServiceLogs205D48C6",
                "web-ServiceLogs205D48C6",
            )
        ),
    ]
    _, done = remove(blog.app, session)
    assert [d.ok for d in done] == [True] * len(plan.leftovers)
    # the key, scheduled for deletion, is no longer one to remove
    assert removal_plan(blog.app, session).leftovers == []
