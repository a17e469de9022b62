"""`exo-cdk cost`: the fixed monthly cost of an app's infrastructure at minimum capacity.

Prices come from `prices.json` beside this module: a dated, hand-copied table
of on-demand (Linux) prices for a few regions. Everything that scales with
use (traffic, NAT data, log volume) is an assumption, stated in the output.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.data.instances import next_size
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.model.app import LoadedApp

PRICES = Path(__file__).with_name("prices.json")
DEFAULT_REGION = "us-east-1"
#: Root volume of every cluster instance (Ec2Cluster's default), GiB of gp3.
ROOT_VOLUME_GIB = 30
#: Assumed CloudWatch Logs ingestion per log group (each service and ExoCom), GB per month.
LOG_GB_PER_GROUP = 1.0
#: Assumed load balancer capacity units, on average over the month.
ALB_LCUS = 1
#: CloudWatch alarm metrics (a metric-math alarm is billed per metric it reads) by what
#: they watch: every service (CPU, memory), a service behind the load balancer (5xx
#: rate: 2, unhealthy hosts, p99), with Container Insights the running tasks (2), a
#: cluster with managed scaling (unplaced tasks, status checks), ExoCom's host
#: (status checks) and the load balancer's own 5xx rate (2).
ALARM_METRICS = {
    "service": 2,
    "routed": 4,
    "running_tasks": 2,
    "cluster": 2,
    "host": 1,
    "load_balancer": 2,
}
#: Services on one dashboard (exosphere_constructs.dashboard.SERVICES_PER_DASHBOARD).
SERVICES_PER_DASHBOARD = 50
#: Minutes a month (730 hours): Container Insights observes each resource once a minute.
MINUTES_PER_MONTH = 730 * 60
#: Assumed Container Insights metrics per resource and minute (enhanced observability
#: observes the tasks and containers too; `enabled` publishes cluster and service
#: metrics, billed as custom metrics).
INSIGHTS_METRICS = {"cluster": 10, "service": 12, "task": 15, "container": 15}
#: AWS's managed rule groups in the web ACL of `waf: true`
#: (exosphere_constructs.web_acl.MANAGED_RULE_GROUPS): each is billed as one rule.
WAF_RULE_GROUPS = 3
#: Assumed requests reaching the load balancer, millions per month (the WAF's request charge).
WAF_MILLION_REQUESTS = 1.0


class UnknownRegionError(UsageError):
    """No prices are known for the region asked for."""


@cache
def price_table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(PRICES.read_text())
    return table


@frozen
class Item:
    """One line of the bill: `quantity` x `unit` (USD per month) = `monthly`."""

    item: str
    quantity: float
    unit: float | None
    detail: str

    @property
    def monthly(self) -> float | None:
        return None if self.unit is None else round(self.quantity * self.unit, 2)


@frozen
class Extension:
    change: str
    monthly_delta: float | None
    detail: str


@frozen
class Estimate:
    region: str
    as_of: str
    items: tuple[Item, ...]
    extensions: tuple[Extension, ...]
    assumptions: tuple[str, ...]
    not_included: tuple[str, ...]

    @property
    def total(self) -> float:
        return round(sum(i.monthly or 0.0 for i in self.items), 2)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(i.item for i in self.items if i.unit is None)

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "prices_as_of": self.as_of,
            "currency": "USD",
            "hours_per_month": price_table()["hours_per_month"],
            "items": [
                {
                    "item": i.item,
                    "quantity": i.quantity,
                    "unit_monthly": i.unit,
                    "monthly": i.monthly,
                    "detail": i.detail,
                }
                for i in self.items
            ],
            "total_monthly": self.total,
            "unknown_prices": list(self.unknown),
            "extensions": [
                {"change": e.change, "monthly_delta": e.monthly_delta, "detail": e.detail}
                for e in self.extensions
            ],
            "assumptions": list(self.assumptions),
            "not_included": list(self.not_included),
        }


def secret_names(app: LoadedApp) -> list[str]:
    """Distinct Secrets Manager secrets the app reads (services', mongo's, Docker Hub's)."""
    names: set[str] = set()
    if app.aws.dockerhub_credentials is not None:
        names.add(app.aws.dockerhub_credentials)
    for svc in app.services:
        names.update(ref.name for ref in svc.service.production.secrets.values())
        mongo = derive.mongo_secret_name(app, svc)
        if mongo is not None:
            names.add(mongo)
    return sorted(names)


def alarm_metrics(app: LoadedApp) -> int:
    """The metrics the app's CloudWatch alarms read (0 with `alarms: false`)."""
    aws = app.aws
    if not aws.alarms:
        return 0
    insights = aws.container_insights != "disabled"
    per_service = ALARM_METRICS["service"] + (ALARM_METRICS["running_tasks"] if insights else 0)
    routed = sum(
        1 for s in app.services if s.public and s.service.production.aws.public_port is not None
    )
    return (
        (len(app.services) + 1) * per_service  # ExoCom has the same three
        + routed * ALARM_METRICS["routed"]
        + 2 * ALARM_METRICS["cluster"]
        + ALARM_METRICS["host"]
        + ALARM_METRICS["load_balancer"]
    )


def dashboards(app: LoadedApp) -> int:
    """The app's CloudWatch dashboards: one per SERVICES_PER_DASHBOARD services, at least one."""
    return max(1, -(-len(app.services) // SERVICES_PER_DASHBOARD))


def insights_observations(app: LoadedApp) -> tuple[int, int]:
    """(resources, observations a month) of enhanced Container Insights at minimum capacity."""
    tasks = sum(s.service.production.aws.min_tasks for s in app.services) + 1  # ExoCom's
    per_minute = (
        3 * INSIGHTS_METRICS["cluster"]
        + (len(app.services) + 1) * INSIGHTS_METRICS["service"]
        + tasks * (INSIGHTS_METRICS["task"] + INSIGHTS_METRICS["container"])
    )
    return per_minute, per_minute * MINUTES_PER_MONTH


def monitoring_items(app: LoadedApp, p: dict[str, Any]) -> list[Item]:
    """Alarms, dashboards and Container Insights."""
    metrics = alarm_metrics(app)
    items = [
        Item(
            "CloudWatch alarms",
            metrics,
            p["alarm_metric_month"],
            f"{metrics} alarm metrics (standard resolution)",
        ),
        Item(
            "CloudWatch dashboards",
            dashboards(app),
            p["dashboard_month"],
            "the app's dashboard ($0 while the account has no more than 3)",
        ),
    ]
    mode = app.aws.container_insights
    if mode == "enhanced":
        per_minute, observations = insights_observations(app)
        items.append(
            Item(
                "Container Insights (enhanced)",
                round(observations / 1e6, 2),
                p["insights_million_observations"],
                f"assumed {per_minute} observations a minute, in millions a month",
            )
        )
    elif mode == "enabled":
        count = (
            3 * INSIGHTS_METRICS["cluster"] + (len(app.services) + 1) * INSIGHTS_METRICS["service"]
        )
        items.append(
            Item(
                "Container Insights",
                count,
                p["custom_metric_month"],
                "assumed cluster and service metrics, billed as custom metrics",
            )
        )
    return items


def insights_assumptions(app: LoadedApp, p: dict[str, Any]) -> list[str]:
    mode = app.aws.container_insights
    m = INSIGHTS_METRICS
    if mode == "enhanced":
        return [
            f"Container Insights (enhanced): ${p['insights_million_observations']} per million"
            f" observations; assumed {m['cluster']} a minute per cluster, {m['service']} per"
            f" service, {m['task'] + m['container']} per task (min-tasks) and its container"
            " (container-insights: enabled or disabled costs less)"
        ]
    if mode == "enabled":
        return [
            f"Container Insights: ${p['custom_metric_month']} per custom metric; assumed"
            f" {m['cluster']} per cluster and {m['service']} per service"
        ]
    return []


def estimate(app: LoadedApp, region: str | None = None) -> Estimate:
    """The monthly cost of `app` at minimum capacity in `region` (default: the app's)."""
    table = price_table()
    region = region or app.aws.region or DEFAULT_REGION
    if region not in table["regions"]:
        known = ", ".join(sorted(table["regions"]))
        raise UnknownRegionError(f"no prices for region {region} (prices known for: {known})")
    p: dict[str, Any] = table["regions"][region]
    hours: int = table["hours_per_month"]
    aws = app.aws

    def ec2(instance: str) -> float | None:
        hourly = p["ec2_hour"].get(instance)
        return None if hourly is None else hourly * hours

    volume = ROOT_VOLUME_GIB * p["gp3_gb_month"]
    ipv4 = p["public_ipv4_hour"] * hours
    public_type = derive.instance_type(app, public=True)
    private_type = derive.instance_type(app, public=False)
    exocom_type = derive.exocom_instance_type(app)
    instances = aws.public_cluster_min + aws.private_cluster_min + 1
    secrets = secret_names(app)
    zones = []
    if app.domain is not None and aws.hosted_zone_id is None:
        zones.append(f"public zone {app.domain}")
    zones.append(f"private zone {derive.private_zone(app)} (ExoCom's name)")
    log_groups = len(app.services) + 1

    items = [
        Item(
            f"EC2 public cluster ({public_type})",
            aws.public_cluster_min,
            ec2(public_type),
            "public-cluster-min instances",
        ),
        Item(
            f"EC2 private cluster ({private_type})",
            aws.private_cluster_min,
            ec2(private_type),
            "private-cluster-min instances",
        ),
        Item(f"EC2 ExoCom ({exocom_type})", 1, ec2(exocom_type), "one instance"),
        Item(
            "EBS root volumes",
            instances,
            round(volume, 4),
            f"{ROOT_VOLUME_GIB} GiB gp3 per instance",
        ),
        Item(
            "NAT gateways",
            aws.nat_gateways,
            round(p["nat_gateway_hour"] * hours, 4),
            "hourly charge; data processing not included",
        ),
        Item("Application Load Balancer", 1, round(p["alb_hour"] * hours, 4), "hourly charge"),
        Item(
            "Load balancer capacity units",
            ALB_LCUS,
            round(p["alb_lcu_hour"] * hours, 4),
            f"assumed {ALB_LCUS} LCU on average",
        ),
        Item(
            "Public IPv4 addresses",
            aws.nat_gateways + aws.availability_zones,
            round(ipv4, 4),
            f"{aws.nat_gateways} NAT EIP + {aws.availability_zones} load balancer (one per AZ)",
        ),
        Item("Route 53 hosted zones", len(zones), p["hosted_zone_month"], "; ".join(zones)),
        Item(
            "Secrets Manager secrets", len(secrets), p["secret_month"], ", ".join(secrets) or "none"
        ),
        Item(
            "KMS key",
            1,
            p["kms_key_month"],
            "the app's customer-managed key, encrypting its log groups (rotation included)",
        ),
        Item(
            "CloudWatch Logs ingestion",
            log_groups * LOG_GB_PER_GROUP,
            p["logs_ingestion_gb"],
            f"assumed {LOG_GB_PER_GROUP:g} GB/month per log group ({log_groups} groups)",
        ),
    ]
    if aws.waf:
        items += [
            Item("AWS WAF web ACL", 1, p["waf_web_acl_month"], "on the load balancer (waf: true)"),
            Item(
                "AWS WAF rules",
                WAF_RULE_GROUPS,
                p["waf_rule_month"],
                "AWS managed rule groups: common rules, known bad inputs, IP reputation",
            ),
            Item(
                "AWS WAF requests",
                WAF_MILLION_REQUESTS,
                p["waf_million_requests"],
                f"assumed {WAF_MILLION_REQUESTS:g} million requests/month",
            ),
        ]
    items += monitoring_items(app, p)
    items = [i for i in items if i.quantity]

    extensions: list[Extension] = []
    if aws.availability_zones < 6:
        extensions.append(
            Extension(
                "one more availability zone",
                round(ipv4, 2),
                "the load balancer gets one more public IPv4 address (subnets are free)",
            )
        )
    missing_nats = aws.availability_zones - aws.nat_gateways
    if missing_nats > 0:
        per_nat = p["nat_gateway_hour"] * hours + ipv4
        extensions.append(
            Extension(
                "one NAT gateway per AZ",
                round(missing_nats * per_nat, 2),
                f"{missing_nats} more NAT gateway(s) and Elastic IP(s); no cross-AZ NAT traffic",
            )
        )
    if not aws.waf:
        waf_fixed = p["waf_web_acl_month"] + WAF_RULE_GROUPS * p["waf_rule_month"]
        extensions.append(
            Extension(
                "AWS WAF on the load balancer (waf: true)",
                round(waf_fixed, 2),
                f"a web ACL and {WAF_RULE_GROUPS} AWS managed rule groups;"
                f" ${p['waf_million_requests']} per million requests on top",
            )
        )
    for label, current, count in (
        ("public", public_type, aws.public_cluster_min),
        ("private", private_type, aws.private_cluster_min),
        ("ExoCom", exocom_type, 1),
    ):
        bigger = next_size(current)
        now, then = ec2(current), ec2(bigger) if bigger else None
        if bigger is None or count == 0:
            continue
        delta = None if now is None or then is None else round(count * (then - now), 2)
        extensions.append(
            Extension(f"{label} cluster on {bigger}", delta, f"{count} x ({bigger} - {current})")
        )
    for label, current in (("public", public_type), ("private", private_type)):
        now = ec2(current)
        extensions.append(
            Extension(
                f"one more {label} instance (min)",
                None if now is None else round(now + volume, 2),
                f"one {current} with its root volume",
            )
        )

    assumptions = (
        f"{hours} hours per month, on-demand Linux prices, no free tier, no savings plans",
        f"NAT data processing: ${p['nat_gateway_gb']}/GB on top, not included"
        " (e.g. 10 GB/month of image pulls and API calls ≈ "
        f"${10 * p['nat_gateway_gb']:.2f})",
        f"load balancer: {ALB_LCUS} LCU on average (light traffic)",
        f"CloudWatch Logs: {LOG_GB_PER_GROUP:g} GB/month ingested per log group"
        f" at ${p['logs_ingestion_gb']}/GB; storage not included",
        "Secrets Manager: the secrets the services read, counted once each"
        " (they are referenced, not created, by the stacks)",
        *insights_assumptions(app, p),
        f"CloudWatch alarms: ${p['alarm_metric_month']} per alarm metric (a metric-math alarm"
        f" counts each metric it reads); dashboards: ${p['dashboard_month']} each, though an"
        " account's first 3 are free",
        *(
            [
                f"AWS WAF: {WAF_MILLION_REQUESTS:g} million requests/month at"
                f" ${p['waf_million_requests']} per million"
            ]
            if aws.waf
            else []
        ),
    )
    not_included = (
        "data transfer out to the internet",
        "ECR storage of built images",
        "VPC flow log volume",
        "ACM certificates (free) and DNS queries",
        "instances added by autoscaling above the minimum",
    )
    return Estimate(
        region, table["as_of"], tuple(items), tuple(extensions), assumptions, not_included
    )
