"""What changing each optional setting of application.yml replaces or deletes, per `guard`.

Each test synthesizes one of our examples before and after changing that one
setting (copies written to a temporary folder) and states every finding of
`exosphere_cdk.ops.guard.compare`. Expected resources are found by type in
the templates, not by today's logical IDs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.guard import Finding, compare
from exosphere_cdk.stacks import build_stacks
from exosphere_cdk.synth import new_app
from tests.conftest import REPO

Templates = dict[str, dict[str, Any]]
#: One edit of a file of the example: (file, text, replacement).
Edit = tuple[str, str, str]

ZONE_ID = "Z0123456789ABCDEFGHIJ"
CERT_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

HELLO_NO_DOMAIN: list[Edit] = [("application.yml", "    domain: hello.example.com\n", "")]
HELLO_AWS = "        region: us-east-1\n"
SHOP_AWS = "        region: eu-west-1\n"


def _with(anchor: str, line: str) -> Edit:
    """Add `line` to the `providers.aws` block after `anchor`."""
    return ("application.yml", anchor, f"{anchor}        {line}\n")


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Templates]]:
    """`synth("hello", edits)`: the example with those edits, synthesized once per module."""
    root = tmp_path_factory.mktemp("settings")
    cache: dict[tuple[str, tuple[Edit, ...]], Templates] = {}

    def get(example: str, edits: list[Edit] | None = None) -> Templates:
        key = (example, tuple(edits or ()))
        if key not in cache:
            app = root / str(len(cache)) / example
            shutil.copytree(REPO / "manifests" / example, app)
            for file, old, new in key[1]:
                path = app / file
                text = path.read_text()
                assert old in text, f"{old!r} not in {path}"
                path.write_text(text.replace(old, new, 1))
            scope = new_app(outdir=root / str(len(cache)) / "cdk.out")
            build_stacks(scope, load_app(app))
            cache[key] = {s.stack_name: s.template for s in scope.synth().stacks}
        return cache[key]

    yield get


def _of_type(template: dict[str, Any], resource_type: str) -> list[str]:
    return sorted(k for k, r in template["Resources"].items() if r["Type"] == resource_type)


def _one(template: dict[str, Any], resource_type: str) -> str:
    (logical_id,) = _of_type(template, resource_type)
    return logical_id


def _output(template: dict[str, Any], logical_id: str) -> str:
    """The output of `template` whose value is `Ref logical_id` (another stack reads it)."""
    (name,) = [k for k, o in template["Outputs"].items() if o["Value"] == {"Ref": logical_id}]
    return str(name)


OUTPUT = "output"


def _facts(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.stack, f.logical_id, f.type, f.change) for f in findings}


def _reason(findings: list[Finding], logical_id: str) -> str:
    (finding,) = [f for f in findings if f.logical_id == logical_id]
    return finding.reason


LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
RECORD = "AWS::Route53::RecordSet"
ZONE = "AWS::Route53::HostedZone"
CERTIFICATE = "AWS::CertificateManager::Certificate"
GONE = "its logical ID is gone from the new template"


# ---------------------------------------------------------------- domain


def test_adding_a_domain_only_moves_the_rules_to_the_https_listener(
    synth: Callable[..., Templates],
) -> None:
    # GIVEN hello deployed without a domain
    old = synth("hello", HELLO_NO_DOMAIN)
    # WHEN its domain is set
    new = synth("hello")
    findings = compare(old, new)
    # THEN the port-80 listener stays (updated in place to redirect to HTTPS),
    # and each public service's listener rule moves to the new HTTPS listener
    rule = _one(old["hello-web"], RULE)
    assert _facts(findings) == {("hello-web", rule, RULE, "may be replaced")}
    assert _reason(findings, rule).startswith("create-only ListenerArn changes")
    assert _of_type(old["hello-platform"], LISTENER) == [
        lid for lid in _of_type(new["hello-platform"], LISTENER) if "Https" not in lid
    ]


def test_removing_the_domain_deletes_https_dns_and_the_aliases(
    synth: Callable[..., Templates],
) -> None:
    old = synth("hello")
    new = synth("hello", HELLO_NO_DOMAIN)
    findings = compare(old, new)
    https = next(lid for lid in _of_type(old["hello-platform"], LISTENER) if "Https" in lid)
    assert _facts(findings) == {
        ("hello-zone", _one(old["hello-zone"], ZONE), ZONE, "deleted"),
        ("hello-dns", _one(old["hello-dns"], CERTIFICATE), CERTIFICATE, "deleted"),
        ("hello-platform", https, LISTENER, "deleted"),
        ("hello-web", _one(old["hello-web"], RULE), RULE, "may be replaced"),
        ("hello-web", _one(old["hello-web"], RECORD), RECORD, "deleted"),
        # the web's rule stands on the HTTPS listener until the web is deployed
        ("hello-platform", _output(old["hello-platform"], https), OUTPUT, "deleted"),
    }
    assert _reason(findings, _output(old["hello-platform"], https)).endswith(
        "which hello-web still uses: deploy hello-web first (npx cdk deploy -e hello-web)"
    )
    assert _reason(findings, _one(old["hello-zone"], ZONE)) == "its stack is removed"
    # the port-80 listener is kept: it serves the routes again
    assert set(_of_type(new["hello-platform"], LISTENER)) < set(
        _of_type(old["hello-platform"], LISTENER)
    )


def test_changing_the_domain_replaces_zone_certificate_and_aliases(
    synth: Callable[..., Templates],
) -> None:
    old = synth("hello")
    new = synth(
        "hello",
        [
            ("application.yml", "hello.example.com", "hi.example.org"),
            ("web/service.yml", "hello.example.com", "hi.example.org"),
        ],
    )
    findings = compare(old, new)
    zone = _one(old["hello-zone"], ZONE)
    certificate = _one(old["hello-dns"], CERTIFICATE)
    assert _facts(findings) == {
        ("hello-zone", zone, ZONE, "replaced"),
        ("hello-dns", certificate, CERTIFICATE, "replaced"),
        ("hello-web", _one(old["hello-web"], RECORD), RECORD, "replaced"),
        # the platform's template is unchanged: it keeps the old certificate's ARN
        ("hello-dns", _output(old["hello-dns"], certificate), OUTPUT, "changed"),
    }
    assert _reason(findings, _output(old["hello-dns"], certificate)).endswith(
        "(npx cdk deploy --force -e hello-platform, after hello-dns)"
    )
    assert _reason(findings, zone) == (
        'create-only Name changes ("hello.example.com." -> "hi.example.org.")'
    )


# ---------------------------------------------------------------- hosted-zone-id


def test_a_hosted_zone_id_takes_the_zone_out_of_the_stack(
    synth: Callable[..., Templates],
) -> None:
    old = synth("hello")
    new = synth("hello", [_with(HELLO_AWS, f"hosted-zone-id: {ZONE_ID}")])
    findings = compare(old, new)
    zone = _one(old["hello-zone"], ZONE)
    certificate = _one(old["hello-dns"], CERTIFICATE)
    record = _one(old["hello-web"], RECORD)
    # The zone stack leaves the app (its zone kept in the account: it is retained);
    # the certificate's validation and the aliases now name the given zone:
    # replaced unless it is the very zone the stack created.
    assert _facts(findings) == {
        ("hello-zone", zone, ZONE, "deleted"),
        ("hello-dns", certificate, CERTIFICATE, "may be replaced"),
        ("hello-web", record, RECORD, "may be replaced"),
        # the retained zone's output goes, but the zone stays in the account
        ("hello-dns", _output(old["hello-dns"], certificate), OUTPUT, "changed"),
    }
    assert old["hello-zone"]["Resources"][zone]["DeletionPolicy"] == "Retain"
    assert "hello-zone" not in new  # the zone stack leaves the app
    assert _reason(findings, zone) == "its stack is removed"
    assert _reason(findings, certificate).startswith("create-only DomainValidationOptions changes")
    assert _reason(findings, record).startswith("create-only HostedZoneId changes")


# ---------------------------------------------------------------- certificate-arn


def test_a_certificate_arn_deletes_the_certificates_the_app_created(
    synth: Callable[..., Templates],
) -> None:
    # GIVEN the shop, whose api URL (two levels below the domain) has a certificate of its own
    old = synth("shop")
    new = synth("shop", [_with(SHOP_AWS, f"certificate-arn: {CERT_ARN}")])
    findings = compare(old, new)
    # THEN the app's certificate and the api's own are deleted; the HTTPS
    # listener takes the given certificate in place, imported by the platform
    # stack: the dns stack, which would hold no resource, leaves the app
    certificate = _one(old["exosphere-shop-dns"], CERTIFICATE)
    api_certificate = _one(old["exosphere-shop-api"], CERTIFICATE)
    assert _facts(findings) == {
        ("exosphere-shop-dns", certificate, CERTIFICATE, "deleted"),
        ("exosphere-shop-api", api_certificate, CERTIFICATE, "deleted"),
    }
    assert "exosphere-shop-dns" not in new
    assert {f.stack: f.reason for f in findings} == {
        "exosphere-shop-dns": "its stack is removed",
        "exosphere-shop-api": GONE,
    }


# ---------------------------------------------------------------- region


def test_a_new_region_flags_every_cross_stack_create_only_reference(
    synth: Callable[..., Templates],
) -> None:
    old = synth("hello")
    new = synth("hello", [("application.yml", "region: us-east-1", "region: eu-west-1")])
    findings = compare(old, new)
    # CloudFormation stacks live in one region: the app is deployed anew in the
    # other region and the old one keeps running. Compared by stack name, every
    # create-only property that reads another stack's output (whose region
    # changes) may be replaced, and whatever refers to such a resource.
    assert {(f.stack, f.type, f.change) for f in findings} == {
        ("hello-exocom", "AWS::ServiceDiscovery::PrivateDnsNamespace", "may be replaced"),
        ("hello-exocom", "AWS::ServiceDiscovery::Service", "may be replaced"),
        ("hello-greeter", "AWS::ECS::Service", "may be replaced"),
        ("hello-web", "AWS::ECS::Service", "may be replaced"),
        ("hello-web", "AWS::ElasticLoadBalancingV2::TargetGroup", "may be replaced"),
        ("hello-web", RULE, "may be replaced"),
        ("hello-web", RECORD, "may be replaced"),
        # its validation names the zone stack's zone, read from that stack in the old region
        ("hello-dns", CERTIFICATE, "may be replaced"),
    }
    assert len(findings) == 8


# ---------------------------------------------------------------- availability-zones


def test_more_availability_zones_replace_nothing(synth: Callable[..., Templates]) -> None:
    old = synth("hello")
    new = synth("hello", [_with(HELLO_AWS, "availability-zones: 3")])
    assert compare(old, new) == []
    assert len(_of_type(new["hello-network"], "AWS::EC2::Subnet")) == 6


def test_fewer_availability_zones_delete_the_last_zones_subnets(
    synth: Callable[..., Templates],
) -> None:
    old = synth("shop")
    new = synth("shop", [("application.yml", "availability-zones: 3", "availability-zones: 2")])
    findings = compare(old, new)
    network = "exosphere-shop-network"
    gone = sorted(
        set(_of_type(old[network], "AWS::EC2::Subnet"))
        - set(_of_type(new[network], "AWS::EC2::Subnet"))
    )
    assert len(gone) == 2  # the third zone's public and private subnets
    # and the outputs naming them, which the platform (load balancer, instances) still reads
    assert _facts(findings) == {
        *((network, s, "AWS::EC2::Subnet", "deleted") for s in gone),
        *((network, _output(old[network], s), OUTPUT, "deleted") for s in gone),
    }
    assert all(f.reason == GONE for f in findings if f.type != OUTPUT)


# ---------------------------------------------------------------- nat-gateways


def test_more_nat_gateways_replace_nothing(synth: Callable[..., Templates]) -> None:
    old = synth("hello")
    new = synth("hello", [_with(HELLO_AWS, "nat-gateways: 2")])
    assert compare(old, new) == []
    assert len(_of_type(new["hello-network"], "AWS::EC2::NatGateway")) == 2


def test_fewer_nat_gateways_delete_a_gateway_and_its_address(
    synth: Callable[..., Templates],
) -> None:
    old = synth("shop")
    new = synth("shop", [("application.yml", "nat-gateways: 2", "nat-gateways: 1")])
    findings = compare(old, new)
    network = "exosphere-shop-network"
    gone = {
        (network, logical_id, resource_type, "deleted")
        for resource_type in ("AWS::EC2::NatGateway", "AWS::EC2::EIP")
        for logical_id in set(_of_type(old[network], resource_type))
        - set(_of_type(new[network], resource_type))
    }
    assert len(gone) == 2  # one gateway and its elastic IP (an egress address)
    assert _facts(findings) == gone
