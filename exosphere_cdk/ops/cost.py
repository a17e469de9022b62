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
from exosphere_cdk.manifest.design.app import (
    WAF_RULE_GROUPS,
    AppDesign,
    DatabaseDesign,
    design,
    secret_readers,
)
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.model.app import LoadedApp

PRICES = Path(__file__).with_name("prices.json")
DEFAULT_REGION = "us-east-1"
#: Assumed CloudWatch Logs ingestion per log group (each service, ExoCom, each log a database
#: exports and RDS writes to: MySQL's empty general, slow-query and audit logs cost nothing),
#: GB per month.
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
#: Minutes a month (730 hours): Container Insights observes each resource once a minute.
MINUTES_PER_MONTH = 730 * 60
#: Assumed Container Insights metrics per resource and minute (enhanced observability
#: observes the tasks and containers too; `enabled` publishes cluster and service
#: metrics, billed as custom metrics).
INSIGHTS_METRICS = {"cluster": 10, "service": 12, "task": 15, "container": 15}
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


def secret_names(plan: AppDesign) -> list[str]:
    """Distinct Secrets Manager secrets the app reads (design.app.secret_readers': services',
    databases', mongo's, Docker Hub's)."""
    return list(secret_readers(plan))


def alarm_metrics(plan: AppDesign) -> int:
    """The metrics the app's CloudWatch alarms read (0 with `alarms: false`)."""
    if not plan.alarms:
        return 0
    insights = plan.insights_on
    per_service = ALARM_METRICS["service"] + (ALARM_METRICS["running_tasks"] if insights else 0)
    routed = sum(1 for s in plan.services if s.routed)
    return (
        (len(plan.services) + 1) * per_service  # ExoCom has the same three
        + routed * ALARM_METRICS["routed"]
        + 2 * ALARM_METRICS["cluster"]
        + ALARM_METRICS["host"]
        + ALARM_METRICS["load_balancer"]
    )


def dashboards(plan: AppDesign) -> int:
    """The app's CloudWatch dashboards: one per `services_per_dashboard` services, at least one."""
    return max(1, -(-len(plan.services) // plan.monitoring.services_per_dashboard))


def insights_observations(plan: AppDesign) -> tuple[int, int]:
    """(resources, observations a month) of enhanced Container Insights at minimum capacity."""
    tasks = sum(s.min_tasks for s in plan.services) + 1  # ExoCom's
    per_minute = (
        3 * INSIGHTS_METRICS["cluster"]
        + (len(plan.services) + 1) * INSIGHTS_METRICS["service"]
        + tasks * (INSIGHTS_METRICS["task"] + INSIGHTS_METRICS["container"])
    )
    return per_minute, per_minute * MINUTES_PER_MONTH


def monitoring_items(plan: AppDesign, p: dict[str, Any]) -> list[Item]:
    """Alarms, dashboards and Container Insights."""
    metrics = alarm_metrics(plan)
    items = [
        Item(
            "CloudWatch alarms",
            metrics,
            p["alarm_metric_month"],
            f"{metrics} alarm metrics (standard resolution)",
        ),
        Item(
            "CloudWatch dashboards",
            dashboards(plan),
            p["dashboard_month"],
            "the app's dashboard ($0 while the account has no more than 3)",
        ),
    ]
    mode = plan.container_insights
    if mode == "enhanced":
        per_minute, observations = insights_observations(plan)
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
            3 * INSIGHTS_METRICS["cluster"] + (len(plan.services) + 1) * INSIGHTS_METRICS["service"]
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


def insights_assumptions(plan: AppDesign, p: dict[str, Any]) -> list[str]:
    mode = plan.container_insights
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
    plan = design(app)
    region = region or plan.region or DEFAULT_REGION
    if region not in table["regions"]:
        known = ", ".join(sorted(table["regions"]))
        raise UnknownRegionError(f"no prices for region {region} (prices known for: {known})")
    prices = _Prices(table["regions"][region], table["hours_per_month"])
    items = [i for i in [*_items(plan, prices), *monitoring_items(plan, prices.p)] if i.quantity]
    return Estimate(
        region,
        table["as_of"],
        tuple(items),
        tuple(_extensions(plan, prices)),
        _assumptions(plan, prices),
        NOT_INCLUDED,
    )


NOT_INCLUDED = (
    "data transfer out to the internet",
    "ECR storage of built images",
    "VPC flow log volume",
    "ACM certificates (free) and DNS queries",
    "instances added by autoscaling above the minimum",
)


@frozen
class _Prices:
    """One region's prices, and the hours of a month."""

    p: dict[str, Any]
    hours: int

    def ec2(self, instance: str) -> float | None:
        hourly = self.p["ec2_hour"].get(instance)
        return None if hourly is None else hourly * self.hours

    def database(self, db: DatabaseDesign) -> float | None:
        """A month of the database's instance, single-AZ (twice that multi-AZ)."""
        hourly = self.p.get("rds_hour", {}).get(f"{db.engine}:{db.instance_class}")
        return None if hourly is None else hourly * self.hours * (2 if db.multi_az else 1)

    def database_storage(self, db: DatabaseDesign) -> float | None:
        per_gib = self.p.get("rds_storage_gb_month", {}).get(db.storage_type)
        return None if per_gib is None else per_gib * (2 if db.multi_az else 1)

    def volume(self, gib: int) -> float:
        per_gib: float = self.p["gp3_gb_month"]
        return gib * per_gib

    @property
    def ipv4(self) -> float:
        hourly: float = self.p["public_ipv4_hour"]
        return hourly * self.hours


def _items(plan: AppDesign, prices: _Prices) -> list[Item]:
    """The instances, the network, DNS, secrets, keys and logs; WAF when it is on."""
    p, hours = prices.p, prices.hours
    public, private, host = plan.platform.public, plan.platform.private, plan.exocom.instance
    clusters = (public, private, host)
    volume_gib = public.root_volume_gib
    secrets = secret_names(plan)
    zones = []
    if plan.dns is not None and plan.dns.hosted_zone_id is None:
        zones.append(f"public zone {plan.dns.domain}")
    zones.append(f"private zone {plan.exocom.namespace} (ExoCom's name)")
    databases = plan.data.databases if plan.data else ()
    log_groups = len(plan.services) + 1 + sum(len(db.logs_written) for db in databases)
    network = plan.network
    items = [
        Item(
            f"EC2 public cluster ({public.instance_type})",
            public.min_instances,
            prices.ec2(public.instance_type),
            "public-cluster-min instances",
        ),
        Item(
            f"EC2 private cluster ({private.instance_type})",
            private.min_instances,
            prices.ec2(private.instance_type),
            "private-cluster-min instances",
        ),
        Item(
            f"EC2 ExoCom ({host.instance_type})", 1, prices.ec2(host.instance_type), "one instance"
        ),
        Item(
            "EBS root volumes",
            sum(c.min_instances for c in clusters),
            round(prices.volume(volume_gib), 4),
            f"{volume_gib} GiB gp3 per instance",
        ),
        Item(
            "NAT gateways",
            network.nat_gateways,
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
            network.nat_gateways + network.availability_zones,
            round(prices.ipv4, 4),
            f"{network.nat_gateways} NAT EIP + {network.availability_zones} load balancer"
            " (one per AZ)",
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
    return items + _database_items(plan, prices) + _waf_items(plan, p)


def _database_items(plan: AppDesign, prices: _Prices) -> list[Item]:
    """Each database's instance and storage (automated backups up to its size are free)."""
    items: list[Item] = []
    for db in plan.data.databases if plan.data else ():
        instance = prices.database(db)
        storage = prices.database_storage(db)
        items += [
            Item(
                f"RDS {db.id} ({db.engine} {db.instance_class})",
                1,
                None if instance is None else round(instance, 4),
                "one instance, multi-AZ" if db.multi_az else "one instance, single-AZ",
            ),
            Item(
                f"RDS {db.id} storage",
                db.allocated_storage_gib,
                storage,
                f"{db.allocated_storage_gib} GiB {db.storage_type}; backups up to that size free",
            ),
        ]
    return items


def _waf_items(plan: AppDesign, p: dict[str, Any]) -> list[Item]:
    groups = plan.platform.waf_rule_groups
    if not groups:
        return []
    return [
        Item("AWS WAF web ACL", 1, p["waf_web_acl_month"], "on the load balancer (waf: true)"),
        Item(
            "AWS WAF rules",
            len(groups),
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


def _extensions(plan: AppDesign, prices: _Prices) -> list[Extension]:
    """What a change would add a month: a zone, NAT gateways, WAF, bigger or more instances."""
    p, hours, network = prices.p, prices.hours, plan.network
    public, private, host = plan.platform.public, plan.platform.private, plan.exocom.instance
    extensions: list[Extension] = []
    if network.availability_zones < 6:
        extensions.append(
            Extension(
                "one more availability zone",
                round(prices.ipv4, 2),
                "the load balancer gets one more public IPv4 address (subnets are free)",
            )
        )
    missing_nats = network.availability_zones - network.nat_gateways
    if missing_nats > 0:
        per_nat = p["nat_gateway_hour"] * hours + prices.ipv4
        extensions.append(
            Extension(
                "one NAT gateway per AZ",
                round(missing_nats * per_nat, 2),
                f"{missing_nats} more NAT gateway(s) and Elastic IP(s); no cross-AZ NAT traffic",
            )
        )
    if not plan.platform.waf_rule_groups:
        waf_fixed = p["waf_web_acl_month"] + len(WAF_RULE_GROUPS) * p["waf_rule_month"]
        extensions.append(
            Extension(
                "AWS WAF on the load balancer (waf: true)",
                round(waf_fixed, 2),
                f"a web ACL and {len(WAF_RULE_GROUPS)} AWS managed rule groups;"
                f" ${p['waf_million_requests']} per million requests on top",
            )
        )
    for label, cluster in (("public", public), ("private", private), ("ExoCom", host)):
        current, count = cluster.instance_type, cluster.min_instances
        bigger = next_size(current)
        now, then = prices.ec2(current), prices.ec2(bigger) if bigger else None
        if bigger is None or count == 0:
            continue
        delta = None if now is None or then is None else round(count * (then - now), 2)
        extensions.append(
            Extension(f"{label} cluster on {bigger}", delta, f"{count} x ({bigger} - {current})")
        )
    for label, cluster in (("public", public), ("private", private)):
        now = prices.ec2(cluster.instance_type)
        extensions.append(
            Extension(
                f"one more {label} instance (min)",
                None if now is None else round(now + prices.volume(cluster.root_volume_gib), 2),
                f"one {cluster.instance_type} with its root volume",
            )
        )
    return extensions


def _assumptions(plan: AppDesign, prices: _Prices) -> tuple[str, ...]:
    p = prices.p
    waf = (
        [
            f"AWS WAF: {WAF_MILLION_REQUESTS:g} million requests/month at"
            f" ${p['waf_million_requests']} per million"
        ]
        if plan.platform.waf_rule_groups
        else []
    )
    return (
        f"{prices.hours} hours per month, on-demand Linux prices, no free tier, no savings plans",
        f"NAT data processing: ${p['nat_gateway_gb']}/GB on top, not included"
        " (e.g. 10 GB/month of image pulls and API calls ≈ "
        f"${10 * p['nat_gateway_gb']:.2f})",
        f"load balancer: {ALB_LCUS} LCU on average (light traffic)",
        f"CloudWatch Logs: {LOG_GB_PER_GROUP:g} GB/month ingested per log group"
        f" at ${p['logs_ingestion_gb']}/GB; storage not included",
        "Secrets Manager: the secrets the services read, counted once each"
        " (they are referenced, not created, by the stacks)",
        *insights_assumptions(plan, p),
        f"CloudWatch alarms: ${p['alarm_metric_month']} per alarm metric (a metric-math alarm"
        f" counts each metric it reads); dashboards: ${p['dashboard_month']} each, though an"
        " account's first 3 are free",
        *waf,
    )
