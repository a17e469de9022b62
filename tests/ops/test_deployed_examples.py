"""status, logs and the preflight on hello and shop, deployed from their own templates.

Each example, with a staging environment beside its production
(tests/conftest.py's `with_staging`), is synthesized once per session and
created stack by stack, in the assembly's order, in moto's CloudFormation by
tests/moto_synth.py, which says what it changes for moto and why (ACM
certificates are requested through moto's ACM API and their ARN put where the
templates refer to them; what else moto cannot create is left out). Both apps,
both environments, live in one account, as they would: each operation must
find its own environment's resources and no other's. The account is made
ready as the deploys found it: bootstrapped from the CDK CLI's own bootstrap
template, the ECS service-linked role, the secrets the services read.

Read-only tests share one account per module; each test that breaks something
gets an account of its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import boto3  # type: ignore[import-untyped]
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.ops.docker import DockerState
from exosphere_cdk.ops.logs import EXOCOM, events, log_source
from exosphere_cdk.ops.preflight import preflight
from exosphere_cdk.ops.status import app_status
from tests import moto_synth
from tests.conftest import REPO, STAGING
from tests.synth import Synthesized, normalise

ACCOUNT = DEFAULT_ACCOUNT_ID
SNAPSHOTS = REPO / "tests" / "stacks" / "__snapshots__" / "test_snapshots"
DEPLOYED = [
    pytest.param(example, env, id=f"{example}-{env}")
    for example in ("hello", "shop")
    for env in ("production", STAGING)
]
Deployable = Callable[[str, str], Synthesized]
RUNNING = DockerState(installed=True, running=True)


def every_deployment(deployable: Deployable) -> list[Synthesized]:
    return [
        deployable(example, env) for example in ("hello", "shop") for env in ("production", STAGING)
    ]


@pytest.fixture(scope="module")
def account(
    deployable: Deployable, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[moto_synth.Account]:
    """hello and shop, production and staging, deployed in one account."""
    apps = every_deployment(deployable)
    with moto_synth.deployed_account(apps, tmp_path_factory.mktemp("aws")) as deployed:
        yield deployed


@pytest.mark.parametrize("example", ["hello", "shop"])
def test_what_is_deployed_of_production_is_what_the_snapshots_hold(
    deployable: Deployable, example: str
) -> None:
    """The staging environment added to the example's copy changes nothing of production."""
    templates = deployable(example, "production").templates
    assert {name: normalise(t) for name, t in templates.items()} == {
        name: json.loads((SNAPSHOTS / f"test_stack_matches_snapshot[{name}].json").read_text())
        for name in templates
    }


def _cluster(name: str) -> str:
    """A name CloudFormation made (a cluster's, a service's, a log group's) without the
    suffix it adds."""
    return name.rsplit("-", 1)[0]


@pytest.mark.parametrize(("example", "env"), DEPLOYED)
def test_status_shows_every_stack_and_service_deployed(
    deployable: Deployable, account: moto_synth.Account, example: str, env: str
) -> None:
    synthesized = deployable(example, env)
    app = synthesized.app
    name = derive.deployment_name(app)
    status = app_status(app, session=account.session)
    assert (status.env, status.deployment, status.region) == (env, name, app.aws.region)
    # every stack of this environment, in the order status lists them, and no other's
    assert [(s.name, s.status) for s in status.stacks] == [
        (stack, "CREATE_COMPLETE") for stack in derive.stack_names(app)
    ]
    assert sorted(s.name for s in status.stacks) == sorted(account.deployment(synthesized).order)
    public = {s.role for s in app.public_services}
    # the clusters and services as the templates name them: ExoCom's own, the platform's two
    expected = [
        (
            EXOCOM,
            f"{name}-exocom-ExoComHostCluster9F34F2D6",
            f"{name}-exocom-ExoComService555B5BB4",
            "ACTIVE",
            1,
            1,
            None,
        ),
        *(
            (
                s.role,
                f"{name}-platform-{'Public' if s.public else 'Private'}Cluster"
                + ("03BE7BDF" if s.public else "8581AEA4"),
                f"{name}-{s.role}-Service9571FDD8",
                "ACTIVE",
                s.min_tasks,
                s.min_tasks,
                () if s.role in public else None,
            )
            for s in app.services
        ),
    ]
    found = [
        (
            s.role,
            _cluster(s.cluster or ""),
            _cluster(s.service or ""),
            s.status,
            s.desired,
            s.running,
            s.targets,
        )
        for s in status.services
    ]
    assert found == expected
    assert all(s.steady and s.rollout == "COMPLETED" for s in status.services)


@pytest.mark.parametrize(("example", "env"), DEPLOYED)
def test_logs_finds_each_service_s_log_group(
    deployable: Deployable, account: moto_synth.Account, example: str, env: str
) -> None:
    app = deployable(example, env).app
    name = derive.deployment_name(app)
    logs = account.session.client("logs", region_name=app.aws.region)
    now = int(time.time() * 1000)
    for role in [EXOCOM, *(s.role for s in app.services)]:
        source = log_source(app, role, session=account.session)
        group = "exocom-ExoComLogsE3930C7F" if role == EXOCOM else f"{role}-ServiceLogs205D48C6"
        assert (source.stack, _cluster(source.log_group)) == (
            derive.stack_name(app, role),
            f"{name}-{group}",
        )
        stream = f"{role}/{role}/{env}"
        logs.create_log_stream(logGroupName=source.log_group, logStreamName=stream)
        message = f"{name} {role} listening"
        logs.put_log_events(
            logGroupName=source.log_group,
            logStreamName=stream,
            logEvents=[{"timestamp": now, "message": message}],
        )
        # its own event alone: no other environment's or role's
        assert [(e.stream, e.message) for e in events(source, start_ms=now - 1000)] == [
            (stream, message)
        ]


def test_preflight_of_the_deployed_apps(
    deployable: Deployable, account: moto_synth.Account
) -> None:
    shop = deployable("shop", "production")
    region = shop.app.aws.region
    zone = _zone(account.session, "shop.example.com.")
    result = preflight(
        shop.app,
        account.session,
        templates=shop.templates,
        docker=lambda: RUNNING,
        resolver=lambda domain: _name_servers(account.session, zone),
    )
    version = moto_synth.bootstrap_version()
    assert [str(f) for f in result.findings] == [
        f"ok: credentials: account {ACCOUNT} in {region} as arn:aws:sts::{ACCOUNT}:user/moto",
        f"ok: bootstrap: CDKToolkit version {version} in {region}",
        "ok: secrets: secret exosphere-shop/mongo exists (read by products (MONGODB_PW,"
        " MONGODB_USER))",
        "ok: secrets: secret shop/admin exists (read by admin (ADMIN_PASSWORD))",
        "ok: secrets: secret shop/orders-mongo exists (read by orders (MONGODB_PW, MONGODB_USER))",
        "ok: secrets: secret shop/payment-api-key exists (read by payments (PAYMENT_API_KEY))",
        "ok: secrets: secret shop/payment-provider exists (read by payments"
        " (PAYMENT_WEBHOOK_SECRET))",
        f"ok: dns: shop.example.com is delegated to zone {zone}",
        "ok: ecs role: AWSServiceRoleForECS exists",
        # the region's default VPC, production's and staging's; staging's NAT gateways' too
        "ok: quotas: VPCs: 3 of 5 in use, the app adds 0",
        "ok: quotas: Elastic IPs: 4 of 5 in use, the app adds 0",
        "ok: quotas: application load balancers: 2 of 20 in use, the app adds 0",
        "ok: docker: Docker is running, for storefront",
    ]


def _zone(session: boto3.Session, name: str) -> str:
    zones = session.client("route53").list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    return str(next(z["Id"] for z in zones if z["Name"] == name).removeprefix("/hostedzone/"))


def _name_servers(session: boto3.Session, zone: str) -> list[str]:
    answer = session.client("route53").get_hosted_zone(Id=zone)
    return list(answer["DelegationSet"]["NameServers"])
