"""Debug access, opt-in: ECS Exec on services and ExoCom, Session Manager on instances."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from exosphere_constructs import Ec2Cluster, ExoComHost, ExoService
from exosphere_constructs.debug_access import SESSION_MANAGER_ACTIONS

CHANNELS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def _service(stack: cdk.Stack, vpc: ec2.Vpc, *, execute_command: bool) -> ExoService:
    cluster = ecs.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name="c", vpc=vpc)
    return ExoService(
        stack,
        "Web",
        cluster=cluster,
        capacity_provider_name="cp",
        image=ecs.ContainerImage.from_registry("acme/web"),
        container_name="web",
        log_retention=logs.RetentionDays.ONE_WEEK,
        execute_command=execute_command,
    )


def _exocom(stack: cdk.Stack, vpc: ec2.Vpc, *, on: bool) -> ExoComHost:
    return ExoComHost(
        stack,
        "ExoCom",
        vpc=vpc,
        port=3100,
        image=ecs.ContainerImage.from_registry("originate/exocom:0.21.8"),
        environment={"PORT": "3100", "SERVICE_ROUTES": "[]"},
        namespace_name="shop.internal",
        service_name="exocom",
        instance_type=ec2.InstanceType("t3.micro"),
        log_group_name_prefix="shop-",
        execute_command=on,
        session_manager=on,
    )


def _cluster(stack: cdk.Stack, vpc: ec2.Vpc, *, session_manager: bool) -> Ec2Cluster:
    return Ec2Cluster(
        stack,
        "Public",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.small"),
        log_group_name_prefix="shop-",
        session_manager=session_manager,
    )


def _role_statements(template: Template, role_fragment: str) -> list[dict[str, Any]]:
    """The statements of the policies attached to the role whose logical id holds the fragment."""
    found: list[dict[str, Any]] = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"]["Roles"])
        if role_fragment in roles:
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def _log_group_arn(template: Template, fragment: str) -> dict[str, Any]:
    (logical_id,) = (
        name for name in template.find_resources("AWS::Logs::LogGroup") if fragment in name
    )
    return {"Fn::GetAtt": [logical_id, "Arn"]}


# ---------------------------------------------------------------- ECS Exec


def test_exec_on_a_service_enables_execute_command(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    _service(stack, vpc, execute_command=True)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECS::Service", {"EnableExecuteCommand": True}
    )


def test_exec_gives_the_task_role_the_channels_and_its_own_log_group_only(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    _service(stack, vpc, execute_command=True)
    template = Template.from_stack(stack)
    statements = _role_statements(template, "WebTaskTaskRole")
    # CDK merges the statements on "*".
    assert statements == [
        {"Action": ["logs:DescribeLogGroups", *CHANNELS], "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": _log_group_arn(template, "WebLogs"),
        },
    ]


def test_exec_findings_are_acknowledged_with_a_reason(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    _service(stack, vpc, execute_command=True)
    template = Template.from_stack(stack)
    (policy,) = (
        p for name, p in template.find_resources("AWS::IAM::Policy").items() if "TaskRole" in name
    )
    (skip,) = policy["Metadata"]["checkov"]["skip"]
    assert skip["id"] == "CKV_AWS_111"
    assert "no resource-level permissions" in skip["comment"]


def test_without_exec_a_service_has_no_exec_and_its_task_role_no_policy(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    _service(stack, vpc, execute_command=False)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::ECS::Service", {"EnableExecuteCommand": Match.absent()})
    assert _role_statements(template, "WebTaskTaskRole") == []


def test_exec_and_session_manager_on_exocom(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    _exocom(stack, vpc, on=True)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::ECS::Service", {"EnableExecuteCommand": True})
    statements = _role_statements(template, "ExoComTaskTaskRole")
    assert {
        "Action": ["logs:DescribeLogGroups", *CHANNELS],
        "Effect": "Allow",
        "Resource": "*",
    } in statements
    assert {
        "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        "Effect": "Allow",
        "Resource": _log_group_arn(template, "ExoComLogs"),
    } in statements
    assert {
        "Action": SESSION_MANAGER_ACTIONS,
        "Effect": "Allow",
        "Resource": "*",
    } in _role_statements(template, "ExoComHostInstanceRole")


def test_exocom_without_debug_access(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    _exocom(stack, vpc, on=False)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::ECS::Service", {"EnableExecuteCommand": Match.absent()})
    assert "ssmmessages" not in json.dumps(template.to_json())


# ---------------------------------------------------------------- Session Manager


def test_session_manager_gives_the_instance_role_the_session_channels_only(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    _cluster(stack, vpc, session_manager=True)
    template = Template.from_stack(stack)
    assert ["ssm:UpdateInstanceInformation", *CHANNELS] == SESSION_MANAGER_ACTIONS
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {"Action": SESSION_MANAGER_ACTIONS, "Effect": "Allow", "Resource": "*"}
                ],
                "Version": "2012-10-17",
            },
            "Roles": [{"Ref": Match.string_like_regexp("PublicInstanceRole")}],
        },
    )
    rendered = json.dumps(template.to_json())
    # Not AmazonSSMManagedInstanceCore: no managed policy, no Run Command.
    assert "ec2messages" not in rendered
    assert "AmazonSSMManagedInstanceCore" not in rendered


def test_session_manager_findings_are_acknowledged_with_a_reason(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    _cluster(stack, vpc, session_manager=True)
    template = Template.from_stack(stack)
    (policy,) = (
        p
        for name, p in template.find_resources("AWS::IAM::Policy").items()
        if "SessionManagerPolicy" in name
    )
    (skip,) = policy["Metadata"]["checkov"]["skip"]
    assert skip == {
        "id": "CKV_AWS_111",
        "comment": "Session Manager (providers.aws `ssm: true`): the Systems Manager message"
        " channels (ssmmessages:*Channel) and ssm:UpdateInstanceInformation support no"
        " resource-level permissions",
    }


def test_without_session_manager_the_instance_role_has_the_agent_policy_only(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    _cluster(stack, vpc, session_manager=False)
    template = Template.from_stack(stack)
    assert "ssm:UpdateInstanceInformation" not in json.dumps(template.to_json())
    assert not any("SessionManager" in name for name in template.find_resources("AWS::IAM::Policy"))
