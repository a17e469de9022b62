"""Ec2Cluster: ECS on an ASG from a hardened launch template, as a capacity provider."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from exosphere_constructs import Ec2Cluster


@pytest.fixture
def template(stack: cdk.Stack, vpc: ec2.Vpc) -> Template:
    Ec2Cluster(
        stack,
        "Cluster",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.medium"),
        log_group_name_prefix="shop-",
        min_capacity=1,
        max_capacity=4,
        notifications_topic=sns.Topic(stack, "Topic"),
    )
    return Template.from_stack(stack)


def test_instances_come_from_a_launch_template_not_a_launch_configuration(
    template: Template,
) -> None:
    template.resource_count_is("AWS::AutoScaling::LaunchConfiguration", 0)
    template.resource_count_is("AWS::EC2::LaunchTemplate", 1)
    template.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "MinSize": "1",
            "MaxSize": "4",
            "LaunchTemplate": Match.object_like({"LaunchTemplateId": Match.any_value()}),
        },
    )


def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": Match.object_like(
                {
                    "InstanceType": "t3.medium",
                    "MetadataOptions": {
                        "HttpTokens": "required",
                        "HttpPutResponseHopLimit": 1,
                        "InstanceMetadataTags": "disabled",
                    },
                    "BlockDeviceMappings": [
                        {
                            "DeviceName": "/dev/xvda",
                            "Ebs": Match.object_like({"Encrypted": True, "VolumeType": "gp3"}),
                        }
                    ],
                    "NetworkInterfaces": [Match.object_like({"AssociatePublicIpAddress": False})],
                }
            )
        },
    )


def test_ami_is_the_ecs_optimized_amazon_linux_2023_from_ssm(template: Template) -> None:
    parameters = template.find_parameters(
        "*",
        {"Default": Match.string_like_regexp("/aws/service/ecs/optimized-ami/amazon-linux-2023/")},
    )
    assert len(parameters) == 1


def _user_data(template: Template) -> str:
    """The launch template's user data script, with `<Ref>` for each reference."""
    templates = template.find_resources("AWS::EC2::LaunchTemplate")
    assert len(templates) == 1
    data = next(iter(templates.values()))["Properties"]["LaunchTemplateData"]["UserData"]
    parts = data["Fn::Base64"]["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else "<Ref>" for part in parts)


def test_user_data_stops_at_the_first_failing_command(template: Template) -> None:
    lines = _user_data(template).splitlines()
    assert lines[:2] == ["#!/bin/bash", "set -euo pipefail"]
    assert lines[-1] == "echo ECS_CLUSTER=<Ref> >> /etc/ecs/ecs.config"


def test_containers_are_kept_off_the_instance_metadata_service_once_docker_has_its_chain(
    template: Template,
) -> None:
    script = _user_data(template)
    rule = "--in-interface docker+ --destination 169.254.169.254/32 --jump DROP"
    install = (
        f"iptables --check DOCKER-USER {rule} 2>/dev/null || iptables --insert DOCKER-USER 1 {rule}"
    )
    # Installed by a drop-in on docker.service after every start of Docker (which
    # creates DOCKER-USER), not at boot, when the chain does not exist yet.
    assert (
        "mkdir -p /etc/systemd/system/docker.service.d\n"
        "cat > /etc/systemd/system/docker.service.d/exosphere-block-imds.conf <<'EOF'\n"
        "# exosphere-cdk: keep bridge-mode containers off the instance metadata service.\n"
        "[Service]\n"
        f"ExecStartPost=/bin/sh -c '{install}'\n"
        "EOF\n"
        "systemctl daemon-reload\n"
        f"if systemctl is-active --quiet docker; then {install}; fi\n"
    ) in script
    assert [line for line in script.splitlines() if line.startswith("iptables")] == []
    assert "iptables-services" not in script
    assert "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n" in script


def test_the_agent_prefers_cached_images(template: Template) -> None:
    assert "echo ECS_IMAGE_PULL_BEHAVIOR=prefer-cached >> /etc/ecs/ecs.config\n" in _user_data(
        template
    )


def test_instances_boot_only_once_their_role_may_register_them(template: Template) -> None:
    policies = template.find_resources("AWS::IAM::Policy")
    assert len(policies) == 1
    template.has_resource(
        "AWS::AutoScaling::AutoScalingGroup", {"DependsOn": [next(iter(policies))]}
    )


@pytest.mark.parametrize(
    ("instance_type", "parameter"),
    [
        ("t3.small", "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"),
        ("m5.large", "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"),
        (
            "t4g.small",
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
        ),
        (
            "c7gn.large",
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
        ),
        (
            "a1.medium",
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
        ),
    ],
)
def test_the_ami_follows_the_instance_types_architecture(
    stack: cdk.Stack, vpc: ec2.Vpc, instance_type: str, parameter: str
) -> None:
    cluster = Ec2Cluster(
        stack,
        "Cluster",
        vpc=vpc,
        instance_type=ec2.InstanceType(instance_type),
        log_group_name_prefix="shop-",
    )
    arm = "arm64" in parameter
    assert cluster.architecture == (
        ec2.InstanceArchitecture.ARM_64 if arm else ec2.InstanceArchitecture.X86_64
    )
    template = Template.from_stack(stack)
    images = template.find_parameters(
        "*", {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"}
    )
    assert [p["Default"] for p in images.values()] == [parameter]


def test_an_explicit_architecture_picks_the_ami(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    # CDK cannot read the architecture of every name AWS lists (Grace: `p6e-gb200`).
    with pytest.raises(RuntimeError, match="Malformed instance type identifier"):
        _ = ec2.InstanceType("p6e-gb200.36xlarge").architecture
    Ec2Cluster(
        stack,
        "Cluster",
        vpc=vpc,
        instance_type=ec2.InstanceType("p6e-gb200.36xlarge"),
        log_group_name_prefix="shop-",
        architecture=ec2.InstanceArchitecture.ARM_64,
    )
    images = Template.from_stack(stack).find_parameters(
        "*", {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"}
    )
    assert [p["Default"] for p in images.values()] == [
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
    ]


def test_capacity_provider_has_managed_scaling_without_termination_protection(
    template: Template,
) -> None:
    template.has_resource_properties(
        "AWS::ECS::CapacityProvider",
        {
            "AutoScalingGroupProvider": Match.object_like(
                {
                    "ManagedScaling": Match.object_like(
                        {"Status": "ENABLED", "TargetCapacity": 100}
                    ),
                    "ManagedTerminationProtection": "DISABLED",
                    "ManagedDraining": "ENABLED",
                }
            )
        },
    )
    template.has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {"CapacityProviders": [Match.any_value()]},
    )


def test_container_insights_enhanced_by_default(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::Cluster",
        {"ClusterSettings": [{"Name": "containerInsights", "Value": "enhanced"}]},
    )


def test_instances_accept_nothing_inbound_by_themselves(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"SecurityGroupIngress": Match.absent()},
    )


def test_rejects_min_above_max(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    with pytest.raises(ValueError, match="got min_capacity=3, max_capacity=2"):
        Ec2Cluster(
            stack,
            "Cluster",
            vpc=vpc,
            instance_type=ec2.InstanceType("t3.small"),
            log_group_name_prefix="shop-",
            min_capacity=3,
            max_capacity=2,
        )


def test_instance_role_may_do_what_the_agent_needs_on_this_cluster_only(
    template: Template,
) -> None:
    policies = template.find_resources("AWS::IAM::Policy")
    assert len(policies) == 1
    document = json.dumps(next(iter(policies.values()))["Properties"]["PolicyDocument"])
    assert "ecs:Submit*" not in document
    assert "ecs:SubmitTaskStateChange" in document
    assert ":log-group:shop-*" in document
    assert '"logs:PutLogEvents"], "Resource": "*"' not in document
    template.has_resource_properties(
        "AWS::IAM::Role", {"ManagedPolicyArns": Match.absent(), "Policies": Match.absent()}
    )


def test_a_launch_template_change_rolls_one_instance_at_a_time(template: Template) -> None:
    template.has_resource(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "UpdatePolicy": {
                "AutoScalingRollingUpdate": Match.object_like(
                    {"MaxBatchSize": 1, "MinInstancesInService": 1}
                )
            }
        },
    )


def test_scaling_events_are_notified(template: Template) -> None:
    template.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "NotificationConfigurations": [
                Match.object_like(
                    {
                        "NotificationTypes": Match.array_with(
                            ["autoscaling:EC2_INSTANCE_LAUNCH_ERROR"]
                        )
                    }
                )
            ]
        },
    )


def test_a_given_machine_image_replaces_the_ssm_lookup(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    Ec2Cluster(
        stack,
        "Cluster",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.medium"),
        log_group_name_prefix="shop-",
        machine_image=ec2.MachineImage.generic_linux({"us-east-1": "ami-0123456789abcdef0"}),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {"LaunchTemplateData": Match.object_like({"ImageId": "ami-0123456789abcdef0"})},
    )
    assert "ecs/optimized-ami" not in json.dumps(template.to_json())
