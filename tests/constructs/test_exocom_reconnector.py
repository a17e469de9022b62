"""ExoComReconnector: ExoCom's task starting restarts every older service of the app (moto)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import boto3  # type: ignore[import-untyped]
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Match, Template
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ecs.models import ecs_backends

from exosphere_constructs import ExoComReconnector
from exosphere_constructs.exocom_reconnector import HANDLER
from tests.moto_app import REGION, fake_credentials


def _template(stack: cdk.Stack) -> Template:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    bus = ecs.Cluster(stack, "BusCluster", vpc=vpc)
    public = ecs.Cluster(stack, "Public", vpc=vpc)
    private = ecs.Cluster(stack, "Private", vpc=vpc)
    task = ecs.Ec2TaskDefinition(stack, "Task")
    task.add_container("c", image=ecs.ContainerImage.from_registry("x"), memory_limit_mib=64)
    bus.add_capacity("Cap", instance_type=ec2.InstanceType("t3.micro"))
    service = ecs.Ec2Service(stack, "ExoCom", cluster=bus, task_definition=task)
    ExoComReconnector(
        stack,
        "Reconnector",
        exocom_service=service,
        clusters=[public, private],
        roles=["web", "users"],
    )
    return Template.from_stack(stack)


def test_the_rule_matches_exocom_s_tasks_running(stack: cdk.Stack) -> None:
    template = _template(stack)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.ecs"],
                "detail-type": ["ECS Task State Change"],
                "detail": {
                    "clusterArn": [
                        {"Fn::GetAtt": [Match.string_like_regexp("^BusCluster"), "Arn"]}
                    ],
                    "group": [
                        {
                            "Fn::Join": [
                                "",
                                ["service:", {"Fn::GetAtt": [Match.any_value(), "Name"]}],
                            ]
                        }
                    ],
                    "lastStatus": ["RUNNING"],
                    "desiredStatus": ["RUNNING"],
                },
            },
            "State": "ENABLED",
            "Targets": [
                Match.object_like(
                    {"RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}}
                )
            ],
        },
    )


def test_the_function_is_inline_and_lists_the_clusters(stack: cdk.Stack) -> None:
    template = _template(stack)
    functions = {
        k: v
        for k, v in template.find_resources("AWS::Lambda::Function").items()
        if k.startswith("Reconnector")
    }
    assert len(functions) == 1
    props = next(iter(functions.values()))["Properties"]
    assert props["Code"] == {"ZipFile": HANDLER.read_text()}
    assert props["Handler"] == "index.handler"
    # the GetAtt of the role's ARN orders the two: no redundant DependsOn (cfn-lint W3005)
    assert "DependsOn" not in next(iter(functions.values()))
    assert props["Runtime"].startswith("python3.")
    joined = props["Environment"]["Variables"]["CLUSTERS"]["Fn::Join"]
    assert joined[0] == ""
    parts = joined[1]
    assert parts[1] == ","
    assert props["Environment"]["Variables"]["ROLES"] == "web,users"
    refs = [p["Fn::GetAtt"] for p in parts if isinstance(p, dict)]
    assert [r[1] for r in refs] == ["Arn", "Arn"]
    assert refs[0][0].startswith("Public")
    assert refs[1][0].startswith("Private")


def test_the_role_may_restart_only_services_of_the_app_s_clusters(stack: cdk.Stack) -> None:
    template = _template(stack)
    roles = {
        k: v for k, v in template.find_resources("AWS::IAM::Role").items() if "Reconnector" in k
    }
    assert len(roles) == 1
    (role,) = roles.values()
    (policy,) = role["Properties"]["Policies"]
    statements = policy["PolicyDocument"]["Statement"]
    # the role holds its policy: nothing else in the template grants the function
    assert not [k for k in template.find_resources("AWS::IAM::Policy") if "Reconnector" in k]
    ecs_statements = [s for s in statements if str(s["Action"]).startswith(("ecs:", "['ecs:"))]
    assert {json.dumps(s["Action"]) for s in ecs_statements} == {
        '"ecs:ListServices"',
        '["ecs:DescribeServices", "ecs:UpdateService"]',
        '"ecs:DescribeTaskDefinition"',  # a read: which ROLE a service runs
    }
    for statement in ecs_statements:
        assert statement["Effect"] == "Allow"
        if statement["Action"] == "ecs:DescribeTaskDefinition":
            assert "Condition" not in statement
            continue
        clusters = statement["Condition"]["ArnEquals"]["ecs:cluster"]
        assert len(clusters) == 2
    assert not any(s["Action"] == "*" or s["Action"] == "ecs:*" for s in statements)


# ---------------------------------------------------------------- the handler, against moto


def _handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reconnector_handler", str(HANDLER))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _services(cluster: str, names: list[str]) -> str:
    client = boto3.client("ecs", region_name=REGION)
    arn = client.create_cluster(clusterName=cluster)["cluster"]["clusterArn"]
    for name in names:
        # each service's task carries its ROLE, as ExoService's do
        container = {
            "name": "c",
            "image": "x",
            "memory": 64,
            "environment": [{"name": "ROLE", "value": name}],
        }
        client.register_task_definition(family=name, containerDefinitions=[container])
        client.create_service(
            cluster=cluster, serviceName=name, taskDefinition=name, desiredCount=1
        )
    return str(arn)


def _created(cluster: str, name: str, when: datetime) -> None:
    backend = ecs_backends[DEFAULT_ACCOUNT_ID][REGION]
    service = backend.services[f"{cluster}:{name}"]
    for deployment in service.deployments:
        deployment["createdAt"] = when


def _event(started: datetime) -> dict[str, Any]:
    return {
        "detail-type": "ECS Task State Change",
        "detail": {"lastStatus": "RUNNING", "startedAt": started.isoformat()},
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield


@pytest.mark.usefixtures("aws")
def test_the_handler_restarts_every_service_that_began_before_exocom(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public = _services("demo-public", ["web"])
    private = _services("demo-private", ["users", "orders"])
    monkeypatch.setenv("CLUSTERS", f"{public},{private}")
    monkeypatch.setenv("ROLES", "web,users,orders")
    started = datetime.now(UTC)
    for cluster, name in (("demo-public", "web"), ("demo-private", "users")):
        _created(cluster, name, started - timedelta(minutes=10))
    _created("demo-private", "orders", started + timedelta(seconds=5))  # begun after ExoCom
    result = _handler().handler(_event(started), None)
    assert result == {
        "restarted": ["users", "web"],
        "already_current": ["orders"],
        "not_routed": [],
    }
    # each restarted service has a new deployment; the current one is left alone
    client = boto3.client("ecs", region_name=REGION)
    found = client.describe_services(cluster="demo-private", services=["users", "orders"])
    deployments = {s["serviceName"]: len(s["deployments"]) for s in found["services"]}
    assert deployments["orders"] == 1
    assert deployments["users"] >= 1
    created = {s["serviceName"]: s["deployments"][0]["createdAt"] for s in found["services"]}
    assert created["users"] >= started


@pytest.mark.usefixtures("aws")
def test_a_repeated_event_restarts_nothing_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    private = _services("demo-private", ["users"])
    monkeypatch.setenv("CLUSTERS", private)
    monkeypatch.setenv("ROLES", "users")
    started = datetime.now(UTC) - timedelta(minutes=1)
    _created("demo-private", "users", started - timedelta(minutes=10))
    handler = _handler().handler
    first = {"restarted": ["users"], "already_current": [], "not_routed": []}
    assert handler(_event(started), None) == first
    again = {"restarted": [], "already_current": ["users"], "not_routed": []}
    assert handler(_event(started), None) == again


@pytest.mark.usefixtures("aws")
def test_the_handler_skips_inactive_services(monkeypatch: pytest.MonkeyPatch) -> None:
    private = _services("demo-private", ["users", "gone"])
    monkeypatch.setenv("CLUSTERS", private)
    monkeypatch.setenv("ROLES", "users,gone")
    client = boto3.client("ecs", region_name=REGION)
    client.update_service(cluster="demo-private", service="gone", desiredCount=0)
    client.delete_service(cluster="demo-private", service="gone")
    started = datetime.now(UTC)
    _created("demo-private", "users", started - timedelta(minutes=10))
    result = _handler().handler(_event(started), None)
    assert result["restarted"] == ["users"]


@pytest.mark.usefixtures("aws")
def test_a_service_exocom_does_not_route_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # removed from application.yml, its stack not yet destroyed: ExoCom 0.21-0.22 exit when
    # an unrouted role connects, so restarting it would stop the bus again and again
    private = _services("demo-private", ["users", "removed"])
    monkeypatch.setenv("CLUSTERS", private)
    monkeypatch.setenv("ROLES", "users")
    started = datetime.now(UTC)
    for name in ("users", "removed"):
        _created("demo-private", name, started - timedelta(minutes=10))
    assert _handler().handler(_event(started), None) == {
        "restarted": ["users"],
        "already_current": [],
        "not_routed": ["removed"],
    }
    client = boto3.client("ecs", region_name=REGION)
    (removed,) = client.describe_services(cluster="demo-private", services=["removed"])["services"]
    assert removed["deployments"][0]["createdAt"] < started
