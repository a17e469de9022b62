"""One CloudWatch dashboard of an app: its services, clusters, ExoCom and load balancer.

The dashboard's body is built here as Python data and handed to CloudFormation's
resource in one request, as `cloudwatch.Dashboard` would write it (its rows laid
out the same way, its JSON the same to the byte): a graph widget and each of its
metrics would otherwise be a jsii object each, and every row a call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from attrs import frozen
from aws_cdk import Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from exosphere_constructs.known import region, token_parts
from exosphere_constructs.service_alarms import CONTAINER_INSIGHTS, STATISTICS

#: The services on one dashboard: six widgets each keeps a dashboard well below
#: CloudWatch's limits on widgets and metrics; a larger app gets more pages.
SERVICES_PER_DASHBOARD = 50
#: A dashboard's width, in grid units.
GRID_WIDTH = 24
#: A graph widget's size: six to a row.
WIDTH = 4
HEIGHT = 6
#: Every metric's period, in seconds.
PERIOD = 60
#: The time range a dashboard opens on (ISO 8601, before now).
START = "-PT3H"

#: A widget as the dashboard's JSON holds it, before it is placed (no `x`, `y`).
Widget = dict[str, Any]


@frozen(kw_only=True)
class ServiceMetrics:
    """What a service's row reads its metrics by (plain names, they may be references).

    Attributes:
        title: the row's title (the service's role).
        cluster_name: the name of the service's cluster.
        service_name: the ECS service's name.
        target_group_full_name: `targetgroup/<name>/<id>` of a public service's
            target group; default none: no request, 5xx and latency widgets.
        load_balancer_full_name: `app/<name>/<id>` of the load balancer in front
            of it; required with `target_group_full_name`.
    """

    title: str
    cluster_name: str
    service_name: str
    target_group_full_name: str | None = None
    load_balancer_full_name: str | None = None


@frozen(kw_only=True)
class ClusterMetrics:
    """What a cluster's row reads its metrics by.

    Attributes:
        title: the row's title.
        cluster_name: the ECS cluster's name.
        auto_scaling_group_name: its instances' Auto Scaling Group.
        capacity_provider_name: its capacity provider with managed scaling;
            default none: no reservation widget.
    """

    title: str
    cluster_name: str
    auto_scaling_group_name: str
    capacity_provider_name: str | None = None


def _metric(
    namespace: str,
    metric_name: str,
    dimensions: dict[str, str],
    *,
    statistic: str = "Average",
    label: str | None = None,
) -> list[Any]:
    """A metric as a graph widget lists it: namespace, name, dimensions (by name), options."""
    options: dict[str, Any] = {"label": label} if label is not None else {}
    options["period"] = PERIOD
    if statistic != "Average":  # CloudWatch's default
        options["stat"] = statistic
    if statistic not in STATISTICS and not statistic.startswith("p"):
        raise ValueError(f"unknown statistic {statistic!r}")
    flat = [part for name, value in sorted(dimensions.items()) for part in (name, value)]
    return [namespace, metric_name, *flat, options]


def _graph(title: str, metrics: Sequence[list[Any]]) -> Widget:
    return {
        "type": "metric",
        "width": WIDTH,
        "height": HEIGHT,
        "properties": {
            "view": "timeSeries",
            "title": title,
            "region": region(),
            "metrics": list(metrics),
            "yAxis": {},
        },
    }


def service_row(service: ServiceMetrics) -> list[Widget]:
    """Tasks, CPU, memory and, for a service behind the load balancer, requests, 5xx and latency."""
    ecs = {"ClusterName": service.cluster_name, "ServiceName": service.service_name}
    row: list[Widget] = [
        _graph(
            f"{service.title}: tasks",
            [
                _metric(CONTAINER_INSIGHTS, f"{state}TaskCount", ecs, label=state.lower())
                for state in ("Desired", "Running", "Pending")
            ],
        ),
        _graph(f"{service.title}: CPU %", [_metric("AWS/ECS", "CPUUtilization", ecs)]),
        _graph(f"{service.title}: memory %", [_metric("AWS/ECS", "MemoryUtilization", ecs)]),
    ]
    if service.target_group_full_name is None or service.load_balancer_full_name is None:
        return row
    target = {
        "TargetGroup": service.target_group_full_name,
        "LoadBalancer": service.load_balancer_full_name,
    }
    elb = "AWS/ApplicationELB"
    row += [
        _graph(
            f"{service.title}: requests",
            [_metric(elb, "RequestCount", target, statistic="Sum")],
        ),
        _graph(
            f"{service.title}: 5xx",
            [_metric(elb, "HTTPCode_Target_5XX_Count", target, statistic="Sum")],
        ),
        _graph(
            f"{service.title}: response time (s)",
            [
                _metric(elb, "TargetResponseTime", target, statistic=stat, label=stat)
                for stat in ("p50", "p99")
            ],
        ),
    ]
    return row


def cluster_row(cluster: ClusterMetrics) -> list[Widget]:
    """Reservation, instances and status checks of one cluster."""
    by_cluster = {"ClusterName": cluster.cluster_name}
    row: list[Widget] = [
        _graph(
            f"{cluster.title}: reserved %",
            [
                _metric("AWS/ECS", f"{what}Reservation", by_cluster, label=what.lower())
                for what in ("CPU", "Memory")
            ],
        ),
        _graph(
            f"{cluster.title}: instances",
            [_metric(CONTAINER_INSIGHTS, "ContainerInstanceCount", by_cluster)],
        ),
        _graph(
            f"{cluster.title}: failed status checks",
            [
                _metric(
                    "AWS/EC2",
                    "StatusCheckFailed",
                    {"AutoScalingGroupName": cluster.auto_scaling_group_name},
                    statistic="Maximum",
                )
            ],
        ),
    ]
    if cluster.capacity_provider_name is not None:
        row.append(
            _graph(
                f"{cluster.title}: capacity provider reservation %",
                [
                    _metric(
                        "AWS/ECS/ManagedScaling",
                        "CapacityProviderReservation",
                        {
                            "CapacityProviderName": cluster.capacity_provider_name,
                            "ClusterName": cluster.cluster_name,
                        },
                    )
                ],
            )
        )
    return row


def load_balancer_row(load_balancer_full_name: str) -> list[Widget]:
    """Requests, the load balancer's own and the targets' 5xx, and response time."""
    by_lb = {"LoadBalancer": load_balancer_full_name}
    elb = "AWS/ApplicationELB"
    return [
        _graph("load balancer: requests", [_metric(elb, "RequestCount", by_lb, statistic="Sum")]),
        _graph(
            "load balancer: 5xx",
            [
                _metric(elb, name, by_lb, statistic="Sum", label=label)
                for name, label in (
                    ("HTTPCode_ELB_5XX_Count", "load balancer"),
                    ("HTTPCode_Target_5XX_Count", "targets"),
                )
            ],
        ),
        _graph(
            "load balancer: response time (s)",
            [
                _metric(elb, "TargetResponseTime", by_lb, statistic=stat, label=stat)
                for stat in ("p50", "p99")
            ],
        ),
    ]


def _heading(text: str) -> Widget:
    return {
        "type": "text",
        "width": GRID_WIDTH,
        "height": 1,
        "properties": {"markdown": f"## {text}"},
    }


def _place(rows: Sequence[Sequence[Widget]]) -> list[Widget]:
    """The rows one below the other, each row's widgets left to right (wrapping at the
    grid's width), as `cloudwatch.Dashboard.add_widgets` places them: with `x`, `y`."""
    placed: list[Widget] = []
    top = 0
    for row in rows:
        x, y, bottom = 0, top, top
        for widget in row:
            if x + widget["width"] > GRID_WIDTH:
                x, y = 0, bottom
            head = {key: widget[key] for key in ("type", "width", "height")}
            placed.append({**head, "x": x, "y": y, "properties": widget["properties"]})
            bottom = max(bottom, y + widget["height"])
            x += widget["width"]
        top = bottom
    return placed


def dashboard_body(rows: Sequence[Sequence[Widget]]) -> str:
    """The dashboard's JSON (its tokens left for CloudFormation to fill in)."""
    body = {"start": START, "widgets": _place(rows)}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def joined(text: str) -> str:
    """`text` as one `Fn.join` of its texts and tokens (`token_parts`), or itself with
    no token: the same template, resolved in one pass rather than in a join per token."""
    parts = token_parts(text)
    return text if len(parts) < 2 else Fn.join("", parts)


class AppDashboard(Construct):
    """The app on CloudWatch: a row per service, then its clusters, ExoCom and load balancer.

    The first dashboard, `dashboard_name`, holds the shared rows and the first
    `SERVICES_PER_DASHBOARD` services (in the order given); each further group
    of services gets a dashboard of its own, `<dashboard_name>-2`, ... (construct
    IDs `Dashboard`, `Dashboard2`, ...).

    Attributes:
        dashboards: the dashboards, first to last.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        dashboard_name: str,
        services: Sequence[ServiceMetrics],
        clusters: Sequence[ClusterMetrics] = (),
        exocom: ServiceMetrics | None = None,
        load_balancer_full_name: str | None = None,
        services_per_dashboard: int = SERVICES_PER_DASHBOARD,
    ) -> None:
        """Create the dashboards.

        Args:
            dashboard_name: the first dashboard's name (dashboards are global to
                an account: make it unique across regions).
            services: a row per service, in this order.
            clusters: a row per cluster; default none.
            exocom: ExoCom's row; default none.
            load_balancer_full_name: `app/<name>/<id>` of the load balancer;
                default none: no load balancer row.
            services_per_dashboard: the services of one dashboard; default
                SERVICES_PER_DASHBOARD.
        """
        super().__init__(scope, id_)
        per_page = services_per_dashboard
        pages = [list(services[i : i + per_page]) for i in range(0, len(services), per_page)] or [
            []
        ]
        self.dashboards: list[cloudwatch.CfnDashboard] = []
        for number, page in enumerate(pages, start=1):
            suffix = "" if number == 1 else str(number)
            rows = [[_heading("Services")]] if page else []
            rows += [service_row(service) for service in page]
            if number == 1:
                rows += self._shared(clusters, exocom, load_balancer_full_name)
            # The construct `Dashboard<n>` holding `Resource`, as cloudwatch.Dashboard.
            holder = Construct(self, f"Dashboard{suffix}")
            self.dashboards.append(
                cloudwatch.CfnDashboard(
                    holder,
                    "Resource",
                    dashboard_name=dashboard_name if number == 1 else f"{dashboard_name}-{number}",
                    dashboard_body=joined(dashboard_body(rows)),
                )
            )

    @staticmethod
    def _shared(
        clusters: Sequence[ClusterMetrics],
        exocom: ServiceMetrics | None,
        load_balancer_full_name: str | None,
    ) -> list[list[Widget]]:
        rows: list[list[Widget]] = []
        if clusters:
            rows.append([_heading("Clusters")])
            rows += [cluster_row(cluster) for cluster in clusters]
        if exocom is not None:
            rows += [[_heading("ExoCom")], service_row(exocom)]
        if load_balancer_full_name is not None:
            rows += [[_heading("Load balancer")], load_balancer_row(load_balancer_full_name)]
        return rows
