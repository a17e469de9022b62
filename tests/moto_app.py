"""A deployed app in moto: the app's stacks in moto's CloudFormation, their ECS services running.

The stacks are small templates of resources that moto's CloudFormation creates
(a VPC, ECS clusters, task definitions and services, log groups, target groups),
named as exosphere-cdk names them, holding the resource types that status and
logs look for. Not the synthesized templates: moto cannot create most of those.

moto never places tasks or writes service events (a TODO in its ECS), so a
failed deployment is set on moto's own ECS service object: the state and
events ECS reports for a deployment whose tasks cannot be placed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ecs.models import ecs_backends

from exosphere_cdk.manifest.design.app import tags
from exosphere_cdk.manifest.design.derive import deployment_name, has_stack
from exosphere_cdk.manifest.model.app import LoadedApp

REGION = "us-east-1"

#: What ECS says, word for word, when no instance has the memory for a task.
UNABLE_TO_PLACE = (
    "(service {service}) was unable to place a task because no container instance met all of"
    " its requirements. The closest matching (container-instance 5c4b0a0c5a4a4e8f9c5e1f2d3a4b5c6d)"
    " has insufficient memory available. For more information, see the Troubleshooting section"
    " of the Amazon ECS Developer Guide."
)
CIRCUIT_BREAKER = (
    "(service {service}) deployment ecs-svc/1234567890123456789 deployment failed:"
    " tasks failed to start."
)


def fake_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """moto's fake credentials in the environment, and no real AWS file or profile in reach."""
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS_* variable, empty shared config and credentials files, no instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name in ("config", "credentials"):
        (tmp_path / f"aws-{name}").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _template(resources: dict[str, Any]) -> str:
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


def _service(cluster: str | dict[str, str], family: str) -> dict[str, Any]:
    return {
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "Family": family,
                "ContainerDefinitions": [{"Name": family, "Image": "nginx", "Memory": 128}],
            },
        },
        "Service": {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "Cluster": cluster,
                "TaskDefinition": {"Ref": "Task"},
                "DesiredCount": 1,
            },
        },
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
    }


def deploy(
    app: LoadedApp,
    session: boto3.Session,
    *,
    skip: Iterable[str] = (),
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Create the app's stacks (but those whose part or role is in `skip`), every task running."""
    cfn = session.client("cloudformation", region_name=REGION)
    skipped = set(skip)
    slug = deployment_name(app)  # the slug in production, `<slug>-<env>` elsewhere

    # Tagged as the CDK app tags every stack (design.app.tags).
    stack_tags = [{"Key": key, "Value": value} for key, value in tags(app).items()]

    def create(part: str, resources: dict[str, Any]) -> None:
        if part not in skipped:
            cfn.create_stack(
                StackName=f"{slug}-{part}", TemplateBody=_template(resources), Tags=stack_tags
            )

    create(
        "network", {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}}
    )
    vpc = session.client("ec2", region_name=REGION).describe_vpcs(
        Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}]
    )["Vpcs"][0]["VpcId"]
    if app.domain is not None:
        if app.aws.hosted_zone_id is None:
            zone = {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": f"{app.domain}."}}
            create("zone", {"Zone": zone})
        if has_stack(app, "dns"):  # not synthesized when the certificate is given
            create("dns", {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}}})
    clusters = {
        f"{part}Cluster": {
            "Type": "AWS::ECS::Cluster",
            "Properties": {"ClusterName": f"{slug}-{part.lower()}"},
        }
        for part in ("Public", "Private")
    }
    create("platform", clusters)
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    create(
        "exocom",
        {
            "Cluster": {
                "Type": "AWS::ECS::Cluster",
                "Properties": {"ClusterName": f"{slug}-exocom"},
            },
            **_service({"Ref": "Cluster"}, "exocom"),
        },
    )
    if app.databases:
        # The instances themselves are not moto's CloudFormation's to create: a stand-in.
        create("data", {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}}})
    create("monitoring", {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}}})
    for svc in app.services:
        resources = _service(f"{slug}-{'public' if svc.public else 'private'}", svc.role)
        if svc.public:
            resources["TargetGroup"] = {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {
                    "Port": 80,
                    "Protocol": "HTTP",
                    "VpcId": vpc,
                    "TargetType": "instance",
                },
            }
        create(svc.role, resources)
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")


def stack_resource(session: boto3.Session, stack: str, type_: str) -> str:
    """The physical id of the resource of `type_` in `stack`."""
    cfn = session.client("cloudformation", region_name=REGION)
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    return next(str(r["PhysicalResourceId"]) for r in resources if r["ResourceType"] == type_)


def healthy_target(session: boto3.Session, stack: str) -> str:
    """An EC2 instance registered (host port 32768) in the target group of `stack`."""
    ec2 = session.client("ec2", region_name=REGION)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
    group = stack_resource(session, stack, "AWS::ElasticLoadBalancingV2::TargetGroup")
    session.client("elbv2", region_name=REGION).register_targets(
        TargetGroupArn=group, Targets=[{"Id": instance["InstanceId"], "Port": 32768}]
    )
    return str(instance["InstanceId"])


def fail_deployment(session: boto3.Session, stack: str) -> str:
    """Make the service of `stack` what ECS shows after a failed deployment; returns its name.

    No task placed (not enough memory on any instance), the circuit breaker
    failed the rollout, and ECS's events saying so (newest first).
    """
    arn = stack_resource(session, stack, "AWS::ECS::Service")
    _, cluster, name = arn.split(":", 5)[-1].split("/")
    service = ecs_backends[DEFAULT_ACCOUNT_ID][REGION].services[f"{cluster}:{name}"]
    service.running_count = 0
    service.pending_count = 0
    deployment = service.deployments[0]
    deployment.update(
        runningCount=0,
        pendingCount=0,
        failedTasks=3,
        rolloutState="FAILED",
        rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.",
    )
    service.events = [
        {
            "id": f"event-{i}",
            "createdAt": datetime(2026, 11, 30, 9, minute, tzinfo=UTC),
            "message": message.format(service=name),
        }
        for i, (minute, message) in enumerate(
            [(12, CIRCUIT_BREAKER), (6, UNABLE_TO_PLACE), (0, UNABLE_TO_PLACE)]
        )
    ]
    return name
