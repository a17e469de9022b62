"""LoadBalancerWebAcl: a regional web ACL of AWS's managed rule groups on the ALB."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Match, Template

from exosphere_constructs import LoadBalancerWebAcl
from exosphere_constructs.web_acl import MANAGED_RULE_GROUPS


def _alb(stack: cdk.Stack, vpc: ec2.Vpc) -> elbv2.ApplicationLoadBalancer:
    return elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=vpc, internet_facing=True)


def test_regional_acl_allows_by_default_with_the_three_managed_groups(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    LoadBalancerWebAcl(stack, "Waf", load_balancer=_alb(stack, vpc), metric_prefix="app")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::WAFv2::WebACL", 1)
    template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "VisibilityConfig": {
                "CloudWatchMetricsEnabled": True,
                "MetricName": "app-web-acl",
                "SampledRequestsEnabled": True,
            },
            "Rules": [
                {
                    "Name": group,
                    "Priority": priority,
                    "OverrideAction": {"None": {}},
                    "Statement": {
                        "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": group}
                    },
                    "VisibilityConfig": {
                        "CloudWatchMetricsEnabled": True,
                        "MetricName": f"app-{group}",
                        "SampledRequestsEnabled": True,
                    },
                }
                for priority, group in enumerate(MANAGED_RULE_GROUPS)
            ],
        },
    )
    assert MANAGED_RULE_GROUPS == (
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    )


def test_associated_with_the_load_balancer(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    waf = LoadBalancerWebAcl(stack, "Waf", load_balancer=_alb(stack, vpc), metric_prefix="app")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {
            "ResourceArn": {"Ref": Match.string_like_regexp("^Alb")},
            "WebACLArn": {"Fn::GetAtt": [stack.get_logical_id(waf.web_acl), "Arn"]},
        },
    )


def test_an_imported_load_balancer_is_accepted(stack: cdk.Stack) -> None:
    imported = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack,
        "Imported",
        load_balancer_arn="arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1",
        security_group_id="sg-12345678",
    )
    LoadBalancerWebAcl(stack, "Waf", load_balancer=imported, metric_prefix="app")
    Template.from_stack(stack).has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {"ResourceArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"},
    )


def test_no_rule_group_is_refused(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    with pytest.raises(ValueError, match="at least one managed rule group, got none"):
        LoadBalancerWebAcl(
            stack, "Waf", load_balancer=_alb(stack, vpc), metric_prefix="app", rule_groups=()
        )
