"""PublicLoadBalancer: one internet-facing ALB, HTTPS with redirect or HTTP only."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from exosphere_constructs import PublicLoadBalancer

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def _https(stack: cdk.Stack, vpc: ec2.Vpc) -> Template:
    certificate = acm.Certificate.from_certificate_arn(stack, "Cert", CERT)
    PublicLoadBalancer(stack, "Lb", vpc=vpc, certificate=certificate)
    return Template.from_stack(stack)


def test_internet_facing_drops_invalid_headers(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    template = _https(stack, vpc)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Scheme": "internet-facing",
            "Type": "application",
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]
            ),
        },
    )


def test_https_listener_with_modern_tls_and_a_404_default(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    template = _https(stack, vpc)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": CERT}],
            "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "DefaultActions": [
                Match.object_like(
                    {
                        "Type": "fixed-response",
                        "FixedResponseConfig": Match.object_like({"StatusCode": "404"}),
                    }
                )
            ],
        },
    )


def test_http_redirects_to_https(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    template = _https(stack, vpc)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": {
                        "Port": "443",
                        "Protocol": "HTTPS",
                        "StatusCode": "HTTP_301",
                    },
                }
            ],
        },
    )


def test_only_80_and_443_are_open_and_nothing_goes_out_by_default(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    template = _https(stack, vpc)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443}),
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 80, "ToPort": 80}),
            ],
            "SecurityGroupEgress": [Match.object_like({"CidrIp": "255.255.255.255/32"})],
        },
    )


def test_without_a_certificate_it_listens_on_http_only(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    lb = PublicLoadBalancer(stack, "Lb", vpc=vpc)
    template = Template.from_stack(stack)

    assert not lb.https
    assert lb.listener is lb.http_listener
    template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [Match.object_like({"Type": "fixed-response"})],
        },
    )


def test_access_logs_go_to_a_private_encrypted_bucket_kept_on_delete(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    template = _https(stack, vpc)
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                        ]
                    },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    },
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "access_logs.s3.enabled", "Value": "true"}]
            )
        },
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": "true"}]
            )
        },
    )


def test_access_logs_and_deletion_protection_can_be_turned_off(
    stack: cdk.Stack, vpc: ec2.Vpc
) -> None:
    lb = PublicLoadBalancer(stack, "Lb", vpc=vpc, access_logs=False, deletion_protection=False)
    template = Template.from_stack(stack)

    assert lb.access_logs is None
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": "false"}]
            )
        },
    )


def _port_80_listener(template: Template) -> str:
    found = template.find_resources(
        "AWS::ElasticLoadBalancingV2::Listener", {"Properties": {"Port": 80}}
    )
    assert len(found) == 1
    return next(iter(found))


def test_the_port_80_listener_keeps_its_logical_id_when_a_certificate_is_added(
    cdk_context: dict[str, Any],
) -> None:
    # GIVEN the same load balancer without and with a certificate (an app
    # deployed without a domain, then given one)
    templates = []
    for certificate_arn in (None, CERT):
        stack = cdk.Stack(cdk.App(context=cdk_context), "Test")
        vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
        certificate = (
            acm.Certificate.from_certificate_arn(stack, "Cert", certificate_arn)
            if certificate_arn
            else None
        )
        PublicLoadBalancer(stack, "Lb", vpc=vpc, certificate=certificate, access_logs=False)
        templates.append(Template.from_stack(stack))
    without, with_ = templates
    # THEN the port-80 listener has one logical ID in both (CloudFormation
    # updates it in place instead of creating a second listener on port 80),
    # the one CDK's add_redirect gave it in apps with a domain
    assert _port_80_listener(without) == _port_80_listener(with_)
    assert _port_80_listener(with_).startswith("LbAlbRedirect80To443")
    # AND only its default action differs: the routes' 404, or the redirect to HTTPS
    without.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "DefaultActions": [Match.object_like({"Type": "fixed-response"})]},
    )
    with_.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "DefaultActions": [Match.object_like({"Type": "redirect"})]},
    )
