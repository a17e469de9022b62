# ruff: noqa: E501 - exact one-line messages
"""`exo-cdk dns` and docs/operations.md's first deploy of a new domain, step by step, in moto.

The zone stack is the synthesized one, created by moto's CloudFormation; public
DNS is a resolver the test controls (what the registrar delegates to).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws
from moto.route53 import models as moto_route53

from exosphere_cdk.cli import dns as dns_command
from exosphere_cdk.cli import main
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import design
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.dns import PublicAnswer, public_name_servers
from exosphere_cdk.ops.remove import APP_TAG
from exosphere_cdk.stacks.zone import ZoneStack
from exosphere_cdk.synth import new_app
from tests import moto_app
from tests.apps import AppFactory

DOMAIN, SLUG = "demo.example.com", "demo"
REGISTRAR = ("ns1.registrar.example", "ns2.registrar.example")


class PublicDns:
    """What public DNS answers for the domain: the registrar's servers until delegated."""

    def __init__(self) -> None:
        self.answer = PublicAnswer(REGISTRAR)
        self.asked: list[str] = []

    def __call__(self, domain: str) -> PublicAnswer:
        self.asked.append(domain)
        return self.answer


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> PublicDns:
    resolver = PublicDns()
    monkeypatch.setattr(dns_command, "RESOLVER", resolver)
    return resolver


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    # Route 53's zone ids start with Z (and hosted-zone-id says so); moto's need not
    make_id = moto_route53.create_route53_zone_id
    monkeypatch.setattr(
        moto_route53, "create_route53_zone_id", lambda *a, **k: "Z" + make_id(*a, **k)[1:]
    )
    with mock_aws():
        session = boto3.Session()
        # what `cdk bootstrap` leaves: the version every synthesized template checks
        session.client("ssm").put_parameter(
            Name="/cdk-bootstrap/hnb659fds/version", Value="21", Type="String"
        )
        yield session


def _dns(app: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["dns", str(app), *more])
    return code, capsys.readouterr().out.splitlines()


def _deploy_zone_stack(session: boto3.Session, app: Path) -> str:
    """`npx cdk deploy -e demo-zone`: the synthesized zone stack, created in moto."""
    spec = design(load_app(app)).zone
    assert spec is not None
    scope = new_app()
    ZoneStack(scope, spec.name, description=spec.description, domain=spec.domain)
    template = scope.synth().get_stack_by_name(spec.name).template
    assert {r["Type"] for r in template["Resources"].values()} == {"AWS::Route53::HostedZone"}
    session.client("cloudformation").create_stack(
        StackName=spec.name, TemplateBody=json.dumps(template)
    )
    route53 = session.client("route53")
    (zone,) = route53.list_hosted_zones_by_name(DNSName=f"{DOMAIN}.")["HostedZones"]
    zone_id: str = zone["Id"].removeprefix("/hostedzone/")
    # CloudFormation tags the zone as the template says (moto's does not)
    route53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=zone_id, AddTags=[{"Key": APP_TAG, "Value": SLUG}]
    )
    return zone_id


def _name_servers(session: boto3.Session, zone_id: str) -> tuple[str, ...]:
    answer = session.client("route53").get_hosted_zone(Id=zone_id)
    return tuple(sorted(answer["DelegationSet"]["NameServers"]))


def test_first_deploy_of_a_new_domain_as_documented(
    make_app: AppFactory,
    aws: boto3.Session,
    public_dns: PublicDns,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = make_app(None)
    assert derive.shared_stack_names(load_app(app))[:3] == ["demo-network", "demo-zone", "demo-dns"]
    # 1. exo-cdk dns: no zone kept from an earlier deploy, none yet
    assert _dns(app, capsys) == (
        1,
        [
            "demo.example.com: no zone yet: demo-zone is not deployed; deploy it first: npx cdk deploy -e demo-zone -c app=app",
        ],
    )
    assert public_dns.asked == []
    # 2. npx cdk deploy -e demo-zone
    zone_id = _deploy_zone_stack(aws, app)
    servers = _name_servers(aws, zone_id)
    # 3. exo-cdk dns: the name servers to delegate to; public DNS still names the registrar's
    code, lines = _dns(app, capsys)
    assert (code, lines) == (
        1,
        [
            f"demo.example.com: zone {zone_id} (the zone stack demo-zone)",
            f"name servers: {', '.join(servers)}",
            "delegated: no: public DNS answers ns1.registrar.example, ns2.registrar.example; delegate demo.example.com to the name servers above (at its registrar, or NS records in its parent zone), then run exo-cdk dns app again",
        ],
    )
    # 4. the delegation, at the registrar
    public_dns.answer = PublicAnswer(servers)
    code, lines = _dns(app, capsys)
    assert code == 0
    assert lines[-1] == (
        "delegated: yes: public DNS answers with these name servers; deploy the rest:"
        " npx cdk deploy --all --concurrency 10 -c app=app"
    )
    assert public_dns.asked == [DOMAIN, DOMAIN]


def test_offline_it_cannot_tell(
    make_app: AppFactory,
    aws: boto3.Session,
    public_dns: PublicDns,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = make_app(None)
    _deploy_zone_stack(aws, app)
    public_dns.answer = PublicAnswer(
        None,
        "cannot ask public DNS (https://dns.google/resolve): <urlopen error [Errno -3] Temporary failure in name resolution>",
    )
    code, lines = _dns(app, capsys)
    assert code == 1
    assert lines[-1] == (
        "delegated: cannot tell: cannot ask public DNS (https://dns.google/resolve):"
        " <urlopen error [Errno -3] Temporary failure in name resolution>"
    )
    code, _ = _dns(app, capsys, "--json")
    assert code == 1


def _kept_zone(session: boto3.Session) -> str:
    """A zone of the domain that an earlier deploy created and `cdk destroy` kept."""
    route53 = session.client("route53")
    zone_id: str = route53.create_hosted_zone(Name=DOMAIN, CallerReference="earlier")["HostedZone"][
        "Id"
    ].removeprefix("/hostedzone/")
    route53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=zone_id, AddTags=[{"Key": APP_TAG, "Value": SLUG}]
    )
    return zone_id


def test_a_kept_zone_is_reused_never_doubled(
    make_app: AppFactory,
    aws: boto3.Session,
    public_dns: PublicDns,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = _kept_zone(aws)
    servers = ", ".join(_name_servers(aws, kept))
    app = make_app(None)
    assert _dns(app, capsys) == (
        1,
        [
            f"demo.example.com: zone {kept} kept from an earlier deploy: {servers}",
            f"reuse it: set hosted-zone-id: {kept} in application.yml (environments.<env>.providers.aws), then deploy; deploying demo-zone instead would create a second zone of demo.example.com (or delete the kept zone first: exo-cdk remove app --yes)",
        ],
    )
    # with hosted-zone-id the app has no zone stack, and dns reads the given zone
    reused = make_app(
        {
            "application.yml": {
                "environments": {"production": {"providers": {"aws": {"hosted-zone-id": kept}}}}
            }
        }
    )
    loaded = load_app(reused)
    assert "demo-zone" not in derive.stack_names(loaded)
    assert design(loaded).zone is None
    public_dns.answer = PublicAnswer(tuple(servers.split(", ")))
    code, lines = _dns(reused, capsys, "--json")
    assert code == 0
    document: dict[str, Any] = json.loads("\n".join(lines))
    assert document == {
        "domain": DOMAIN,
        "zone_stack": None,
        "zone": {"zone_id": kept, "name_servers": servers.split(", "), "origin": "hosted-zone-id"},
        "kept": [],
        "public_name_servers": servers.split(", "),
        "delegated": True,
        "cannot_tell": None,
    }


def test_a_second_zone_beside_the_zone_stack_is_named(
    make_app: AppFactory,
    aws: boto3.Session,
    public_dns: PublicDns,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = _kept_zone(aws)
    app = make_app(None)
    _deploy_zone_stack_beside(aws, app, kept)
    _, lines = _dns(app, capsys)
    servers = ", ".join(_name_servers(aws, kept))
    assert (
        f"also a zone of demo.example.com kept from an earlier deploy: {kept} ({servers}): not the app's zone; delete it: aws route53 delete-hosted-zone --id {kept} (once it holds only its NS and SOA records)"
        in lines
    )


def _deploy_zone_stack_beside(session: boto3.Session, app: Path, kept: str) -> None:
    spec = design(load_app(app)).zone
    assert spec is not None
    scope = new_app()
    ZoneStack(scope, spec.name, domain=spec.domain)
    template = scope.synth().get_stack_by_name(spec.name).template
    session.client("cloudformation").create_stack(
        StackName=spec.name, TemplateBody=json.dumps(template)
    )


def test_given_zone_of_another_domain_and_no_domain(
    make_app: AppFactory,
    aws: boto3.Session,
    public_dns: PublicDns,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = aws.client("route53").create_hosted_zone(Name="other.example.org", CallerReference="o")
    other_id = other["HostedZone"]["Id"].removeprefix("/hostedzone/")
    app = make_app(
        {
            "application.yml": {
                "environments": {"production": {"providers": {"aws": {"hosted-zone-id": other_id}}}}
            }
        }
    )
    assert main(["dns", str(app)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"exo-cdk: error: hosted-zone-id {other_id} names the zone other.example.org, not demo.example.com"
    )


def test_an_app_without_a_domain_has_no_zone(
    make_app: AppFactory, aws: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    no_domain = {"application.yml": {"environments": {"production": {"domain": "<delete>"}}}}
    app = make_app({**no_domain, "web/service.yml": {"production": {"url": "<delete>"}}})
    assert main(["dns", str(app)]) == 2
    assert capsys.readouterr().err.strip() == (
        "exo-cdk: error: the app has no domain (environments.production.domain): it has no public zone"
    )


def test_the_default_resolver_reads_public_dns_json(monkeypatch: pytest.MonkeyPatch) -> None:
    answers: dict[str, dict[str, Any]] = {
        "delegated.example": {
            "Status": 0,
            "Answer": [
                {"name": "delegated.example.", "type": 2, "data": "NS-1.AWSDNS-01.ORG."},
                {"name": "delegated.example.", "type": 2, "data": "ns-2.awsdns-02.com."},
            ],
        },
        "missing.example": {"Status": 3},
        "broken.example": {"Status": 2},
    }

    class Response:
        def __init__(self, body: dict[str, Any]) -> None:
            self.body = json.dumps(body).encode()

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def read(self, *_: object) -> bytes:
            return self.body

    def urlopen(url: str, timeout: float) -> Response:
        name = url.split("name=")[1].split("&", maxsplit=1)[0]
        if name == "offline.example":
            raise OSError("Network is unreachable")
        return Response(answers[name])

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    assert public_name_servers("delegated.example") == PublicAnswer(
        ("ns-1.awsdns-01.org", "ns-2.awsdns-02.com")
    )
    assert public_name_servers("missing.example") == PublicAnswer(())
    assert public_name_servers("broken.example") == PublicAnswer(
        None, "public DNS answered status 2 for broken.example"
    )
    assert public_name_servers("offline.example") == PublicAnswer(
        None, "cannot ask public DNS (https://dns.google/resolve): Network is unreachable"
    )
