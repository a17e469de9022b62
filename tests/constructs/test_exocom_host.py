"""ExoComHost: ExoCom on a single-instance cluster, named in a private DNS zone."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Match, Template

from exosphere_constructs import ExoComHost

#: SERVICE_ROUTES as a Node.js ExoCom reads it (the construct takes it as given).
ROUTES_JSON = '[{"role":"web","receives":["users.listed"],"sends":["users.list"]}]'
ENVIRONMENT = {"PORT": "3100", "SERVICE_ROUTES": ROUTES_JSON}


@pytest.fixture
def exocom(stack: cdk.Stack, vpc: ec2.Vpc) -> ExoComHost:
    return ExoComHost(
        stack,
        "ExoCom",
        vpc=vpc,
        port=3100,
        image=ecs.ContainerImage.from_registry("originate/exocom:0.21.8"),
        command=["bin/exocom"],
        environment=ENVIRONMENT,
        namespace_name="shop.internal",
        service_name="exocom",
        instance_type=ec2.InstanceType("t3.micro"),
        log_group_name_prefix="shop-",
    )


def test_runs_exocom_with_its_routes_and_port(stack: cdk.Stack, exocom: ExoComHost) -> None:
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "NetworkMode": "awsvpc",
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Image": "originate/exocom:0.21.8",
                        "Command": ["bin/exocom"],
                        "Environment": Match.array_with(
                            [
                                {"Name": "PORT", "Value": "3100"},
                                {"Name": "SERVICE_ROUTES", "Value": ROUTES_JSON},
                            ]
                        ),
                        "PortMappings": [Match.object_like({"ContainerPort": 3100})],
                    }
                )
            ],
        },
    )


def test_one_instance_one_task(stack: cdk.Stack, exocom: ExoComHost) -> None:
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"MinSize": "1", "MaxSize": "1"}
    )
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "DesiredCount": 1,
            "DeploymentConfiguration": Match.object_like(
                {"MinimumHealthyPercent": 0, "MaximumPercent": 100}
            ),
            "CapacityProviderStrategy": [Match.object_like({"Weight": 1})],
            "NetworkConfiguration": {
                "AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "DISABLED"})
            },
        },
    )


def test_its_name_lives_in_a_private_zone_and_follows_the_task(
    stack: cdk.Stack, exocom: ExoComHost
) -> None:
    template = Template.from_stack(stack)
    assert exocom.dns_name == "exocom.shop.internal"
    template.has_resource_properties(
        "AWS::ServiceDiscovery::PrivateDnsNamespace", {"Name": "shop.internal"}
    )
    template.has_resource_properties(
        "AWS::ServiceDiscovery::Service",
        {
            "Name": "exocom",
            "DnsConfig": Match.object_like({"DnsRecords": [{"TTL": 10, "Type": "A"}]}),
        },
    )


def test_nobody_may_connect_until_allowed(stack: cdk.Stack, exocom: ExoComHost) -> None:
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": Match.string_like_regexp("ExoCom"),
            "SecurityGroupIngress": Match.absent(),
        },
    )


def test_an_allowed_peer_may_connect_to_its_port_only(
    stack: cdk.Stack, vpc: ec2.Vpc, exocom: ExoComHost
) -> None:
    client = ec2.SecurityGroup(stack, "Client", vpc=vpc)
    exocom.allow_from(client, "a service")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "FromPort": 3100,
            "ToPort": 3100,
            "IpProtocol": "tcp",
            "SourceSecurityGroupId": Match.any_value(),
        },
    )


def test_without_a_command_the_image_runs_its_own(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    """The Go releases (0.23 and later) start `./exocom` by their image's CMD."""
    ExoComHost(
        stack,
        "ExoCom",
        vpc=vpc,
        port=3100,
        image=ecs.ContainerImage.from_registry("originate/exocom:0.27.0"),
        environment={"PORT": "3100", "SERVICE_DATA": "{}"},
        namespace_name="shop.internal",
        service_name="exocom",
        instance_type=ec2.InstanceType("t3.micro"),
        log_group_name_prefix="shop-",
    )
    (task,) = Template.from_stack(stack).find_resources("AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    assert "Command" not in container
    assert container["Environment"][:2] == [
        {"Name": "PORT", "Value": "3100"},
        {"Name": "SERVICE_DATA", "Value": "{}"},
    ]


def test_the_service_waits_for_its_clusters_capacity_provider_association(
    stack: cdk.Stack, exocom: ExoComHost
) -> None:
    template = Template.from_stack(stack)
    associations = template.find_resources("AWS::ECS::ClusterCapacityProviderAssociations")
    assert len(associations) == 1
    services = template.find_resources("AWS::ECS::Service")
    assert len(services) == 1
    depends_on = next(iter(services.values()))["DependsOn"]
    assert next(iter(associations)) in depends_on


def test_exocom_boots_the_arm64_ami_on_a_graviton_type(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    ExoComHost(
        stack,
        "ExoCom",
        vpc=vpc,
        port=3100,
        image=ecs.ContainerImage.from_registry("originate/exocom:0.21.8"),
        environment=ENVIRONMENT,
        namespace_name="shop.internal",
        service_name="exocom",
        instance_type=ec2.InstanceType("t4g.micro"),
        log_group_name_prefix="shop-",
    )
    images = Template.from_stack(stack).find_parameters(
        "*", {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"}
    )
    assert [p["Default"] for p in images.values()] == [
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
    ]


def _task_security_group(template: Template) -> dict[str, object]:
    groups = template.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": "ExoCom, reachable from the app services only"}},
    )
    (group,) = groups.values()
    properties: dict[str, object] = group["Properties"]
    return properties


def test_exocom_task_sends_nothing_out(stack: cdk.Stack, exocom: ExoComHost) -> None:
    """Its image, secrets and logs go through the host's interface, not the task's."""
    egress = _task_security_group(Template.from_stack(stack))["SecurityGroupEgress"]
    # CDK's placeholder rule for "no egress": ICMP type 252 code 86 to 255.255.255.255/32.
    assert egress == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]


def test_with_ecs_exec_exocom_may_reach_https_only(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    ExoComHost(
        stack,
        "ExoCom",
        vpc=vpc,
        port=3100,
        image=ecs.ContainerImage.from_registry("originate/exocom:0.21.8"),
        environment=ENVIRONMENT,
        namespace_name="shop.internal",
        service_name="exocom",
        instance_type=ec2.InstanceType("t3.micro"),
        log_group_name_prefix="shop-",
        execute_command=True,
    )
    egress = _task_security_group(Template.from_stack(stack))["SecurityGroupEgress"]
    assert egress == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "ECS Exec: SSM agent to ssmmessages",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
