"""PublicRoute: target group, listener rule, alias record and the certificate a deep URL needs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2_targets as elbv2_targets
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Match, Template

from exosphere_constructs import PublicLoadBalancer, PublicRoute
from exosphere_constructs.public_route import covered_by

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
DOMAIN = "shop.example.com"
CERT_NAMES = (DOMAIN, f"*.{DOMAIN}")


@pytest.fixture
def lb(stack: cdk.Stack, vpc: ec2.Vpc) -> PublicLoadBalancer:
    certificate = acm.Certificate.from_certificate_arn(stack, "Cert", CERT)
    return PublicLoadBalancer(stack, "Lb", vpc=vpc, certificate=certificate)


@pytest.fixture
def zone(stack: cdk.Stack) -> route53.IHostedZone:
    return route53.PublicHostedZone.from_public_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789", zone_name=DOMAIN
    )


def _route(stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer, **props: Any) -> PublicRoute:
    return PublicRoute(
        stack,
        "Route",
        listener=lb.listener,
        vpc=vpc,
        priority=props.pop("priority", 123),
        port=3000,
        load_balancer=lb.load_balancer,
        **props,
    )


def test_a_target_group_polled_on_the_traffic_port(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer
) -> None:
    # GIVEN a route with a health check path
    _route(stack, vpc, lb, host_header="api.shop.example.com", health_check_path="/health")
    # THEN its target group registers instances and polls the port traffic goes to
    Template.from_stack(stack).has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Port": 3000,
            "Protocol": "HTTP",
            "TargetType": "instance",
            "HealthCheckPath": "/health",
            "HealthCheckPort": "traffic-port",
            "Matcher": {"HttpCode": "200-399"},
            "TargetGroupAttributes": Match.array_with(
                [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]
            ),
        },
    )


def test_a_host_rule_forwards_to_the_target_group(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer
) -> None:
    # GIVEN a route for one host
    route = _route(stack, vpc, lb, host_header="api.shop.example.com")
    # THEN the HTTPS listener gets a rule with that host header and priority
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Priority": 123,
            "ListenerArn": {"Ref": Match.string_like_regexp("^LbAlbHttps")},
            "Conditions": [
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["api.shop.example.com"]}}
            ],
            "Actions": [Match.object_like({"Type": "forward"})],
        },
    )
    assert route.alias is None
    assert route.certificate is None


def test_without_a_host_the_rule_is_the_catch_all(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer
) -> None:
    _route(stack, vpc, lb, priority=50000)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Priority": 50000,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
        },
    )


def test_with_a_zone_an_alias_record_points_at_the_load_balancer(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer, zone: route53.IHostedZone
) -> None:
    # GIVEN a route with a zone
    route = _route(
        stack, vpc, lb, host_header="api.shop.example.com", zone=zone, certificate_names=CERT_NAMES
    )
    # THEN an alias A record of the host points at the load balancer
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "Name": "api.shop.example.com.",
            "Type": "A",
            "HostedZoneId": "Z0123456789",
            "AliasTarget": Match.object_like(
                {"DNSName": Match.object_like({"Fn::Join": Match.any_value()})}
            ),
        },
    )
    # AND the listener's certificate covers one level below the domain: no certificate of its own
    template.resource_count_is("AWS::CertificateManager::Certificate", 0)
    template.resource_count_is("AWS::ElasticLoadBalancingV2::ListenerCertificate", 0)
    assert route.alias is not None
    assert route.certificate is None


def test_a_url_deeper_than_the_certificate_gets_its_own(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer, zone: route53.IHostedZone
) -> None:
    # GIVEN a route two levels below the domain
    route = _route(
        stack,
        vpc,
        lb,
        host_header="api.eu.shop.example.com",
        zone=zone,
        certificate_names=CERT_NAMES,
    )
    # THEN it has a DNS-validated certificate of its own, added to the listener
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": "api.eu.shop.example.com",
            "ValidationMethod": "DNS",
            "DomainValidationOptions": [
                {"DomainName": "api.eu.shop.example.com", "HostedZoneId": "Z0123456789"}
            ],
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        {
            "ListenerArn": {"Ref": Match.string_like_regexp("^LbAlbHttps")},
            "Certificates": [{"CertificateArn": {"Ref": Match.string_like_regexp("^Route")}}],
        },
    )
    assert route.certificate is not None
    assert route.listener_certificate is not None


def test_without_certificate_names_the_listener_certificate_covers_every_url(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer, zone: route53.IHostedZone
) -> None:
    # GIVEN a deep URL and a listener certificate given by ARN (its names unknown)
    _route(stack, vpc, lb, host_header="api.eu.shop.example.com", zone=zone)
    # THEN the route issues no certificate
    Template.from_stack(stack).resource_count_is("AWS::CertificateManager::Certificate", 0)


def test_targets_given_register_with_the_target_group(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer
) -> None:
    target = elbv2_targets.InstanceIdTarget("i-0123456789abcdef0", 3000)
    _route(stack, vpc, lb, host_header="a.shop.example.com", targets=[target])
    Template.from_stack(stack).has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Targets": [{"Id": "i-0123456789abcdef0", "Port": 3000}]},
    )


def test_logical_ids_keep_the_layout_deployed_apps_carry(
    stack: cdk.Stack, vpc: ec2.Vpc, lb: PublicLoadBalancer, zone: route53.IHostedZone
) -> None:
    # GIVEN a route with the id `Default` (left out of logical IDs)
    PublicRoute(
        stack,
        "Default",
        listener=lb.listener,
        vpc=vpc,
        priority=7,
        port=3000,
        host_header="api.eu.shop.example.com",
        zone=zone,
        load_balancer=lb.load_balancer,
        certificate_names=CERT_NAMES,
    )
    # THEN its resources have the logical IDs a service stack gave them before
    # the route was a construct (the same as in the stack snapshots)
    ids = set(Template.from_stack(stack).to_json()["Resources"])
    assert {
        "ServiceTargetGroupE74A3394",
        "ServiceListenerRuleB0C7BD55",
        "Alias325C5727",
        "Certificate4E7ABB08",
        "ListenerCertificate3CF60E09",
    } <= ids


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"zone": "zone"}, "an alias record in a zone needs a host_header"),
        (
            {"zone": "zone", "host_header": "a.shop.example.com", "load_balancer": None},
            "an alias record in a zone needs the load_balancer",
        ),
        ({"priority": 0}, "a rule priority is 1 to 50000, got 0"),
        ({"priority": 50001}, "a rule priority is 1 to 50000, got 50001"),
    ],
)
def test_invalid_props_are_refused(
    stack: cdk.Stack,
    vpc: ec2.Vpc,
    lb: PublicLoadBalancer,
    props: dict[str, Any],
    message: str,
) -> None:
    if props.get("zone") == "zone":
        props["zone"] = route53.HostedZone.from_hosted_zone_id(stack, "Z", "Z0123456789")
    load_balancer = props.pop("load_balancer", lb.load_balancer)
    with pytest.raises(ValueError, match=f"^Test/Route: {message}$"):
        PublicRoute(
            stack,
            "Route",
            listener=lb.listener,
            vpc=vpc,
            port=3000,
            load_balancer=load_balancer,
            **{"priority": 1, **props},
        )


@pytest.mark.parametrize(
    ("host", "covered"),
    [
        ("shop.example.com", True),
        ("api.shop.example.com", True),
        ("api.eu.shop.example.com", False),
        ("*.shop.example.com", False),
        ("example.com", False),
        ("other.example.com", False),
    ],
)
def test_a_wildcard_covers_one_level_below_its_domain(host: str, covered: bool) -> None:
    assert covered_by(host, CERT_NAMES) is covered
