"""The architecture of DESIGN.md, bullet by bullet, on the synthesized examples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from exosphere_cdk.manifest.data import ec2_types
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import cluster
from exosphere_cdk.manifest.model.constraints import (
    DEFAULT_INSTANCE_TYPE,
    LOG_RETENTION_DAYS,
    RESERVED_ROLES,
)
from exosphere_cdk.stacks.convert import ARCHITECTURES, RETENTION_DAYS
from tests.apps import AppFactory
from tests.conftest import EXAMPLES, needs_corpus
from tests.synth import Synthesized, synthesize

#: Our examples, and the corpus's space-tweet when it is here.
ALL_APPS = [*EXAMPLES, pytest.param("space-tweet", marks=needs_corpus)]

Synth = Callable[[str], Synthesized]


def _container(template: Template) -> dict[str, Any]:
    task_definitions = template.find_resources("AWS::ECS::TaskDefinition")
    assert len(task_definitions) == 1
    definition = next(iter(task_definitions.values()))
    containers: list[dict[str, Any]] = definition["Properties"]["ContainerDefinitions"]
    assert len(containers) == 1
    return containers[0]


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["Name"]: e["Value"] for e in container.get("Environment", [])}


def _secrets(container: dict[str, Any]) -> dict[str, str]:
    return {s["Name"]: json.dumps(s["ValueFrom"]) for s in container.get("Secrets", [])}


# ---------------------------------------------------------------- network


def test_vpc_spans_the_configured_azs_with_nat_and_flow_logs(synthesized: Synth) -> None:
    network = synthesized("shop").template("network")
    network.resource_count_is("AWS::EC2::VPC", 1)
    network.resource_count_is("AWS::EC2::Subnet", 6)  # 3 AZs x (public + private)
    network.resource_count_is("AWS::EC2::NatGateway", 2)
    network.resource_count_is("AWS::EC2::FlowLog", 1)
    # AZs are picked at deploy time: synthesis needs no lookup.
    network.has_resource_properties(
        "AWS::EC2::Subnet",
        {"AvailabilityZone": {"Fn::Select": [2, {"Fn::GetAZs": ""}]}},
    )


def test_defaults_are_two_azs_and_one_nat(synthesized: Synth) -> None:
    network = synthesized("hello").template("network")
    network.resource_count_is("AWS::EC2::Subnet", 4)
    network.resource_count_is("AWS::EC2::NatGateway", 1)


# ---------------------------------------------------------------- clusters


@pytest.mark.parametrize("example", ALL_APPS)
def test_no_launch_configuration_anywhere(synthesized: Synth, example: str) -> None:
    for body in synthesized(example).templates.values():
        types = {r["Type"] for r in body.get("Resources", {}).values()}
        assert "AWS::AutoScaling::LaunchConfiguration" not in types


def test_clusters_use_the_manifest_instance_types_and_sizes(synthesized: Synth) -> None:
    platform = synthesized("shop").template("platform")
    for instance_type in ("t3.medium", "t3.large"):
        platform.has_resource_properties(
            "AWS::EC2::LaunchTemplate",
            {
                "LaunchTemplateData": Match.object_like(
                    {
                        "InstanceType": instance_type,
                        "MetadataOptions": Match.object_like({"HttpTokens": "required"}),
                    }
                )
            },
        )
    platform.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"MinSize": "2", "MaxSize": "4"}
    )
    platform.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"MinSize": "2", "MaxSize": "6"}
    )
    platform.resource_count_is("AWS::ECS::Cluster", 2)
    platform.resource_count_is("AWS::ECS::CapacityProvider", 2)


def test_default_instance_type_when_the_manifest_has_none(synthesized: Synth) -> None:
    platform = synthesized("hello").template("platform")
    launch_templates = platform.find_resources("AWS::EC2::LaunchTemplate")
    types = {
        lt["Properties"]["LaunchTemplateData"]["InstanceType"] for lt in launch_templates.values()
    }
    assert types == {DEFAULT_INSTANCE_TYPE}


@pytest.mark.parametrize("example", ALL_APPS)
def test_every_service_is_placed_through_its_clusters_capacity_provider(
    synthesized: Synth, example: str
) -> None:
    synth = synthesized(example)
    for svc in synth.app.services:
        cluster = "PublicCluster" if svc.public else "PrivateCluster"
        synth.template(svc.role).has_resource_properties(
            "AWS::ECS::Service",
            {
                "LaunchType": Match.absent(),
                "CapacityProviderStrategy": [
                    {
                        "CapacityProvider": {
                            "Fn::GetStackOutput": Match.object_like(
                                {
                                    "StackName": f"{synth.app.slug}-platform",
                                    "OutputName": Match.string_like_regexp(
                                        f"{cluster}CapacityProvider"
                                    ),
                                }
                            )
                        },
                        "Weight": 1,
                    }
                ],
                "DeploymentConfiguration": Match.object_like(
                    {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
                ),
            },
        )


# ---------------------------------------------------------------- ExoCom


def test_exocom_0_26_runs_the_go_image_with_translations(synthesized: Synth) -> None:
    synth = synthesized("shop")
    container = _container(synth.template("exocom"))
    assert container["Image"] == "originate/exocom:0.26.4"
    assert "Command" not in container  # the Go image's own `./exocom`
    env = _env(container)
    # AWS_REGION is CDK's, on every container
    assert set(env) - {"AWS_REGION"} == {"PORT", "SERVICE_ROUTES"}
    assert env["PORT"] == "3100"
    routes = json.loads(env["SERVICE_ROUTES"])
    assert routes == derive.service_routes(synth.app)
    assert [r["role"] for r in routes] == sorted(s.role for s in synth.app.services)
    products = next(r for r in routes if r["role"] == "products")
    assert products == {
        "role": "products",
        "receives": ["mongo.list", "mongo.get", "mongo.create"],
        "sends": ["mongo.listed", "mongo.details", "mongo.created"],
        "messageTranslations": [
            {"public": "products.listed", "internal": "mongo.listed"},
            {"public": "products.details", "internal": "mongo.details"},
            {"public": "products.created", "internal": "mongo.created"},
            {"public": "products.list", "internal": "mongo.list"},
            {"public": "products.get", "internal": "mongo.get"},
            {"public": "products.create", "internal": "mongo.create"},
        ],
    }
    assert all("messageTranslations" not in r for r in routes if r["role"] != "products")
    assert all("namespace" not in r for r in routes)


@pytest.mark.parametrize(("example", "version"), [("hello", "0.21.8"), ("chat", "0.22.1")])
def test_exocom_0_21_runs_bin_exocom_with_namespaced_routes(
    synthesized: Synth, example: str, version: str
) -> None:
    synth = synthesized(example)
    container = _container(synth.template("exocom"))
    assert container["Image"] == f"originate/exocom:{version}"
    assert container["Command"] == ["bin/exocom"]
    env = _env(container)
    # AWS_REGION is CDK's, on every container
    assert set(env) - {"AWS_REGION"} == {"PORT", "SERVICE_ROUTES"}
    routes = json.loads(env["SERVICE_ROUTES"])
    assert routes == derive.service_routes(synth.app)
    for route in routes:
        assert set(route) <= {"role", "receives", "sends", "namespace"}
        svc = next(s for s in synth.app.services if s.role == route["role"])
        assert route["sends"] == list(svc.messages.sends)
        assert route["receives"] == list(svc.messages.receives)


def test_every_service_of_chat_names_its_sends(synthesized: Synth) -> None:
    # presence is a docker_image without a service.yml: its messages are in application.yml
    routes = json.loads(_env(_container(synthesized("chat").template("exocom")))["SERVICE_ROUTES"])
    presence = next(r for r in routes if r["role"] == "presence")
    assert presence["sends"]
    assert presence["receives"]


def test_exocom_is_a_single_instance_in_a_private_zone(synthesized: Synth) -> None:
    exocom = synthesized("hello").template("exocom")
    exocom.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"MinSize": "1", "MaxSize": "1"}
    )
    exocom.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {"LaunchTemplateData": Match.object_like({"InstanceType": "t3.micro"})},
    )
    exocom.has_resource_properties(
        "AWS::ServiceDiscovery::PrivateDnsNamespace", {"Name": "hello.internal"}
    )
    exocom.has_resource_properties("AWS::ServiceDiscovery::Service", {"Name": "exocom"})


def test_only_the_app_clusters_may_connect_to_exocom(synthesized: Synth) -> None:
    exocom = synthesized("hello").template("exocom")
    rules = exocom.find_resources("AWS::EC2::SecurityGroupIngress")
    assert len(rules) == 2
    sources = set()
    for rule in rules.values():
        props = rule["Properties"]
        assert (props["FromPort"], props["ToPort"], props["IpProtocol"]) == (3100, 3100, "tcp")
        assert "CidrIp" not in props
        sources.add(props["SourceSecurityGroupId"]["Fn::GetStackOutput"]["OutputName"])
    assert len(sources) == 2
    assert any("PublicCluster" in s for s in sources)
    assert any("PrivateCluster" in s for s in sources)


# ---------------------------------------------------------------- services


@pytest.mark.parametrize("example", ALL_APPS)
def test_every_service_gets_exocom_address_and_its_role(synthesized: Synth, example: str) -> None:
    synth = synthesized(example)
    for svc in synth.app.services:
        env = _env(_container(synth.template(svc.role)))
        assert env["EXOCOM_HOST"] == f"exocom.{synth.app.slug}.internal"
        assert env["EXOCOM_PORT"] == "3100"
        assert env["ROLE"] == svc.role


def test_container_from_the_manifests(synthesized: Synth) -> None:
    synth = synthesized("chat")
    web = _container(synth.template("web"))
    assert web["Image"] == "exosphere-cdk-examples/chat-web:1.4.2"
    assert web["Command"] == ["node", "dist/server.js", "--port", "3000"]
    assert (web["Cpu"], web["Memory"]) == (256, 384)
    assert web["PortMappings"] == [{"ContainerPort": 3000, "HostPort": 0, "Protocol": "tcp"}]
    assert "PortMappings" not in _container(synth.template("history"))
    presence = _container(synth.template("presence"))
    assert presence["Image"] == "exosphere-cdk-examples/chat-presence:2.0.1"
    assert "Command" not in presence
    assert (presence["Cpu"], presence["Memory"]) == (100, 500)


@needs_corpus
def test_container_from_the_manifests_of_space_tweet(synthesized: Synth) -> None:
    synth = synthesized("space-tweet")
    web = _container(synth.template("space-tweet-web-service"))
    assert web["Image"] == "originate/space-tweet-web-service"
    assert web["Command"] == ["node_modules/.bin/lsc", "app"]
    assert (web["Cpu"], web["Memory"]) == (100, 500)
    assert web["PortMappings"] == [{"ContainerPort": 3000, "HostPort": 0, "Protocol": "tcp"}]
    users = _container(synth.template("exosphere-users-service"))
    assert "PortMappings" not in users


def test_dockerfile_in_the_service_folder_becomes_an_image_asset(synthesized: Synth) -> None:
    synth = synthesized("shop")
    image = json.dumps(_container(synth.template("storefront"))["Image"])
    assert "container-assets" in image
    assert "originate" not in image
    assert _container(synth.template("cart"))["Image"] == "exosphere-cdk-examples/shop-cart"


def test_plain_environment_and_secrets_from_the_manifest(synthesized: Synth) -> None:
    synth = synthesized("shop")
    payments = _container(synth.template("payments"))
    assert _env(payments)["PAYMENT_PROVIDER"] == "stripe"
    secrets = _secrets(payments)
    assert ":secret:shop/payment-api-key" in secrets["PAYMENT_API_KEY"]
    assert ":secret:shop/payment-provider:webhook-secret::" in secrets["PAYMENT_WEBHOOK_SECRET"]


def test_mongo_dependency_gets_credentials_from_a_secret(synthesized: Synth) -> None:
    synth = synthesized("shop")
    products = _secrets(_container(synth.template("products")))
    assert ":secret:exosphere-shop/mongo:username::" in products["MONGODB_USER"]
    assert ":secret:exosphere-shop/mongo:password::" in products["MONGODB_PW"]
    orders = _secrets(_container(synth.template("orders")))
    assert ":secret:shop/orders-mongo:password::" in orders["MONGODB_PW"]
    assert "MONGODB_PW" not in _secrets(_container(synth.template("cart")))


def test_logs_autoscaling_from_the_manifest(synthesized: Synth) -> None:
    storefront = synthesized("shop").template("storefront")
    storefront.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 90})
    storefront.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 2, "MaxCapacity": 8}
    )
    storefront.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 60})},
    )


# ---------------------------------------------------------------- public services


def test_a_listener_rule_per_public_url(synthesized: Synth) -> None:
    synth = synthesized("shop")
    for svc in synth.app.public_services:
        template = synth.template(svc.role)
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            {
                "Priority": derive.listener_priority(svc),
                "Conditions": [
                    {
                        "Field": "host-header",
                        "HostHeaderConfig": {"Values": [svc.url]},
                    }
                ],
            },
        )
        template.has_resource_properties(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            {
                "HealthCheckPath": svc.health_check_path,
                "HealthCheckPort": "traffic-port",
                "TargetType": "instance",
            },
        )
        template.has_resource_properties(
            "AWS::Route53::RecordSet",
            {
                "Name": f"{svc.url}.",
                "Type": "A",
                "AliasTarget": Match.any_value(),
            },
        )
    for svc in synth.app.private_services:
        synth.template(svc.role).resource_count_is("AWS::ElasticLoadBalancingV2::ListenerRule", 0)


def test_https_with_a_certificate_for_the_domain_and_its_subdomains(synthesized: Synth) -> None:
    synth = synthesized("shop")
    synth.template("dns").has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": "shop.example.com",
            "SubjectAlternativeNames": ["*.shop.example.com"],
            "ValidationMethod": "DNS",
        },
    )
    platform = synth.template("platform")
    platform.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "SslPolicy": Match.string_like_regexp("TLS13")},
    )
    platform.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "DefaultActions": [Match.object_like({"Type": "redirect"})]},
    )
    # api.eu.shop.example.com is two levels down: it brings its own certificate.
    api = synth.template("api")
    api.has_resource_properties(
        "AWS::CertificateManager::Certificate", {"DomainName": "api.eu.shop.example.com"}
    )
    api.resource_count_is("AWS::ElasticLoadBalancingV2::ListenerCertificate", 1)
    synth.template("admin").resource_count_is("AWS::CertificateManager::Certificate", 0)


def test_the_hosted_zone_is_kept_on_destroy(synthesized: Synth) -> None:
    synthesized("hello").template("zone").has_resource(
        "AWS::Route53::HostedZone",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like({"Name": "hello.example.com."}),
        },
    )


def test_the_zone_stack_holds_the_zone_alone_and_the_certificate_comes_after(
    synthesized: Synth,
) -> None:
    synth = synthesized("hello")
    zone = synth.templates["hello-zone"]
    # nothing in the zone stack waits on the delegation: its name servers come first
    assert {r["Type"] for r in zone["Resources"].values()} == {"AWS::Route53::HostedZone"}
    dns = synth.templates["hello-dns"]
    assert {r["Type"] for r in dns["Resources"].values()} == {
        "AWS::CertificateManager::Certificate"
    }
    assert "hello-zone" in json.dumps(dns["Resources"])  # validated through the zone stack's zone
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    assert "hello-zone" in manifest["artifacts"]["hello-dns"]["dependencies"]
    assert "hello-zone" not in str(manifest["artifacts"]["hello-network"].get("dependencies"))
    assert not manifest["artifacts"]["hello-zone"].get("dependencies", [None])[1:]


def test_outputs_name_servers_load_balancer_and_urls(synthesized: Synth) -> None:
    synth = synthesized("hello")
    zone_outputs = synth.templates["hello-zone"]["Outputs"]
    assert "Fn::GetAtt" in json.dumps(zone_outputs["NameServers"]["Value"])
    assert "NameServers" in json.dumps(zone_outputs["NameServers"]["Value"])
    platform_outputs = synth.templates["hello-platform"]["Outputs"]
    assert "DNSName" in json.dumps(platform_outputs["LoadBalancerDnsName"]["Value"])
    assert synth.templates["hello-web"]["Outputs"]["Url"]["Value"] == "https://hello.example.com"


# ---------------------------------------------------------------- security groups


def test_only_the_load_balancer_faces_the_internet(synthesized: Synth) -> None:
    synth = synthesized("shop")
    open_rules = []
    for name, body in synth.templates.items():
        for logical_id, resource in body.get("Resources", {}).items():
            text = json.dumps(resource.get("Properties", {}))
            if resource["Type"].startswith("AWS::EC2::SecurityGroup") and "0.0.0.0/0" in text:
                ingress = resource["Properties"].get("SecurityGroupIngress", [])
                open_rules += [
                    (name, logical_id, rule["FromPort"])
                    for rule in ingress
                    if rule.get("CidrIp") == "0.0.0.0/0"
                ]
    assert {(name, port) for name, _, port in open_rules} == {
        ("exosphere-shop-platform", 80),
        ("exosphere-shop-platform", 443),
    }
    assert all("LoadBalancer" in logical_id for _, logical_id, _ in open_rules)


def test_public_instances_accept_only_the_load_balancer_on_dynamic_ports(
    synthesized: Synth,
) -> None:
    platform = synthesized("hello").template("platform")
    rules = platform.find_resources("AWS::EC2::SecurityGroupIngress")
    assert len(rules) == 1
    props = next(iter(rules.values()))["Properties"]
    assert (props["FromPort"], props["ToPort"]) == (32768, 65535)
    assert "LoadBalancer" in json.dumps(props["SourceSecurityGroupId"])
    assert "PublicCluster" in json.dumps(props["GroupId"])
    egress = platform.find_resources("AWS::EC2::SecurityGroupEgress")
    assert len(egress) == 1
    assert (next(iter(egress.values()))["Properties"]["FromPort"]) == 32768


def test_private_services_accept_nothing_inbound(synthesized: Synth) -> None:
    platform = synthesized("hello").template("platform")
    groups = platform.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("PrivateCluster")}},
    )
    assert len(groups) == 1
    assert "SecurityGroupIngress" not in next(iter(groups.values()))["Properties"]
    for rule in platform.find_resources("AWS::EC2::SecurityGroupIngress").values():
        assert "PrivateCluster" not in json.dumps(rule["Properties"]["GroupId"])


# ---------------------------------------------------------------- no domain


def test_without_a_domain_http_only_and_a_catch_all(synthesized: Synth) -> None:
    synth = synthesized("blog")
    assert not any(name.endswith(("-dns", "-zone")) for name in synth.templates)
    platform = synth.template("platform")
    platform.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    platform.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"}
    )
    web = synth.template("web")
    web.resource_count_is("AWS::Route53::RecordSet", 0)
    web.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {"Priority": 50000, "Conditions": [Match.object_like({"Field": "path-pattern"})]},
    )


@needs_corpus
def test_without_a_domain_http_only_and_no_dns_stack(synthesized: Synth) -> None:
    synth = synthesized("space-tweet-no-domain")
    assert not any(name.endswith(("-dns", "-zone")) for name in synth.templates)
    platform = synth.template("platform")
    platform.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    platform.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"}
    )
    web = synth.template("space-tweet-web-service")
    web.resource_count_is("AWS::Route53::RecordSet", 0)
    web.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {"Conditions": [Match.object_like({"Field": "host-header"})]},
    )


# ---------------------------------------------------------------- protection


def _protected_stacks(synth: Synthesized) -> set[str]:
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    return {
        name
        for name, artifact in manifest["artifacts"].items()
        if artifact.get("properties", {}).get("terminationProtection")
    }


def test_shared_stacks_are_protected_and_the_alb_too(synthesized: Synth) -> None:
    synth = synthesized("hello")
    assert _protected_stacks(synth) == {
        "hello-network",
        "hello-zone",
        "hello-dns",
        "hello-platform",
        "hello-exocom",
    }
    synth.template("platform").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": "true"}]
            )
        },
    )


def test_teardown_lifts_both_protections(tmp_path: Path) -> None:
    synth = synthesize(EXAMPLES["hello"], tmp_path, protect=False)
    assert _protected_stacks(synth) == set()
    synth.template("platform").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": "false"}]
            )
        },
    )


@pytest.mark.parametrize("example", ["hello", "shop"])
def test_stateful_resources_are_retained(synthesized: Synth, example: str) -> None:
    stateful = {
        "AWS::Logs::LogGroup",
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::Route53::HostedZone",
    }
    found = set()
    for body in synthesized(example).templates.values():
        for logical_id, resource in body.get("Resources", {}).items():
            if resource["Type"] in stateful:
                found.add(resource["Type"])
                assert resource.get("DeletionPolicy") == "Retain", logical_id
                assert resource.get("UpdateReplacePolicy") == "Retain", logical_id
    assert found == stateful


def test_every_retention_the_manifest_accepts_maps_to_a_cloudwatch_period() -> None:
    assert set(RETENTION_DAYS) == set(LOG_RETENTION_DAYS)


def test_the_reserved_role_names_are_exactly_the_shared_stacks(synthesized: Synth) -> None:
    synth = synthesized("hello")
    service_stacks = {f"hello-{svc.role}" for svc in synth.app.services}
    assert set(synth.templates) - service_stacks == {f"hello-{part}" for part in RESERVED_ROLES}


# ---------------------------------------------------------------- a first deploy that works


def _synth_app(make_app: AppFactory, tmp_path: Path, changes: dict[str, Any]) -> Synthesized:
    return synthesize(make_app(changes), tmp_path / "cdk.out")


def _ami_parameters(template: Template) -> list[str]:
    parameters = template.find_parameters(
        "*", {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"}
    )
    return sorted(p["Default"] for p in parameters.values())


def _asset_platforms(synth: Synthesized, part: str) -> list[str]:
    assets = json.loads((synth.outdir / f"{synth.app.slug}-{part}.assets.json").read_text())
    return [image["source"].get("platform") for image in assets["dockerImages"].values()]


X86_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
ARM_AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
GRAVITON = {
    "application.yml": {
        "environments": {"production": {"providers": {"aws": {"public-cluster-size": "t4g.small"}}}}
    },
    "web/Dockerfile": "FROM node:20-alpine\n",
    "users/Dockerfile": "FROM node:20-alpine\n",
}


def test_a_graviton_cluster_boots_the_arm64_ami_and_gets_arm64_images(
    make_app: AppFactory, tmp_path: Path
) -> None:
    synth = _synth_app(make_app, tmp_path, GRAVITON)
    platform = synth.template("platform")
    assert _ami_parameters(platform) == sorted([ARM_AMI, X86_AMI])
    for lt in platform.find_resources("AWS::EC2::LaunchTemplate").values():
        data = lt["Properties"]["LaunchTemplateData"]
        image = json.dumps(data["ImageId"])
        if data["InstanceType"] == "t4g.small":
            assert "arm64" in image
        else:
            assert "arm64" not in image
    assert _asset_platforms(synth, "web") == ["linux/arm64"]
    assert _asset_platforms(synth, "users") == ["linux/amd64"]
    assert _ami_parameters(synth.template("exocom")) == [X86_AMI]


def test_exocom_stays_on_x86_beside_a_graviton_cluster(
    make_app: AppFactory, tmp_path: Path
) -> None:
    # ExoCom's images are published for x86_64 only: an arm64 exocom-cluster-size is
    # refused (tests/manifest/load/test_invalid.py, exocom-on-arm)
    aws = {"private-cluster-size": "t4g.small", "exocom-cluster-size": "t3.micro"}
    synth = _synth_app(
        make_app,
        tmp_path,
        {"application.yml": {"environments": {"production": {"providers": {"aws": aws}}}}},
    )
    assert _ami_parameters(synth.template("exocom")) == [X86_AMI]
    assert _ami_parameters(synth.template("platform")) == sorted([ARM_AMI, X86_AMI])


@pytest.mark.parametrize("example", EXAMPLES)
def test_x86_clusters_keep_the_x86_ami_and_amd64_images(synthesized: Synth, example: str) -> None:
    synth = synthesized(example)
    assert _ami_parameters(synth.template("platform")) == [X86_AMI]
    assert _ami_parameters(synth.template("exocom")) == [X86_AMI]
    for svc in synth.app.services:
        if svc.image.kind == "asset":
            assert _asset_platforms(synth, svc.role) == ["linux/amd64"]


@pytest.mark.parametrize("example", EXAMPLES)
def test_services_and_instances_wait_for_what_they_need(synthesized: Synth, example: str) -> None:
    synth = synthesized(example)
    for part in ("platform", "exocom"):
        template = synth.template(part)
        policies = template.find_resources("AWS::IAM::Policy")
        groups = template.find_resources("AWS::AutoScaling::AutoScalingGroup")
        assert groups
        for group in groups.values():
            # The instance role's policy (one per cluster, named after it).
            [policy] = [p for p in group["DependsOn"] if p in policies]
            assert "AgentPolicy" in policy
    exocom = synth.template("exocom")
    [association] = exocom.find_resources("AWS::ECS::ClusterCapacityProviderAssociations")
    exocom.has_resource("AWS::ECS::Service", {"DependsOn": Match.array_with([association])})


DOCKER_HUB_CREDENTIALS = {
    "application.yml": {
        "environments": {
            "production": {"providers": {"aws": {"dockerhub-credentials": "demo/dockerhub"}}}
        },
        "services": {
            "private": {
                "users": {"location": "./users"},
                "search": {
                    "docker_image": "ghcr.io/demo/search:2",
                    "messages": {"receives": ["search.query"]},
                },
            }
        },
    },
}


def _repository_credentials(template: Template) -> str | None:
    credentials = _container(template).get("RepositoryCredentials")
    return None if credentials is None else json.dumps(credentials["CredentialsParameter"])


def _execution_policy(template: Template) -> str:
    policies = template.find_resources(
        "AWS::IAM::Policy",
        {"Properties": {"Roles": [{"Ref": Match.string_like_regexp("ExecutionRole")}]}},
    )
    assert len(policies) == 1
    return json.dumps(next(iter(policies.values()))["Properties"]["PolicyDocument"])


def test_docker_hub_images_are_pulled_with_the_apps_credentials(
    make_app: AppFactory, tmp_path: Path
) -> None:
    synth = _synth_app(make_app, tmp_path, DOCKER_HUB_CREDENTIALS)
    for part in ("exocom", "web", "users"):
        template = synth.template(part)
        credentials = _repository_credentials(template)
        assert credentials is not None, part
        assert ":secret:demo/dockerhub" in credentials
        policy = _execution_policy(template)
        assert '"secretsmanager:GetSecretValue"' in policy
        assert ":secret:demo/dockerhub-??????" in policy
    # Another registry gets no Docker Hub password.
    assert _repository_credentials(synth.template("search")) is None


def test_without_credentials_docker_hub_images_are_pulled_anonymously(
    synthesized: Synth,
) -> None:
    synth = synthesized("hello")
    for part in ("exocom", *(svc.role for svc in synth.app.services)):
        assert _repository_credentials(synth.template(part)) is None


def test_a_private_ecr_image_may_be_pulled_from_its_repository(
    make_app: AppFactory, tmp_path: Path
) -> None:
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo/users:1.4"
    synth = _synth_app(
        make_app,
        tmp_path,
        {"application.yml": {"services": {"private": {"users": {"docker_image": image}}}}},
    )
    users = synth.template("users")
    assert "RepositoryCredentials" not in _container(users)
    assert "123456789012.dkr.ecr.us-east-1." in json.dumps(_container(users)["Image"])
    assert "/demo/users:1.4" in json.dumps(_container(users)["Image"])
    users.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": [
                                    "ecr:BatchCheckLayerAvailability",
                                    "ecr:BatchGetImage",
                                    "ecr:GetDownloadUrlForLayer",
                                ],
                                "Resource": (
                                    "arn:aws:ecr:us-east-1:123456789012:repository/demo/users"
                                ),
                            }
                        ),
                        Match.object_like({"Action": "ecr:GetAuthorizationToken", "Resource": "*"}),
                    ]
                )
            }
        },
    )


def test_secrets_given_as_arns_are_used_as_written(make_app: AppFactory, tmp_path: Path) -> None:
    complete = "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/db-AbCdEf"
    partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/api"
    synth = _synth_app(
        make_app,
        tmp_path,
        {
            "users/service.yml": {
                "production": {
                    "secrets": {
                        "DB_URL": complete,
                        "DB_PASSWORD": {"name": complete, "json-key": "password"},
                        "API_KEY": partial,
                        "PLAIN": "demo/plain",
                    }
                },
                "dependencies": {"mongo": {"version": "7", "secret": complete}},
            }
        },
    )
    secrets = {s["Name"]: s["ValueFrom"] for s in _container(synth.template("users"))["Secrets"]}
    assert secrets["DB_URL"] == complete
    assert secrets["DB_PASSWORD"] == f"{complete}:password::"
    assert secrets["API_KEY"] == partial
    assert secrets["MONGODB_USER"] == f"{complete}:username::"
    assert "arn:aws:secretsmanager" not in json.dumps(secrets["PLAIN"])
    assert ":secret:demo/plain" in json.dumps(secrets["PLAIN"])
    policy = _execution_policy(synth.template("users"))
    assert f'"{complete}"' in policy
    assert f'"{partial}-??????"' in policy


@pytest.mark.parametrize(
    ("example", "role", "address"),
    [
        ("chat", "history", "chat-history.db.example.net:27017"),
        ("blog", "posts", "tinyblog-posts.mongo.example.net:27017"),
    ],
)
def test_a_service_using_mongo_learns_its_address(
    synthesized: Synth, example: str, role: str, address: str
) -> None:
    synth = synthesized(example)
    assert _env(_container(synth.template(role)))["MONGO"] == address
    for svc in synth.app.services:
        if "mongo" not in svc.dependencies:
            assert "MONGO" not in _env(_container(synth.template(svc.role)))


def test_our_architecture_rule_agrees_with_cdks_for_every_type_aws_lists() -> None:
    disagree = []
    for name in sorted(ec2_types.known_types()):
        try:
            theirs = ec2.InstanceType(name).architecture
        except RuntimeError:  # names CDK cannot read (`u-6tb1.metal`, `p6e-gb200.36xlarge`)
            continue
        if ARCHITECTURES[cluster(name, (1, 1)).architecture] != theirs:
            disagree.append(name)
    assert disagree == []


# ---------------------------------------------------------------- tasks per role


def _ecs_service(template: Template) -> dict[str, Any]:
    services = template.find_resources("AWS::ECS::Service")
    assert len(services) == 1
    props: dict[str, Any] = next(iter(services.values()))["Properties"]
    return props


@pytest.mark.parametrize("example", ["hello", "chat", "blog"])
def test_one_connection_per_role_means_one_task_replaced_in_place(
    synthesized: Synth, example: str
) -> None:
    # ExoCom 0.21-0.22 keep one connection per role: never two tasks of one service
    synth = synthesized(example)
    assert not synth.app.exocom.several_per_role
    for svc in synth.app.services:
        template = synth.template(svc.role)
        props = _ecs_service(template)
        assert props["DesiredCount"] == 1, svc.role
        config = props["DeploymentConfiguration"]
        assert (config["MinimumHealthyPercent"], config["MaximumPercent"]) == (0, 100), svc.role
        assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
        template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 0)


def test_several_per_role_scales_and_rolls(synthesized: Synth) -> None:
    # shop's ExoCom 0.26.4 routes to several tasks of a role
    synth = synthesized("shop")
    assert synth.app.exocom.several_per_role
    for svc in synth.app.services:
        template = synth.template(svc.role)
        props = _ecs_service(template)
        config = props["DeploymentConfiguration"]
        assert (config["MinimumHealthyPercent"], config["MaximumPercent"]) == (100, 200), svc.role
        scaled = svc.max_tasks > svc.min_tasks
        template.resource_count_is(
            "AWS::ApplicationAutoScaling::ScalableTarget", 1 if scaled else 0
        )
        if scaled:
            assert "DesiredCount" not in props  # the scalable target's minimum sets it
            template.has_resource_properties(
                "AWS::ApplicationAutoScaling::ScalableTarget",
                {"MinCapacity": svc.min_tasks, "MaxCapacity": svc.max_tasks},
            )
        else:
            assert props["DesiredCount"] == svc.min_tasks
    storefront = next(s for s in synth.app.services if s.role == "storefront")
    assert (storefront.min_tasks, storefront.max_tasks) == (2, 8)


@pytest.mark.parametrize(("example", "reconnects"), [("hello", False), ("shop", True)])
def test_the_reconnector_is_there_when_clients_do_not_reconnect(
    synthesized: Synth, example: str, reconnects: bool
) -> None:
    exocom = synthesized(example).template("exocom")
    count = 0 if reconnects else 1
    exocom.resource_count_is("AWS::Events::Rule", count)
    exocom.resource_count_is("AWS::Lambda::Function", count)
    if not reconnects:
        exocom.has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": Match.object_like(
                    {"detail-type": ["ECS Task State Change"], "source": ["aws.ecs"]}
                )
            },
        )
        (function,) = exocom.find_resources("AWS::Lambda::Function").values()
        joined = function["Properties"]["Environment"]["Variables"]["CLUSTERS"]["Fn::Join"]
        # both clusters' ARNs, read from the platform stack's outputs, comma-separated
        public, comma, private = joined[1]
        assert comma == ","
        for ref, cluster in ((public, "PublicCluster"), (private, "PrivateCluster")):
            output = ref["Fn::GetStackOutput"]
            assert output["StackName"] == f"{example}-platform"
            assert cluster in output["OutputName"]
