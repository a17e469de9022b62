"""ExoService: task definition, capacity-provider placement, logs, scaling, route."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template

from exosphere_constructs import ExoService, PublicLoadBalancer, Route


@pytest.fixture
def cluster(stack: cdk.Stack, vpc: ec2.Vpc) -> ecs.ICluster:
    return ecs.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name="public", vpc=vpc)


def _service(stack: cdk.Stack, cluster: ecs.ICluster, *, route: Route | None = None) -> ExoService:
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "Db", "shop/db")
    return ExoService(
        stack,
        "Web",
        cluster=cluster,
        capacity_provider_name="public-cp",
        image=ecs.ContainerImage.from_registry("acme/web"),
        container_name="web",
        command=["node", "server.js"],
        cpu=256,
        memory_mib=512,
        environment={"EXOCOM_HOST": "exocom.shop.internal", "ROLE": "web"},
        secrets={"DB_PASSWORD": ecs.Secret.from_secrets_manager(secret, field="password")},
        container_port=3000 if route else None,
        route=route,
        min_tasks=2,
        max_tasks=6,
        cpu_target_percent=60,
        log_retention=logs.RetentionDays.TWO_WEEKS,
    )


def test_container_settings(stack: cdk.Stack, cluster: ecs.ICluster) -> None:
    _service(stack, cluster)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "NetworkMode": "bridge",
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "web",
                        "Image": "acme/web",
                        "Command": ["node", "server.js"],
                        "Cpu": 256,
                        "Memory": 512,
                        "Environment": [
                            {"Name": "EXOCOM_HOST", "Value": "exocom.shop.internal"},
                            {"Name": "ROLE", "Value": "web"},
                        ],
                        "Secrets": [
                            {
                                "Name": "DB_PASSWORD",
                                "ValueFrom": Match.any_value(),
                            }
                        ],
                        "LogConfiguration": Match.object_like({"LogDriver": "awslogs"}),
                        "PortMappings": Match.absent(),
                    }
                )
            ],
        },
    )
    template.has_resource(
        "AWS::Logs::LogGroup",
        {"DeletionPolicy": "Retain", "Properties": {"RetentionInDays": 14}},
    )


def test_placed_through_the_capacity_provider_with_rollback(
    stack: cdk.Stack, cluster: ecs.ICluster
) -> None:
    _service(stack, cluster)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "CapacityProviderStrategy": [{"CapacityProvider": "public-cp", "Weight": 1}],
            "LaunchType": Match.absent(),
            "DeploymentConfiguration": Match.object_like(
                {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
            ),
        },
    )


def test_scales_on_cpu_between_min_and_max(stack: cdk.Stack, cluster: ecs.ICluster) -> None:
    _service(stack, cluster)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 2, "MaxCapacity": 6}
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "TargetValue": 60,
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                    },
                }
            ),
        },
    )


def test_secret_access_is_granted_to_the_execution_role_only(
    stack: cdk.Stack, cluster: ecs.ICluster
) -> None:
    _service(stack, cluster)
    template = Template.from_stack(stack)
    execution = template.find_resources(
        "AWS::IAM::Policy",
        {"Properties": {"Roles": [{"Ref": Match.string_like_regexp("WebTaskExecutionRole")}]}},
    )
    statements = json.dumps(next(iter(execution.values()))["Properties"]["PolicyDocument"])
    assert '"secretsmanager:GetSecretValue"' in statements
    assert ":secret:shop/db-??????" in statements
    # The task role itself gets no policy at all.
    task_policies = template.find_resources(
        "AWS::IAM::Policy",
        {"Properties": {"Roles": [{"Ref": Match.string_like_regexp("WebTaskTaskRole")}]}},
    )
    assert task_policies == {}


def test_a_route_adds_target_group_and_host_rule(
    stack: cdk.Stack, vpc: ec2.Vpc, cluster: ecs.ICluster
) -> None:
    lb = PublicLoadBalancer(stack, "Lb", vpc=vpc)
    route = Route(
        listener=lb.listener,
        vpc=vpc,
        priority=123,
        host_header="shop.example.com",
        health_check_path="/health",
    )
    _service(stack, cluster, route=route)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "TargetType": "instance",
            "HealthCheckPath": "/health",
            "HealthCheckPort": "traffic-port",
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Priority": 123,
            "Conditions": [
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}}
            ],
        },
    )
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {"PortMappings": [{"ContainerPort": 3000, "HostPort": 0, "Protocol": "tcp"}]}
                )
            ]
        },
    )
    template.has_resource_properties(
        "AWS::ECS::Service",
        {"LoadBalancers": [Match.object_like({"ContainerName": "web", "ContainerPort": 3000})]},
    )


def test_a_route_without_host_is_the_catch_all(
    stack: cdk.Stack, vpc: ec2.Vpc, cluster: ecs.ICluster
) -> None:
    lb = PublicLoadBalancer(stack, "Lb", vpc=vpc)
    _service(
        stack, cluster, route=Route(listener=lb.listener, vpc=vpc, priority=50000, host_header=None)
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Priority": 50000,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
        },
    )


def test_a_route_needs_a_port(stack: cdk.Stack, vpc: ec2.Vpc, cluster: ecs.ICluster) -> None:
    lb = PublicLoadBalancer(stack, "Lb", vpc=vpc)
    with pytest.raises(ValueError, match="web: a route needs a container_port"):
        ExoService(
            stack,
            "Web",
            cluster=cluster,
            capacity_provider_name="cp",
            image=ecs.ContainerImage.from_registry("acme/web"),
            container_name="web",
            route=Route(listener=lb.listener, vpc=vpc, priority=1, host_header="a.b"),
        )
