"""ops.preflight against moto: each check's finding, word for word, and what it is about."""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import boto3  # type: ignore[import-untyped]
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID

from exosphere_cdk.manifest.design.app import design
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.load.exo_deploy.loader import load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.cost import secret_names
from exosphere_cdk.ops.docker import DockerState, probe_docker
from exosphere_cdk.ops.preflight import (
    BOOTSTRAP_PARAMETER,
    Finding,
    Preflight,
    ensure_ecs_role,
    preflight,
    public_name_servers,
    required_bootstrap_version,
    secret_readers,
)
from tests import moto_app
from tests.apps import AppFactory
from tests.conftest import REPO

REGION = moto_app.REGION
ACCOUNT = DEFAULT_ACCOUNT_ID
HELLO_DNS = (
    REPO / "tests/stacks/__snapshots__/test_snapshots/test_stack_matches_snapshot[hello-dns].json"
)
RUN_BOOTSTRAP = f"run `npx cdk bootstrap aws://{ACCOUNT}/{REGION}` from the exosphere-cdk checkout"
#: What the BASE app needs in a new account for every check to pass (but dns: no zone yet).
RUNNING = DockerState(installed=True, running=True)


def no_dns(name: str) -> list[str] | None:
    raise AssertionError(f"public DNS asked about {name}")


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.Session()


def bootstrap(session: boto3.Session, version: str = "30") -> None:
    """What `cdk bootstrap` leaves: the CDKToolkit stack and its version parameter."""
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}
    session.client("cloudformation").create_stack(
        StackName="CDKToolkit", TemplateBody=json.dumps(template)
    )
    session.client("ssm").put_parameter(Name=BOOTSTRAP_PARAMETER, Value=version, Type="String")


#: The ECS service-linked role's path; moto's create_service_linked_role names the role
#: `AWSServiceRoleForecs` (its table lacks ECS), so the tests create it as AWS names it.
ECS_PATH = "/aws-service-role/ecs.amazonaws.com/"


def ecs_role(session: boto3.Session) -> None:
    session.client("iam").create_role(
        RoleName="AWSServiceRoleForECS", Path=ECS_PATH, AssumeRolePolicyDocument="{}"
    )


def check(
    app: LoadedApp,
    session: boto3.Session,
    name: str,
    *,
    templates: dict[str, Any] | None = None,
    docker: Callable[[], DockerState] = lambda: RUNNING,
    resolver: Callable[[str], list[str] | None] = no_dns,
) -> list[str]:
    result = preflight(app, session, templates=templates, docker=docker, resolver=resolver)
    return [str(f) for f in result.findings if f.check == name]


def load(directory: Path) -> LoadedApp:
    return load_directory(str(directory), "production")


@pytest.fixture
def app(make_app: AppFactory) -> LoadedApp:
    return load(make_app(None))


def test_a_ready_account(app: LoadedApp, session: boto3.Session) -> None:
    bootstrap(session)
    ecs_role(session)
    result = preflight(app, session, docker=no_docker_asked, resolver=no_dns)
    assert [str(f) for f in result.findings] == [
        f"ok: credentials: account {ACCOUNT} in {REGION} as arn:aws:sts::{ACCOUNT}:user/moto",
        f"ok: bootstrap: CDKToolkit version 30 in {REGION}",
        "notice: dns: the deploy creates the hosted zone demo.example.com: register its name"
        " servers (output NameServers of demo-dns) at your domain's registrar while it waits"
        " for the certificate",
        "ok: ecs role: AWSServiceRoleForECS exists",
        "ok: quotas: VPCs: 1 of 5 in use, the app adds 1",  # the region's default VPC
        "ok: quotas: Elastic IPs: 0 of 5 in use, the app adds 1",
        "ok: quotas: application load balancers: 0 of 20 in use, the app adds 1",
    ]
    assert (result.account, result.region, result.errors) == (ACCOUNT, REGION, ())
    assert result.as_json()["ok"] is True


def no_docker_asked() -> DockerState:
    raise AssertionError("Docker asked about, though no service has a Dockerfile")


def test_no_credentials(app: LoadedApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    result = preflight(app, boto3.Session(), docker=no_docker_asked, resolver=no_dns)
    assert [str(f) for f in result.findings] == [
        "error: credentials: no AWS credentials: none found in the environment, the shared"
        " files or the instance role (set AWS_PROFILE, or run `aws configure`)"
    ]
    assert (result.account, result.region) == (None, None)


def test_the_pinned_account(make_app: AppFactory, session: boto3.Session) -> None:
    pinned = load(
        make_app(
            {
                "application.yml": {
                    "environments": {
                        "production": {"providers": {"aws": {"account": "210987654321"}}}
                    }
                }
            }
        )
    )
    assert [str(f) for f in preflight(pinned, session, resolver=no_dns).findings] == [
        f"error: credentials: the credentials are for account {ACCOUNT}"
        f" (arn:aws:sts::{ACCOUNT}:user/moto), the app deploys to 210987654321"
        " (environments.production.providers.aws.account): use credentials of 210987654321"
        " (AWS_PROFILE or --profile)"
    ]


def test_no_region(app: LoadedApp, monkeypatch: pytest.MonkeyPatch, session: boto3.Session) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert check(app, boto3.Session(), "credentials") == [
        "error: credentials: no AWS region: the app sets none"
        " (environments.production.providers.aws.region); set AWS_REGION or the profile's region"
    ]


def test_not_bootstrapped(app: LoadedApp, session: boto3.Session) -> None:
    assert check(app, session, "bootstrap") == [
        f"error: bootstrap: account {ACCOUNT} is not bootstrapped in {REGION}: {RUN_BOOTSTRAP}"
    ]


def test_the_version_the_templates_need() -> None:
    template = json.loads(HELLO_DNS.read_text())
    assert required_bootstrap_version({"hello-dns": template}) == 6
    assert required_bootstrap_version({"plain": {"Resources": {}}}) is None


@pytest.mark.parametrize(("version", "expected"), [("6", None), ("5", "5")])
def test_an_old_bootstrap(
    version: str, expected: str | None, app: LoadedApp, session: boto3.Session
) -> None:
    bootstrap(session, version)
    templates = {"hello-dns": json.loads(HELLO_DNS.read_text())}
    found = check(app, session, "bootstrap", templates=templates)
    if expected is None:
        assert found == [f"ok: bootstrap: CDKToolkit version 6 in {REGION}"]
    else:
        assert found == [
            f"error: bootstrap: CDKToolkit in {REGION} is version 5, the templates need 6 or"
            f" later: {RUN_BOOTSTRAP} again"
        ]


def test_a_bootstrap_without_its_parameter(app: LoadedApp, session: boto3.Session) -> None:
    bootstrap(session)
    session.client("ssm").delete_parameter(Name=BOOTSTRAP_PARAMETER)
    assert check(app, session, "bootstrap") == [
        f"error: bootstrap: CDKToolkit in {REGION} has no version parameter"
        f" ({BOOTSTRAP_PARAMETER}): {RUN_BOOTSTRAP} again"
    ]


@pytest.fixture
def built(make_app: AppFactory) -> LoadedApp:
    """BASE with a Dockerfile in web's folder."""
    return load(make_app({"web/Dockerfile": "FROM node:20\n"}))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (RUNNING, "ok: docker: Docker is running, for web"),
        (
            DockerState(installed=False, running=False),
            "error: docker: docker is not installed (not on PATH): web build their image from"
            " a Dockerfile; install Docker, or give them a docker_image",
        ),
        (
            DockerState(True, False, "Cannot connect to the Docker daemon"),
            "error: docker: Docker is not running (`docker info`: Cannot connect to the Docker"
            " daemon): start it; web build their image from a Dockerfile",
        ),
    ],
)
def test_docker(
    state: DockerState, expected: str, built: LoadedApp, session: boto3.Session
) -> None:
    assert check(built, session, "docker", docker=lambda: state) == [expected]


def test_docker_is_checked_without_credentials(
    built: LoadedApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    result = preflight(built, boto3.Session(), docker=lambda: DockerState(False, False))
    assert [f.check for f in result.findings] == ["credentials", "docker"]


def fake_docker(tmp_path: Path, script: str) -> Callable[[str], str | None]:
    docker = tmp_path / "bin" / "docker"
    docker.parent.mkdir()
    docker.write_text(f"#!/bin/sh\n{script}\n")
    docker.chmod(0o755)
    return lambda name: str(docker) if name == "docker" else None


def test_probe_docker(tmp_path: Path) -> None:
    assert probe_docker(lambda _: None) == DockerState(False, False)
    running = fake_docker(tmp_path, 'echo "27.3.1"')
    assert probe_docker(running) == DockerState(True, True)


def test_probe_docker_without_its_daemon(tmp_path: Path) -> None:
    stopped = fake_docker(
        tmp_path,
        "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1",
    )
    assert probe_docker(stopped) == DockerState(
        True, False, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
    )


SECRETS = {
    "application.yml": {
        "environments": {"production": {"providers": {"aws": {"dockerhub-credentials": "hub"}}}}
    },
    "users/service.yml": {
        "dependencies": {"mongo": {"version": "3.4"}},
        "production": {
            "secrets": {"API_KEY": "demo/api", "TOKEN": {"name": "demo/api", "json-key": "t"}}
        },
    },
}


def test_the_secrets_the_services_read(make_app: AppFactory, session: boto3.Session) -> None:
    app = load(make_app(SECRETS))
    assert secret_readers(app) == {
        "demo/api": ["users (API_KEY, TOKEN)"],
        "demo/mongo": ["users (MONGODB_PW, MONGODB_USER)"],
        "hub": ["the image pulls of exocom, users, web"],
    }
    client = session.client("secretsmanager")
    client.create_secret(Name="demo/api", SecretString="{}")
    client.create_secret(Name="hub", SecretString="{}")
    client.delete_secret(SecretId="hub", RecoveryWindowInDays=7)
    assert check(app, session, "secrets") == [
        "ok: secrets: secret demo/api exists (read by users (API_KEY, TOKEN))",
        f"error: secrets: secret demo/mongo does not exist in {REGION} (read by users"
        " (MONGODB_PW, MONGODB_USER)): create it (docs/operations.md#secrets); its service's"
        " tasks cannot start without it",
        f"error: secrets: secret hub is scheduled for deletion in {REGION} (read by the image"
        " pulls of exocom, users, web): create it (docs/operations.md#secrets); its service's"
        " tasks cannot start without it",
    ]


def test_a_secret_the_services_and_the_data_stack_read(session: boto3.Session) -> None:
    """go-f5's staging: one secret holds the services' SESSION_KEY and the database's password
    (the Go era's `<deployment>/secrets`); cost counts the same secrets."""
    app = load_app(REPO / "manifests" / "go-f5", "staging")
    readers = [
        "store (SESSION_KEY)",
        "web (SESSION_KEY)",
        "go-notes-staging-data (notes-db's password)",
    ]
    assert secret_readers(app) == {"go-notes-staging/secrets": readers}
    assert secret_names(design(app)) == ["go-notes-staging/secrets"]
    assert check(app, session, "secrets") == [
        f"error: secrets: secret go-notes-staging/secrets does not exist in {REGION} (read by"
        f" {', '.join(readers)}): create it (docs/operations.md#secrets); its service's tasks"
        " cannot start without it, and go-notes-staging-data cannot deploy without it"
    ]


def zone(session: boto3.Session, slug: str = "demo", name: str = "demo.example.com") -> str:
    """A public zone as the dns stack makes it (tagged with the app); returns its id."""
    route53 = session.client("route53")
    made = route53.create_hosted_zone(Name=name, CallerReference=slug)
    zone_id = str(made["HostedZone"]["Id"]).removeprefix("/hostedzone/")
    route53.change_tags_for_resource(
        ResourceType="hostedzone",
        ResourceId=zone_id,
        AddTags=[{"Key": "exosphere:app", "Value": slug}],
    )
    return zone_id


def servers(session: boto3.Session, zone_id: str) -> list[str]:
    answer = session.client("route53").get_hosted_zone(Id=zone_id)
    return sorted(n.rstrip(".") for n in answer["DelegationSet"]["NameServers"])


def test_a_delegated_zone(app: LoadedApp, session: boto3.Session) -> None:
    zone_id = zone(session)
    asked: list[str] = []

    def resolver(name: str) -> list[str]:
        asked.append(name)
        return [f"{n.upper()}." for n in servers(session, zone_id)]

    assert check(app, session, "dns", resolver=resolver) == [
        f"ok: dns: demo.example.com is delegated to zone {zone_id}"
    ]
    assert asked == ["demo.example.com"]


def test_a_zone_not_delegated(app: LoadedApp, session: boto3.Session) -> None:
    other = zone(session, slug="demo-2")  # the same name, another app's: not this app's zone
    assert check(app, session, "dns") == [
        "notice: dns: the deploy creates the hosted zone demo.example.com: register its name"
        " servers (output NameServers of demo-dns) at your domain's registrar while it waits"
        " for the certificate"
    ]
    zone_id = zone(session)
    expected = ", ".join(servers(session, zone_id))
    assert other != zone_id
    assert check(app, session, "dns", resolver=lambda _: []) == [
        f"error: dns: demo.example.com is not delegated to zone {zone_id}: public DNS answers no"
        f" name servers; register {expected} at your domain's registrar (or in its parent zone)"
    ]
    assert check(app, session, "dns", resolver=lambda _: ["ns1.registrar.example"]) == [
        f"error: dns: demo.example.com is not delegated to zone {zone_id}: public DNS answers"
        f" other name servers (ns1.registrar.example); register {expected} at your domain's"
        " registrar (or in its parent zone)"
    ]
    assert check(app, session, "dns", resolver=lambda _: None) == [
        f"warning: dns: cannot tell whether demo.example.com is delegated to zone {zone_id}:"
        " public DNS gave no answer (offline?)"
    ]


def test_an_imported_zone_and_certificate(make_app: AppFactory, session: boto3.Session) -> None:
    route53 = session.client("route53")
    made = route53.create_hosted_zone(Name="demo.example.com", CallerReference="mine")
    zone_id = str(made["HostedZone"]["Id"]).removeprefix("/hostedzone/")
    certificate = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/abc-123"
    given = {"hosted-zone-id": "Z0123456789ABCDEFGHIJ", "certificate-arn": certificate}
    app = load(
        make_app(
            {"application.yml": {"environments": {"production": {"providers": {"aws": given}}}}}
        )
    )
    # moto's zone ids do not start with Z as AWS's do: the loaded app takes moto's.
    app = attrs.evolve(app, aws=attrs.evolve(app.aws, hosted_zone_id=zone_id))
    # Nothing waits on DNS: an app unreachable by its name is a warning.
    assert check(app, session, "dns", resolver=lambda _: []) == [
        f"warning: dns: demo.example.com is not delegated to zone {zone_id}: public DNS answers"
        f" no name servers; register {', '.join(servers(session, zone_id))} at your domain's"
        " registrar (or in its parent zone)"
    ]


def test_the_ecs_service_linked_role(app: LoadedApp, session: boto3.Session) -> None:
    assert check(app, session, "ecs role") == [
        "notice: ecs role: the account has no ECS service-linked role (AWSServiceRoleForECS)"
        " yet: `exo-cdk deploy` creates it first (by hand: `aws iam create-service-linked-role"
        " --aws-service-name ecs.amazonaws.com`)"
    ]
    assert ensure_ecs_role(session) is True
    (created,) = session.client("iam").list_roles(PathPrefix=ECS_PATH)["Roles"]
    assert created["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["ecs.amazonaws.com"]
    }
    ecs_role(session)  # as AWS names it
    assert check(app, session, "ecs role") == ["ok: ecs role: AWSServiceRoleForECS exists"]
    assert ensure_ecs_role(session) is False


def test_quotas_a_new_app_would_pass(app: LoadedApp, session: boto3.Session) -> None:
    ec2 = session.client("ec2")
    for i in range(4):  # and the default VPC
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    for _ in range(5):
        ec2.allocate_address(Domain="vpc")
    assert check(app, session, "quotas") == [
        f"error: quotas: VPCs: 5 of 5 in use in {REGION} and the app needs 1 more: free some or"
        " ask AWS for more (Service Quotas L-F678F1CE)",
        f"error: quotas: Elastic IPs: 5 of 5 in use in {REGION} and the app needs 1 more: free"
        " some or ask AWS for more (EC2 account attribute vpc-max-elastic-ips (Service Quotas"
        " L-0263D0A3))",
        "ok: quotas: application load balancers: 0 of 20 in use, the app adds 1",
    ]


def test_quotas_of_a_deployed_app(
    app: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_app.deploy(app, session, monkeypatch=monkeypatch)
    ec2 = session.client("ec2")
    for i in range(3):  # and the default VPC and the app's
        ec2.create_vpc(CidrBlock=f"10.{i + 1}.0.0/16")
    assert check(app, session, "quotas")[0] == "ok: quotas: VPCs: 5 of 5 in use, the app adds 0"


def test_a_refused_call_is_a_warning(
    app: LoadedApp, session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "not authorized: iam:GetRole"}},
            "GetRole",
        )

    iam = session.client("iam")
    monkeypatch.setattr(iam, "get_role", refuse)
    real_client = session.client
    monkeypatch.setattr(
        session, "client", lambda name, **kw: iam if name == "iam" else real_client(name, **kw)
    )
    assert check(app, session, "ecs role") == [
        "warning: ecs role: cannot tell: AWS refused the credentials: AccessDenied: not"
        " authorized: iam:GetRole"
    ]


def _answering(monkeypatch: pytest.MonkeyPatch, document: Any) -> None:
    """Public DNS (urllib's urlopen, as ops.dns calls it) answering `document` as JSON."""

    class Response(io.BytesIO):
        def __enter__(self) -> Response:
            return self

        def __exit__(self, *args: object) -> None:
            self.close()

    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: Response(json.dumps(document).encode())
    )


def test_public_dns_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "demo.example.com"
    answer = {
        "Status": 0,
        "Answer": [
            {"name": "demo.example.com.", "type": 2, "data": "NS-2.awsdns-02.net."},
            {"name": "demo.example.com.", "type": 2, "data": "ns-1.awsdns-01.com."},
            {"name": "other.example.com.", "type": 2, "data": "ns-9.awsdns-09.org."},
        ],
    }
    for document, expected in (
        (answer, ["ns-1.awsdns-01.com", "ns-2.awsdns-02.net"]),
        ({"Status": 3}, []),
        ({"Status": 0, "Authority": [{"type": 6}]}, []),
        ({"Status": 2}, None),
        ([], None),
    ):
        _answering(monkeypatch, document)
        assert public_name_servers(name) == expected, document


def test_public_dns_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: Any, **kwargs: Any) -> Any:
        raise OSError("Network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert public_name_servers("demo.example.com") is None


def test_finding_shapes() -> None:
    finding = Finding("docker", "error", "x")
    result = Preflight("1", "r", (finding, Finding("dns", "ok", "y")))
    assert result.errors == (finding,)
    assert result.finding("dns") == Finding("dns", "ok", "y")
    assert result.as_json() == {
        "ok": False,
        "account": "1",
        "region": "r",
        "findings": [
            {"check": "docker", "severity": "error", "message": "x"},
            {"check": "dns", "severity": "ok", "message": "y"},
        ],
    }


def test_an_imported_zone_that_does_not_exist(make_app: AppFactory, session: boto3.Session) -> None:
    given = {"hosted-zone-id": "Z0123456789ABCDEFGHIJ"}
    app = load(
        make_app(
            {"application.yml": {"environments": {"production": {"providers": {"aws": given}}}}}
        )
    )
    assert check(app, session, "dns") == [
        "error: dns: hosted zone Z0123456789ABCDEFGHIJ (environments.production.providers.aws."
        "hosted-zone-id) does not exist in the account: give the id of demo.example.com's zone"
    ]
