"""`exo-cdk doctor|destroy|remove` on hello and shop, deployed from their templates.

tests/moto_synth.py creates each app's stacks in moto's CloudFormation from the
templates it synthesizes to (and says what it changes for moto), in an account
of each test's own (these tests break or delete it). The commands run as a user
runs them, with their exit codes and exact lines.

Two things stand in for what is not in process: the CDK CLI (`exo-cdk destroy`
runs it; here each run is replayed in moto as the CDK CLI would do it, from its
arguments: `destroy --all -c env=<env>` deletes that environment's stacks,
dependents first; the `-c teardown=true` deploy that lifts the protection
changes nothing in moto, which enforces no termination or deletion protection),
and public DNS (the preflight asks it whether the domain is delegated; here it
answers with the name servers of the zone the zone stack made).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from rich.console import Console

from exosphere_cdk.cli import destroy, lifecycle, main
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops import cdk_cli, dns
from exosphere_cdk.ops.cdk_cli import CdkRun
from exosphere_cdk.ops.remove import StacksExistError, removal_plan, remove
from tests import moto_synth
from tests.cli.test_lifecycle import FakeCdk
from tests.conftest import STAGING
from tests.synth import Synthesized

ACCOUNT = DEFAULT_ACCOUNT_ID
Deployable = Callable[[str, str], Synthesized]
ENVS = ("production", STAGING)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def folder(synthesized: Synthesized) -> str:
    return str(synthesized.app.directory)


# ---------------------------------------------------------------- doctor


def delegated(monkeypatch: pytest.MonkeyPatch, session: boto3.Session) -> None:
    """Public DNS answering with the name servers of the zone named as asked: delegated."""

    def answer(domain: str, **_: Any) -> dns.PublicAnswer:
        return dns.PublicAnswer(tuple(_name_servers(session, f"{domain}.")))

    monkeypatch.setattr(dns, "public_name_servers", answer)


def _zone(session: boto3.Session, name: str) -> str:
    zones = session.client("route53").list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    return str(next(z["Id"] for z in zones if z["Name"] == name).removeprefix("/hostedzone/"))


def _name_servers(session: boto3.Session, name: str) -> list[str]:
    answer = session.client("route53").get_hosted_zone(Id=_zone(session, name))
    return list(answer["DelegationSet"]["NameServers"])


@pytest.fixture
def templates(monkeypatch: pytest.MonkeyPatch, deployable: Deployable) -> None:
    """doctor's templates: the ones deployed (doctor's own synthesis is tested, slow, in
    tests/cli/test_lifecycle.py)."""

    def synthesized(app: LoadedApp) -> dict[str, dict[str, Any]]:
        example = app.directory.name
        return deployable(example, app.env_name).templates

    monkeypatch.setattr(lifecycle, "app_templates", synthesized)


def shop_ready(region: str, zone: str) -> list[str]:
    """doctor's lines for shop in an account where it is deployed and ready."""
    return [
        f"ok: credentials: account {ACCOUNT} in {region} as arn:aws:sts::{ACCOUNT}:user/moto",
        f"ok: bootstrap: CDKToolkit version {moto_synth.bootstrap_version()} in {region}",
        "ok: secrets: secret exosphere-shop/mongo exists (read by products (MONGODB_PW,"
        " MONGODB_USER))",
        "ok: secrets: secret shop/admin exists (read by admin (ADMIN_PASSWORD))",
        "ok: secrets: secret shop/orders-mongo exists (read by orders (MONGODB_PW, MONGODB_USER))",
        "ok: secrets: secret shop/payment-api-key exists (read by payments (PAYMENT_API_KEY))",
        "ok: secrets: secret shop/payment-provider exists (read by payments"
        " (PAYMENT_WEBHOOK_SECRET))",
        f"ok: dns: shop.example.com is delegated to zone {zone}",
        "ok: ecs role: AWSServiceRoleForECS exists",
        "ok: quotas: VPCs: 2 of 5 in use, the app adds 0",  # the region's default VPC and shop's
        "ok: quotas: Elastic IPs: 2 of 5 in use, the app adds 0",  # its two NAT gateways'
        "ok: quotas: application load balancers: 1 of 20 in use, the app adds 0",
    ]


@pytest.fixture
def shop_alone(
    deployable: Deployable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[moto_synth.Account]:
    """shop's production alone in an account of its own, for a test that breaks it; its
    domain delegated to the zone its zone stack made."""
    with moto_synth.deployed_account([deployable("shop", "production")], tmp_path) as deployed:
        delegated(monkeypatch, deployed.session)
        yield deployed


@pytest.mark.usefixtures("templates", "docker_running")
def test_doctor_on_the_deployed_shop_then_one_thing_broken_at_a_time(
    deployable: Deployable, shop_alone: moto_synth.Account, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = deployable("shop", "production")
    session, region = shop_alone.session, "eu-west-1"
    ready = shop_ready(region, _zone(session, "shop.example.com."))
    docker = "ok: docker: Docker is running, for storefront"
    assert main(["doctor", folder(shop)]) == 0
    assert capsys.readouterr().out.splitlines() == [*ready, docker, "ready to deploy"]

    def doctor_errors() -> list[str]:
        assert main(["doctor", folder(shop)]) == 1
        out = capsys.readouterr().out.splitlines()
        assert out[-1] == "1 problem: `exo-cdk deploy` would stop here"
        return [line for line in out if not line.startswith("ok: ")][:-1]

    # a secret the services name, deleted (scheduled, then gone)
    secrets = session.client("secretsmanager", region_name=region)
    secrets.delete_secret(SecretId="shop/admin")
    missing = (
        f"in {region} (read by admin (ADMIN_PASSWORD)): create it (docs/operations.md#secrets);"
        " its service's tasks cannot start without it"
    )
    assert doctor_errors() == [
        f"error: secrets: secret shop/admin is scheduled for deletion {missing}"
    ]
    secrets.delete_secret(SecretId="shop/admin", ForceDeleteWithoutRecovery=True)
    assert doctor_errors() == [f"error: secrets: secret shop/admin does not exist {missing}"]
    secrets.create_secret(Name="shop/admin", SecretString="{}")

    # the app pinned to another account than the credentials'
    application = Path(folder(shop)) / "application.yml"
    text = application.read_text()
    before, after = text.rsplit(
        f"'{ACCOUNT}'", 1
    )  # production's pin: with_staging adds staging's before it
    try:
        application.write_text(f"{before}'210987654321'{after}")
        assert main(["doctor", folder(shop)]) == 1
        assert capsys.readouterr().out.splitlines() == [
            f"error: credentials: the credentials are for account {ACCOUNT}"
            f" (arn:aws:sts::{ACCOUNT}:user/moto), the app deploys to 210987654321"
            " (environments.production.providers.aws.account-id): use credentials of"
            " 210987654321 (AWS_PROFILE or --profile)",
            docker,
            "1 problem: `exo-cdk deploy` would stop here",
        ]
    finally:
        application.write_text(text)
    # ready again
    assert main(["doctor", folder(shop)]) == 0
    assert capsys.readouterr().out.splitlines() == [*ready, docker, "ready to deploy"]

    # the bootstrap stack removed
    session.client("cloudformation", region_name=region).delete_stack(StackName="CDKToolkit")
    assert doctor_errors() == [
        f"error: bootstrap: account {ACCOUNT} is not bootstrapped in {region}: run"
        f" `npx cdk bootstrap aws://{ACCOUNT}/{region}` from the exosphere-cdk checkout"
    ]


@pytest.fixture
def docker_running(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A `docker` on PATH whose daemon answers (storefront builds its image from a Dockerfile)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text("#!/bin/sh\necho 27.3.1\n")
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


# ---------------------------------------------------------------- destroy and remove


class CdkInMoto:
    """The CDK CLI's runs replayed in moto (the module docstring says how)."""

    def __init__(self, account: moto_synth.Account) -> None:
        self.account = account
        self.runs: list[list[str]] = []

    def run(self, out: Console, step: CdkRun) -> int:
        argv = list(step.argv[1:])
        self.runs.append(argv)
        context = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "-c")
        deployment = self.account.deployments[Path(context["app"]), context["env"]]
        if argv[0] == "destroy":
            stacks = None if "--all" in argv else list(step.stacks)
            moto_synth.destroy(deployment, self.account.session, stacks)
        return 0


@pytest.fixture
def both_environments(
    example: str, deployable: Deployable, tmp_path: Path
) -> Iterator[moto_synth.Account]:
    """The example's production and staging, deployed in an account of their own."""
    apps = [deployable(example, env) for env in ENVS]
    with moto_synth.deployed_account(apps, tmp_path) as deployed:
        yield deployed


@pytest.fixture
def cdk(
    both_environments: moto_synth.Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CdkInMoto:
    monkeypatch.setattr(cdk_cli, "CHECKOUT", FakeCdk(tmp_path / "checkout").root)
    replay = CdkInMoto(both_environments)
    monkeypatch.setattr(destroy, "run_cdk", replay.run)
    return replay


def _leftovers(app: LoadedApp, session: boto3.Session) -> list[tuple[str, str]]:
    return [(item.kind, item.name) for item in removal_plan(app, session).leftovers]


def _bare_leftovers(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Leftovers without the suffixes CloudFormation adds to names, a key without its id."""
    return [
        (kind, "<key id>" if kind == "KMS key" else re.sub(r"-[a-zA-Z0-9]{12}$", "", name))
        for kind, name in found
    ]


def retained(example: str, app: LoadedApp) -> list[tuple[str, str]]:
    """What the environment's templates retain when their stacks are deleted (DeletionPolicy
    Retain): its hosted zone, access-log bucket, log groups and key, as `remove` lists them."""
    name = derive.deployment_name(app)
    groups = [
        "exocom-ExoComLogsE3930C7F",
        *(["exocom-ReconnectorLogs99C65B87"] if example == "hello" else []),  # ExoCom 0.21.8's
        "network-NetworkFlowLogs2BEC3212",
        *(f"{s.role}-ServiceLogs205D48C6" for s in app.services),
    ]
    bucket = derive.stack_name(app, "platform")[:19]  # as CloudFormation cuts a bucket's name
    return [
        ("hosted zone", f"{app.domain}."),
        ("S3 bucket", f"{bucket}-loadbalanceraccesslogsb27dfc85"),
        *(("log group", f"{name}-{group}") for group in sorted(groups)),
        ("KMS key", "<key id>"),
    ]


def removed(kind: str, name: str) -> str:
    """`remove --yes`'s line for one leftover of what our templates retain (none holds data)."""
    if kind == "KMS key":
        when = f"{datetime.now(UTC) + timedelta(days=7):%Y-%m-%d}"
        return (
            f"KMS key {name}: deletion scheduled on {when} (7 days, AWS's minimum; until then"
            f" `aws kms cancel-key-deletion --key-id {name}` keeps it)"
        )
    outcome = {
        "hosted zone": "deleted with 0 record sets",
        "S3 bucket": "emptied (0 object versions) and deleted",
        "log group": "deleted",
    }
    return f"{kind} {name}: {outcome[kind]}"


@pytest.mark.parametrize(
    "example",
    # shop (14 stacks twice, a service with a certificate of its own) takes twice hello's time
    ["hello", pytest.param("shop", marks=pytest.mark.slow)],
)
def test_destroy_and_remove_one_environment_then_the_other(
    example: str,
    deployable: Deployable,
    both_environments: moto_synth.Account,
    cdk: CdkInMoto,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session = both_environments.session
    production, staging = (deployable(example, env) for env in ENVS)
    app_dir = folder(production)
    region = production.app.aws.region
    kept = _leftovers(production.app, session)
    assert _bare_leftovers(kept) == retained(example, production.app)

    # remove refuses while the stacks exist
    assert main(["remove", app_dir, "--env", STAGING, "--yes"]) == 2
    name = derive.deployment_name(staging.app)
    count = len(derive.stack_names(staging.app)) - 1
    assert capsys.readouterr().err == (
        f"exo-cdk: error: {name}-network and {count} other stacks of the app still exist in"
        f" {region}: run `cdk destroy --all` first, then `exo-cdk remove --yes` again\n"
    )

    # staging destroyed: its stacks, dependents first; production's untouched
    assert main(["destroy", app_dir, "--env", STAGING, "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"nothing of {name} is deployed in {region}\n")
    assert [argv[0] for argv in cdk.runs] == ["deploy", "destroy"]
    assert "teardown=true" in cdk.runs[0]
    assert both_environments.deployment(staging).deleted == list(
        reversed(both_environments.deployment(staging).order)
    )
    assert main(["status", app_dir, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {s["status"] for s in document["stacks"]} == {"CREATE_COMPLETE"}
    assert all(s["steady"] for s in document["services"])
    assert main(["status", app_dir, "--env", STAGING]) == 2
    assert capsys.readouterr().err == (
        f"exo-cdk: error: stack {name}-network is not deployed in {region}\n"
    )
    assert main(["destroy", app_dir, "--env", STAGING, "--yes"]) == 0
    assert capsys.readouterr().out == (
        f"nothing of {name} is deployed in {region}: nothing to destroy\n"
    )
    assert len(cdk.runs) == 2

    # staging's leftovers removed; production's kept
    staged = _leftovers(staging.app, session)
    assert _bare_leftovers(staged) == retained(example, staging.app)
    assert main(["remove", app_dir, "--env", STAGING]) == 0
    shown = capsys.readouterr().out.splitlines()
    rows = [re.sub(r"\s+", " ", line).strip() for line in shown if line.startswith("│")]
    assert [row.split(" │ ")[:2] for row in rows] == [[f"│ {k}", n] for k, n in staged]
    assert shown[-1] == (
        f"nothing was deleted: `exo-cdk remove {app_dir} --env {STAGING} --yes` deletes these"
    )
    assert main(["remove", app_dir, "--env", STAGING, "--yes"]) == 0
    assert capsys.readouterr().out.splitlines() == [removed(k, n) for k, n in staged]
    assert main(["remove", app_dir, "--env", STAGING]) == 0
    assert capsys.readouterr().out == f"nothing of {name} is left in {region}\n"
    assert _leftovers(production.app, session) == kept

    # production the same way, through the operations: then nothing of the app is left
    with pytest.raises(StacksExistError) as refused:
        remove(production.app, session)
    assert sorted(refused.value.stacks) == sorted(derive.stack_names(production.app))
    assert main(["destroy", app_dir, "--yes"]) == 0
    capsys.readouterr()
    assert both_environments.deployment(production).deleted == list(
        reversed(both_environments.deployment(production).order)
    )
    plan, done = remove(production.app, session)
    assert [(item.kind, item.name) for item in plan.leftovers] == kept
    assert [f"{d.leftover.kind} {d.leftover.name}: {d.outcome}" for d in done] == [
        removed(kind, item) for kind, item in kept
    ]
    assert all(d.ok for d in done)
    assert main(["remove", app_dir]) == 0
    assert capsys.readouterr().out == f"nothing of {production.app.slug} is left in {region}\n"
    for app in (production.app, staging.app):
        assert _of_the_app(app, session, region) == {}


def _of_the_app(app: LoadedApp, session: boto3.Session, region: str | None) -> dict[str, Any]:
    """What AWS still holds of the app's environment: its stacks, what `remove` finds, its
    certificates, and any resource tagged as the app (but a KMS key waiting for its deletion,
    and what moto's CloudFormation fails to delete: tests/moto_synth.py's EC2_LEFT_BY_MOTO)."""
    cfn = session.client("cloudformation", region_name=region)
    names = set(derive.stack_names(app))
    tagged = session.client("resourcegroupstaggingapi", region_name=region).get_resources(
        TagFilters=[{"Key": "exosphere:app", "Values": [app.slug]}]
    )["ResourceTagMappingList"]
    kms = session.client("kms", region_name=region)
    ec2_left = tuple(f":ec2:{region}:{ACCOUNT}:{kind}/" for kind in moto_synth.EC2_LEFT_BY_MOTO)
    live = [
        arn
        for arn in (m["ResourceARN"] for m in tagged)
        if not any(kind in arn for kind in ec2_left)
        and (
            ":kms:" not in arn
            or kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] != "PendingDeletion"
        )
    ]
    certificates = session.client("acm", region_name=region).list_certificates()
    found = {
        "stacks": [
            s["StackName"] for s in cfn.describe_stacks()["Stacks"] if s["StackName"] in names
        ],
        "leftovers": _leftovers(app, session),
        "tagged": live,
        "certificates": [c["DomainName"] for c in certificates["CertificateSummaryList"]],
    }
    return {k: v for k, v in found.items() if v}
