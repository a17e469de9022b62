"""exo-cdk status's data: the app's stacks and services as moto's AWS reports them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from aws_cdk import CfnResource, Stack
from moto import mock_aws

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.load.eras import load_app, load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import CredentialsError, NotDeployedError
from exosphere_cdk.ops.status import (
    NOT_DEPLOYED,
    NOTHING_TO_DEPLOY,
    LeftStack,
    app_status,
)
from exosphere_cdk.stacks import build_stacks
from exosphere_cdk.synth import new_app
from tests import moto_app
from tests.apps import IMPORTED_CERTIFICATE, IMPORTED_DNS, AppFactory
from tests.conftest import EXAMPLES, REPO


@pytest.fixture
def hello() -> LoadedApp:
    return load_directory(EXAMPLES["hello"], "production")


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.Session()


def test_a_steady_app(
    hello: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_app.deploy(hello, session, monkeypatch=monkeypatch)
    instance = moto_app.healthy_target(session, "hello-web")
    status = app_status(hello, session=session)
    assert (status.slug, status.region) == ("hello", "us-east-1")
    assert [(s.name, s.status) for s in status.stacks] == [
        (name, "CREATE_COMPLETE")
        for name in (
            *("hello-network", "hello-zone", "hello-dns", "hello-platform", "hello-exocom"),
            *("hello-monitoring", "hello-greeter", "hello-web"),
        )
    ]
    rows = [
        (s.role, s.cluster, s.desired, s.running, s.pending, s.rollout, s.steady)
        for s in status.services
    ]
    assert rows == [
        ("exocom", "hello-exocom", 1, 1, 0, "COMPLETED", True),
        ("greeter", "hello-private", 1, 1, 0, "COMPLETED", True),
        ("web", "hello-public", 1, 1, 0, "COMPLETED", True),
    ]
    web = status.services[2]
    assert web.service is not None and web.service.startswith("hello-web-Service-")
    assert [(t.target, t.state) for t in web.targets or ()] == [(f"{instance}:32768", "healthy")]
    # private services and ExoCom have no target group
    assert status.services[0].targets is None
    assert status.services[1].targets is None


def test_a_failed_deployment_shows_the_events_that_explain_it(
    hello: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_app.deploy(hello, session, monkeypatch=monkeypatch)
    name = moto_app.fail_deployment(session, "hello-greeter")
    greeter = app_status(hello, session=session, events=2).services[1]
    assert (greeter.role, greeter.desired, greeter.running, greeter.pending) == ("greeter", 1, 0, 0)
    assert (greeter.rollout, greeter.rollout_reason) == (
        "FAILED",
        "ECS deployment circuit breaker: tasks failed to start.",
    )
    assert not greeter.steady
    # the newest two, newest first
    assert [(e.at, e.message) for e in greeter.events] == [
        (datetime(2026, 11, 30, 9, 12, tzinfo=UTC), moto_app.CIRCUIT_BREAKER.format(service=name)),
        (datetime(2026, 11, 30, 9, 6, tzinfo=UTC), moto_app.UNABLE_TO_PLACE.format(service=name)),
    ]
    assert greeter.as_json()["events"][1] == {
        "at": "2026-11-30T09:06:00+00:00",
        "message": f"(service {name}) was unable to place a task because no container instance"
        " met all of its requirements. The closest matching (container-instance"
        " 5c4b0a0c5a4a4e8f9c5e1f2d3a4b5c6d) has insufficient memory available. For more"
        " information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
    }


def test_a_service_not_deployed_yet(
    hello: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_app.deploy(hello, session, skip=["web"], monkeypatch=monkeypatch)
    status = app_status(hello, session=session)
    assert status.stacks[-1].as_json() == {
        "name": "hello-web",
        "status": NOT_DEPLOYED,
        "reason": None,
    }
    web = status.services[2]
    assert (web.role, web.status, web.service, web.steady) == ("web", NOT_DEPLOYED, None, False)


DATA_ADVICE = (
    "the manifest has no database any more: snapshot it, lift its protection and delete the"
    " stack (docs/operations.md#removing-a-database)"
)


def without_its_database(tmp_path: Path) -> Path:
    """A copy of go-f5 whose store no longer has its `rds` dependency."""
    app_dir = tmp_path / "go-f5"
    shutil.copytree(REPO / "manifests" / "go-f5", app_dir)
    store = app_dir / "store" / "service.yml"
    text = store.read_text()
    start = text.index("  # The store's own database")
    store.write_text(text[:start] + text[text.index("  environments:", start) :])
    return app_dir


def test_a_stack_the_manifest_no_longer_makes(
    session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_dir = without_its_database(tmp_path)
    moto_app.deploy(
        load_app(REPO / "manifests" / "go-f5", "staging"), session, monkeypatch=monkeypatch
    )
    cfn, template = (
        session.client("cloudformation"),
        '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}',
    )
    # Of the production app `go-notes-staging` (the same prefix, other tags): not this one's.
    production = [{"Key": "exosphere:app", "Value": "go-notes-staging"}]
    cfn.create_stack(StackName="go-notes-staging-old", TemplateBody=template, Tags=production)
    # A removed service's stack, tagged as the environment.
    ours = [
        {"Key": "exosphere:app", "Value": "go-notes"},
        {"Key": "exosphere:env", "Value": "staging"},
    ]
    cfn.create_stack(StackName="go-notes-staging-mailer", TemplateBody=template, Tags=ours)
    app = load_app(app_dir, "staging")
    assert app.databases == ()
    status = app_status(app, session=session)
    assert "go-notes-staging-data" not in [s.name for s in status.stacks]
    assert status.left == (
        LeftStack("go-notes-staging-data", "CREATE_COMPLETE", DATA_ADVICE),
        LeftStack(
            "go-notes-staging-mailer",
            "CREATE_COMPLETE",
            "delete it if it is no longer wanted: `aws cloudformation delete-stack --stack-name"
            " go-notes-staging-mailer` (docs/operations.md#removing-a-service)",
        ),
    )
    assert status.as_json()["left_behind"][0] == {
        "name": "go-notes-staging-data",
        "status": "CREATE_COMPLETE",
        "advice": DATA_ADVICE,
    }
    # With the database in the manifest, nothing is left behind but the service.
    full = app_status(load_app(REPO / "manifests" / "go-f5", "staging"), session=session)
    assert [s.name for s in full.left] == ["go-notes-staging-mailer"]
    # Everything else destroyed: the stack left behind still shows (no "not deployed").
    for stack in cfn.describe_stacks()["Stacks"]:
        if stack["StackName"] != "go-notes-staging-data":
            cfn.delete_stack(StackName=stack["StackName"])
    alone = app_status(app, session=session)
    assert [s.name for s in alone.left] == ["go-notes-staging-data"]
    # (the dns stack is not synthesized: the certificate is given)
    assert {s.name: s.status for s in alone.stacks if s.status != NOT_DEPLOYED} == {
        "go-notes-staging-dns": NOTHING_TO_DEPLOY
    }


def test_an_app_not_deployed(hello: LoadedApp, session: boto3.Session) -> None:
    with pytest.raises(
        NotDeployedError, match=r"^stack hello-network is not deployed in us-east-1$"
    ):
        app_status(hello, session=session)


def test_no_credentials(hello: LoadedApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    with pytest.raises(CredentialsError, match=r"^no AWS credentials: none found"):
        app_status(hello, session=boto3.Session())


@pytest.mark.parametrize(
    "extra", [None, IMPORTED_DNS, IMPORTED_CERTIFICATE], ids=["own", "imported", "certificate"]
)
def test_no_stack_is_synthesized_without_resources_and_the_omitted_say_why(
    make_app: AppFactory, tmp_path: Path, extra: dict[str, object] | None
) -> None:
    # CloudFormation refuses a template without resources: a dns stack that would hold
    # only imports (a certificate given, whatever the zone) is not synthesized
    app = load_app(make_app(extra))
    built = build_stacks(new_app(outdir=tmp_path / "cdk.out"), app)
    shared = [built.network, built.zone, built.dns, built.platform, built.exocom]
    stacks: list[Stack] = [s for s in [*shared, built.monitoring] if s is not None]
    stacks += built.services.values()
    assert all(any(isinstance(c, CfnResource) for c in s.node.find_all()) for s in stacks)
    assert [s.stack_name for s in stacks] == derive.stack_names(app)
    assert (built.dns is None) == (extra is not None)
    assert derive.omitted_stacks(app) == (
        {}
        if extra is None
        else {
            "demo-dns": "not synthesized: it would hold no resource (the certificate is an"
            " existing one, imported by demo-platform)"
        }
    )


def test_a_stack_without_resources_is_nothing_to_deploy_not_missing(
    make_app: AppFactory, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a stack without resources is not synthesized: CloudFormation never knows demo-dns
    app = load_app(make_app(IMPORTED_DNS))
    moto_app.deploy(app, session, skip=["dns"], monkeypatch=monkeypatch)
    status = app_status(app, session=session)
    assert status.stacks[1].as_json() == {
        "name": "demo-dns",
        "status": NOTHING_TO_DEPLOY,
        "reason": "not synthesized: it would hold no resource (the certificate is an existing"
        " one, imported by demo-platform)",
    }
    assert [s.status for s in status.stacks if s.name != "demo-dns"] == ["CREATE_COMPLETE"] * 6
