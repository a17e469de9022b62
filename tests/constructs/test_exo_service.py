"""ExoService: task definition, capacity-provider placement, logs, scaling, load balancer target."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template

from exosphere_constructs import Ec2Cluster, ExoService


@pytest.fixture
def cluster(stack: cdk.Stack, vpc: ec2.Vpc) -> ecs.ICluster:
    return ecs.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name="public", vpc=vpc)


def _service(
    stack: cdk.Stack, cluster: ecs.ICluster, *, container_port: int | None = None
) -> ExoService:
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
        container_port=container_port,
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


def test_deployment_alarms_roll_a_deployment_back(stack: cdk.Stack, cluster: ecs.ICluster) -> None:
    ExoService(
        stack,
        "Web",
        cluster=cluster,
        capacity_provider_name="public-cp",
        image=ecs.ContainerImage.from_registry("acme/web"),
        container_name="web",
        deployment_alarm_names=["app-web-running-tasks", "app-web-5xx"],
    )
    [service] = Template.from_stack(stack).find_resources("AWS::ECS::Service").values()
    assert service["Properties"]["DeploymentConfiguration"]["Alarms"] == {
        "AlarmNames": ["app-web-running-tasks", "app-web-5xx"],
        "Enable": True,
        "Rollback": True,
    }


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


def test_a_private_service_publishes_no_port_and_has_no_grace_period(
    stack: cdk.Stack, cluster: ecs.ICluster
) -> None:
    # GIVEN a service without a container port
    _service(stack, cluster)
    # THEN its container maps no port and ECS waits for no load balancer
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ECS::Service",
        {"HealthCheckGracePeriodSeconds": Match.absent(), "LoadBalancers": []},
    )


def test_a_target_group_reaches_the_container_port_on_dynamic_host_ports(
    stack: cdk.Stack, vpc: ec2.Vpc, cluster: ecs.ICluster
) -> None:
    # GIVEN a service with a container port
    service = _service(stack, cluster, container_port=3000)
    # WHEN a target group takes it as a target
    group = elbv2.ApplicationTargetGroup(
        stack, "Group", vpc=vpc, port=3000, protocol=elbv2.ApplicationProtocol.HTTP
    )
    group.add_target(service.load_balancer_target())
    # THEN the port maps to a dynamic host port, and the service registers in the group
    template = Template.from_stack(stack)
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
        {
            "LoadBalancers": [Match.object_like({"ContainerName": "web", "ContainerPort": 3000})],
            "HealthCheckGracePeriodSeconds": 60,
        },
    )


def test_a_grace_period_given_is_kept(stack: cdk.Stack, cluster: ecs.ICluster) -> None:
    ExoService(
        stack,
        "Web",
        cluster=cluster,
        capacity_provider_name="cp",
        image=ecs.ContainerImage.from_registry("acme/web"),
        container_name="web",
        container_port=3000,
        health_check_grace_period=cdk.Duration.seconds(120),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECS::Service", {"HealthCheckGracePeriodSeconds": 120}
    )


def test_a_load_balancer_target_needs_a_port(stack: cdk.Stack, cluster: ecs.ICluster) -> None:
    service = _service(stack, cluster)
    with pytest.raises(ValueError, match="Test/Web: a load balancer target needs a container_port"):
        service.load_balancer_target()


def test_waits_for_the_capacity_provider_association_of_a_cluster_in_its_stack(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    host = Ec2Cluster(
        stack,
        "Host",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.small"),
        log_group_name_prefix="shop-",
    )
    _service_on(stack, host.cluster, host.capacity_provider.capacity_provider_name)
    template = Template.from_stack(stack)
    associations = template.find_resources("AWS::ECS::ClusterCapacityProviderAssociations")
    assert len(associations) == 1
    template.has_resource(
        "AWS::ECS::Service", {"DependsOn": Match.array_with([next(iter(associations))])}
    )


def test_a_cluster_of_another_stack_is_waited_for_by_stack_order(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    host = Ec2Cluster(
        stack,
        "Host",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.small"),
        log_group_name_prefix="shop-",
    )
    app = stack.node.root
    assert isinstance(app, cdk.App)
    other = cdk.Stack(app, "Service", env=cdk.Environment(region="us-east-1"))
    _service_on(other, host.cluster, host.capacity_provider.capacity_provider_name)
    services = Template.from_stack(other).find_resources("AWS::ECS::Service")
    assert len(services) == 1
    assert "ClusterCapacityProviderAssociations" not in json.dumps(services)
    assert other.dependencies == [stack]


def _service_on(scope: cdk.Stack, cluster: ecs.ICluster, capacity_provider_name: str) -> None:
    ExoService(
        scope,
        "Web",
        cluster=cluster,
        capacity_provider_name=capacity_provider_name,
        image=ecs.ContainerImage.from_registry("acme/web"),
        container_name="web",
    )


def test_read_only_root_and_user_reach_the_container(
    stack: cdk.Stack, cluster: ecs.ICluster
) -> None:
    ExoService(
        stack,
        "Locked",
        cluster=cluster,
        capacity_provider_name="public-cp",
        image=ecs.ContainerImage.from_registry("acme/web"),
        container_name="web",
        read_only_root=True,
        user="1000:1000",
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like({"ReadonlyRootFilesystem": True, "User": "1000:1000"})
            ]
        },
    )


def test_by_default_the_root_is_writable_and_the_user_the_images(
    stack: cdk.Stack, cluster: ecs.ICluster
) -> None:
    _service(stack, cluster)
    container = Template.from_stack(stack).find_resources("AWS::ECS::TaskDefinition")
    (definition,) = container.values()
    (settings,) = definition["Properties"]["ContainerDefinitions"]
    assert "ReadonlyRootFilesystem" not in settings
    assert "User" not in settings
