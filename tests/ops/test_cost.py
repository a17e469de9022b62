"""`exo-cdk cost`: the arithmetic on a tiny app, done by hand here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.data.instances import INSTANCE_TYPES
from exosphere_cdk.manifest.design.app import WAF_RULE_GROUPS, design
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.cost import (
    dashboards,
    estimate,
    price_table,
    secret_names,
)
from tests.apps import AppFactory, go_era_app
from tests.ops.conftest import SHOP

#: web (public) with one secret, users (private) using mongo: all defaults, us-east-1.
TINY = {
    "web/service.yml": {"production": {"secrets": {"TOKEN": "demo/token"}}},
    "users/service.yml": {"dependencies": {"mongo": {"version": "3.4.0"}}},
}


def test_tiny_app_by_hand(make_app: AppFactory) -> None:
    result = estimate(load_app(make_app(TINY)))
    h = 730
    # us-east-1: t3.small $0.0208/h (public 1, private 1), t3.micro $0.0104/h (ExoCom),
    # 3 x 30 GiB gp3 at $0.08, 1 NAT $0.045/h, ALB $0.0225/h + 1 LCU $0.008/h,
    # 3 public IPv4 (1 NAT + 2 AZs of the ALB) at $0.005/h, 2 zones at $0.50,
    # 2 secrets (demo/token, demo/mongo) at $0.40, 1 KMS key at $1, 3 log groups x 1 GB at $0.50
    expected = {
        "EC2 public cluster (t3.small)": 0.0208 * h,
        "EC2 private cluster (t3.small)": 0.0208 * h,
        "EC2 ExoCom (t3.micro)": 0.0104 * h,
        "EBS root volumes": 3 * 30 * 0.08,
        "NAT gateways": 0.045 * h,
        "Application Load Balancer": 0.0225 * h,
        "Load balancer capacity units": 0.008 * h,
        "Public IPv4 addresses": 3 * 0.005 * h,
        "Route 53 hosted zones": 2 * 0.50,
        "Secrets Manager secrets": 2 * 0.40,
        "KMS key": 1.00,
        "CloudWatch Logs ingestion": 3 * 0.50,
        # alarm metrics: web, users and ExoCom 4 each (CPU, memory, running tasks: 2),
        # web's route 4 (5xx: 2, unhealthy hosts, p99), 2 clusters x 2, ExoCom's host 1,
        # the load balancer's 5xx 2 = 23 at $0.10
        "CloudWatch alarms": 23 * 0.10,
        "CloudWatch dashboards": 3.00,
        # enhanced: 3 clusters x 10 + 3 services x 12 + 3 tasks x (15 + 15) = 156 a minute,
        # x 43,800 minutes = 6.83 million observations at $0.21
        "Container Insights (enhanced)": 6.83 * 0.21,
    }
    assert result.region == "us-east-1"
    assert {i.item: i.monthly for i in result.items} == {
        k: pytest.approx(v, abs=0.006) for k, v in expected.items()
    }
    assert result.total == pytest.approx(sum(expected.values()), abs=0.05)
    assert result.total == pytest.approx(122.26, abs=0.02)
    deltas = {e.change: e.monthly_delta for e in result.extensions}
    assert deltas["one NAT gateway per AZ"] == pytest.approx((0.045 + 0.005) * h, abs=0.01)
    assert deltas["one more availability zone"] == pytest.approx(0.005 * h, abs=0.01)
    assert deltas["public cluster on t3.medium"] == pytest.approx((0.0416 - 0.0208) * h, abs=0.01)
    assert deltas["one more private instance (min)"] == pytest.approx(0.0208 * h + 2.4, abs=0.01)


def test_cli_text_states_date_and_total(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", str(make_app(TINY))]) == 0
    lines = capsys.readouterr().out.splitlines()
    as_of = price_table()["as_of"]
    # 122.259 by hand: each line is rounded to cents and the total adds the lines
    total = [line for line in lines if line.startswith("total: ")]
    assert total in (
        [f"total: $122.25 per month (prices as of {as_of})"],
        [f"total: $122.26 per month (prices as of {as_of})"],
    )


def test_cli_json_and_region(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", str(SHOP), "--json"]) == 0
    shop = json.loads(capsys.readouterr().out)
    assert shop["region"] == "eu-west-1"  # the manifest's
    assert shop["prices_as_of"] == price_table()["as_of"]
    assert set(shop) >= {"items", "total_monthly", "extensions", "assumptions", "not_included"}
    assert shop["total_monthly"] == pytest.approx(sum(i["monthly"] for i in shop["items"]))
    assert main(["cost", str(SHOP), "--json", "--region", "us-east-1"]) == 0
    assert json.loads(capsys.readouterr().out)["region"] == "us-east-1"


def test_unknown_region_and_instance_type(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", str(SHOP), "--region", "ap-south-7"]) == 2
    assert "no prices for region ap-south-7" in capsys.readouterr().err
    aws = {"public-cluster-size": "x1e.xlarge"}
    app = make_app(
        {"application.yml": {"environments": {"production": {"providers": {"aws": aws}}}}}
    )
    result = estimate(load_app(app))
    assert result.unknown == ("EC2 public cluster (x1e.xlarge)",)
    assert main(["cost", str(app), "--region", "us-east-1"]) == 0
    assert (
        "not in the total: price unknown for EC2 public cluster (x1e.xlarge) in us-east-1:"
        f" not in exosphere-cdk's price table (dated {price_table()['as_of']})"
    ) in capsys.readouterr().out.replace("\n", " ")


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"])
def test_every_sized_burstable_type_is_priced(region: str) -> None:
    """t2, t3, t3a, t4g: every size the size table knows has a price in every region."""
    prices = price_table()["regions"][region]["ec2_hour"]
    burstable = [n for n in INSTANCE_TYPES if n.split(".")[0] in ("t2", "t3", "t3a", "t4g")]
    assert [n for n in burstable if n not in prices] == []


def test_the_docker_hub_credential_is_a_secret_to_pay_for(make_app: AppFactory) -> None:
    aws = {"dockerhub-credentials": "demo/dockerhub"}
    app = make_app(
        {"application.yml": {"environments": {"production": {"providers": {"aws": aws}}}}}
    )
    assert secret_names(design(load_app(app))) == ["demo/dockerhub"]
    assert secret_names(design(load_app(make_app(None)))) == []


def test_waf_is_an_extension_when_off_and_three_items_when_on(make_app: AppFactory) -> None:
    off = estimate(load_app(make_app(TINY)))
    # $5 for the web ACL, $1 for each of the 3 managed rule groups.
    deltas = {e.change: e for e in off.extensions}
    waf = deltas["AWS WAF on the load balancer (waf: true)"]
    assert waf.monthly_delta == pytest.approx(8.00)
    assert waf.detail == (
        "a web ACL and 3 AWS managed rule groups; $0.6 per million requests on top"
    )
    assert not any(i.item.startswith("AWS WAF") for i in off.items)

    aws = {"waf": True}
    on = estimate(
        load_app(
            make_app(
                {
                    **TINY,
                    "application.yml": {
                        "environments": {"production": {"providers": {"aws": aws}}}
                    },
                }
            )
        )
    )
    items = {i.item: i.monthly for i in on.items}
    assert items["AWS WAF web ACL"] == pytest.approx(5.00)
    assert items["AWS WAF rules"] == pytest.approx(3.00)
    assert items["AWS WAF requests"] == pytest.approx(0.60)  # 1 million assumed
    assert on.total == pytest.approx(off.total + 8.60, abs=0.01)
    assert "AWS WAF on the load balancer (waf: true)" not in {e.change for e in on.extensions}
    assert "AWS WAF: 1 million requests/month at $0.6 per million" in on.assumptions


def test_the_waf_rules_priced_are_the_web_acls(make_app: AppFactory, tmp_path: Path) -> None:
    # GIVEN an app with waf: true, synthesized (its web ACL gets the design's rule groups)
    from tests.synth import synthesize  # noqa: PLC0415 - CDK: slow

    aws = {"waf": True}
    folder = make_app(
        {"application.yml": {"environments": {"production": {"providers": {"aws": aws}}}}}
    )
    synthesized = synthesize(folder, tmp_path / "cdk.out")
    app = synthesized.app
    [acl] = synthesized.template("platform").find_resources("AWS::WAFv2::WebACL").values()
    names = [
        r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in acl["Properties"]["Rules"]
    ]
    # THEN cost prices exactly those rules
    items = {i.item: i.quantity for i in estimate(app).items}
    assert names == list(WAF_RULE_GROUPS)
    assert items["AWS WAF rules"] == len(names) == 3


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"])
def test_waf_is_priced_in_every_region(region: str) -> None:
    prices = price_table()["regions"][region]
    assert (
        prices["waf_web_acl_month"],
        prices["waf_rule_month"],
        prices["waf_million_requests"],
    ) == (5.0, 1.0, 0.6)


def _monitoring(result: Any) -> dict[str, float | None]:
    names = ("CloudWatch alarms", "CloudWatch dashboards", "Container Insights")
    return {i.item: i.monthly for i in result.items if i.item.startswith(names)}


def test_monitoring_off_and_insights_enabled(make_app: AppFactory) -> None:
    def aws(settings: dict[str, Any]) -> dict[str, Any]:
        return {
            **TINY,
            "application.yml": {"environments": {"production": {"providers": {"aws": settings}}}},
        }

    off = estimate(load_app(make_app(aws({"alarms": False, "container-insights": "disabled"}))))
    assert _monitoring(off) == {"CloudWatch dashboards": 3.0}
    # enabled: 3 clusters x 10 + 3 services x 12 = 66 custom metrics at $0.30; alarms as in
    # the tiny app (Container Insights still counts the running tasks)
    enabled = estimate(load_app(make_app(aws({"container-insights": "enabled"}))))
    assert _monitoring(enabled) == {
        "CloudWatch alarms": 2.3,
        "CloudWatch dashboards": 3.0,
        "Container Insights": pytest.approx(66 * 0.30),
    }
    # disabled, alarms on: no running-tasks alarms (3 x 2 metrics fewer)
    disabled = estimate(load_app(make_app(aws({"container-insights": "disabled"}))))
    assert _monitoring(disabled) == {"CloudWatch alarms": 1.7, "CloudWatch dashboards": 3.0}


def test_a_dashboard_per_fifty_services(make_app: AppFactory) -> None:
    app = load_app(make_app(TINY))
    assert dashboards(design(app)) == 1
    many = attrs.evolve(app, services=app.services * 26)  # 52 services
    assert dashboards(design(many)) == 2


def test_databases_are_priced_by_engine_class_and_storage() -> None:
    result = estimate(go_era_app())
    h = 730
    items = {i.item: i for i in result.items}
    # us-east-1: postgres db.t3.micro $0.018/h, 20 GiB gp3 $0.115; mysql db.t3.micro $0.017/h,
    # 20 GiB gp2 $0.115; single-AZ
    assert {
        k: (i.quantity, i.unit, i.monthly, i.detail) for k, i in items.items() if "RDS" in k
    } == {
        "RDS main-db (postgres db.t3.micro)": (1, 13.14, 13.14, "one instance, single-AZ"),
        "RDS main-db storage": (20, 0.115, 2.3, "20 GiB gp3; backups up to that size free"),
        "RDS users (mysql db.t3.micro)": (1, round(0.017 * h, 4), 12.41, "one instance, single-AZ"),
        "RDS users storage": (20, 0.115, 2.3, "20 GiB gp2; backups up to that size free"),
    }
    # the passwords' secrets are read, and each exported engine log RDS writes to is a log
    # group that ingests: 3 services + ExoCom + postgres' 2 + mysql's error log (its general,
    # slow-query and audit logs stay empty without a parameter group)
    assert items["Secrets Manager secrets"].detail == "hello/db, hello/users"
    assert items["CloudWatch Logs ingestion"].quantity == 7


def test_a_database_in_a_region_without_rds_prices_is_unknown() -> None:
    result = estimate(go_era_app(), region="eu-west-1")
    assert "RDS main-db (postgres db.t3.micro)" in result.unknown
    assert "RDS main-db storage" in result.unknown
