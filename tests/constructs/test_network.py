"""Network: VPC over the requested AZs, NAT egress, flow logs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from exosphere_constructs import Network


def test_two_azs_one_nat_and_flow_logs_by_default(stack: cdk.Stack) -> None:
    Network(stack, "Network")
    template = Template.from_stack(stack)

    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::Subnet", 4)
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    template.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Retain"})


def test_public_subnets_do_not_give_instances_public_ips(stack: cdk.Stack) -> None:
    Network(stack, "Network")
    subnets = Template.from_stack(stack).find_resources(
        "AWS::EC2::Subnet", {"Properties": {"MapPublicIpOnLaunch": True}}
    )
    assert subnets == {}


class ThreeAzStack(cdk.Stack):
    @property
    def availability_zones(self) -> list[str]:
        return ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_three_azs_with_a_nat_gateway_each(cdk_context: dict[str, Any]) -> None:
    stack = ThreeAzStack(cdk.App(context=cdk_context), "Test")
    Network(stack, "Network", availability_zones=3, nat_gateways=3)
    template = Template.from_stack(stack)

    template.resource_count_is("AWS::EC2::Subnet", 6)
    template.resource_count_is("AWS::EC2::NatGateway", 3)
    template.has_resource_properties(
        "AWS::EC2::Route",
        {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": Match.any_value()},
    )


@pytest.mark.parametrize(
    ("azs", "nats", "message"),
    [
        (1, 1, "availability_zones must be at least 2, got 1"),
        (2, 3, r"nat_gateways must be between 1 and availability_zones \(2\), got 3"),
        (2, 0, r"nat_gateways must be between 1 and availability_zones \(2\), got 0"),
    ],
)
def test_rejects_impossible_layouts(stack: cdk.Stack, azs: int, nats: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Network(stack, "Network", availability_zones=azs, nat_gateways=nats)
