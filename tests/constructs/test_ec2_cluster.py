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


def test_containers_are_kept_off_the_instance_metadata_service(template: Template) -> None:
    templates = template.find_resources("AWS::EC2::LaunchTemplate")
    user_data = json.dumps(next(iter(templates.values()))["Properties"]["LaunchTemplateData"])
    assert "--destination 169.254.169.254/32 --jump DROP" in user_data
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in user_data
    assert "ECS_CLUSTER=" in user_data


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


def test_container_insights_on(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::Cluster",
        {"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]},
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
