"""AppDashboard: a row per service, the shared rows, pages of 50 services."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from exosphere_constructs.dashboard import (
    SERVICES_PER_DASHBOARD,
    AppDashboard,
    ClusterMetrics,
    ServiceMetrics,
    dashboard_body,
    joined,
    service_row,
)
from exosphere_constructs.known import token_parts


def _service(role: str, public: bool = False) -> ServiceMetrics:
    return ServiceMetrics(
        title=role,
        cluster_name="public-cluster",
        service_name=f"svc-{role}",
        target_group_full_name=f"targetgroup/{role}/1" if public else None,
        load_balancer_full_name="app/alb/1" if public else None,
    )


def _widgets(stack: cdk.Stack) -> dict[str, list[dict[str, Any]]]:
    """Widgets by dashboard name (the only token in the bodies here is the region)."""
    dashboards = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard")
    return {d["Properties"]["DashboardName"]: _body(d)["widgets"] for d in dashboards.values()}


def _body(dashboard: Mapping[str, Any]) -> dict[str, Any]:
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else "<region>" for p in parts)
    body: dict[str, Any] = json.loads(text)
    return body


def _titles(widgets: list[dict[str, Any]]) -> list[str]:
    return [w["properties"].get("title", w["properties"].get("markdown")) for w in widgets]


def test_rows_of_services_clusters_exocom_and_load_balancer(stack: cdk.Stack) -> None:
    AppDashboard(
        stack,
        "Dashboard",
        dashboard_name="shop",
        services=[_service("web", public=True), _service("users")],
        clusters=[
            ClusterMetrics(
                title="public cluster",
                cluster_name="public-cluster",
                auto_scaling_group_name="asg",
                capacity_provider_name="cp",
            )
        ],
        exocom=_service("exocom"),
        load_balancer_full_name="app/alb/1",
    )
    [widgets] = _widgets(stack).values()
    assert _titles(widgets) == [
        "## Services",
        *(
            f"web: {w}"
            for w in ("tasks", "CPU %", "memory %", "requests", "5xx", "response time (s)")
        ),
        "users: tasks",
        "users: CPU %",
        "users: memory %",
        "## Clusters",
        "public cluster: reserved %",
        "public cluster: instances",
        "public cluster: failed status checks",
        "public cluster: capacity provider reservation %",
        "## ExoCom",
        "exocom: tasks",
        "exocom: CPU %",
        "exocom: memory %",
        "## Load balancer",
        "load balancer: requests",
        "load balancer: 5xx",
        "load balancer: response time (s)",
    ]
    web_5xx = widgets[5]["properties"]["metrics"]
    assert web_5xx == [
        [
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            "LoadBalancer",
            "app/alb/1",
            "TargetGroup",
            "targetgroup/web/1",
            {"period": 60, "stat": "Sum"},
        ]
    ]
    tasks = widgets[1]["properties"]["metrics"][1]
    assert tasks[:6] == [
        "ECS/ContainerInsights",
        "RunningTaskCount",
        "ClusterName",
        "public-cluster",
        "ServiceName",
        "svc-web",
    ]
    # rows are full width: six widgets of 4 units
    assert {w["width"] for w in widgets[1:7]} == {4}
    assert len({w["y"] for w in widgets[1:7]}) == 1


def test_more_services_than_a_page_get_more_dashboards(stack: cdk.Stack) -> None:
    roles = [f"s{i:03}" for i in range(SERVICES_PER_DASHBOARD + 2)]
    dashboard = AppDashboard(
        stack, "Dashboard", dashboard_name="big", services=[_service(r) for r in roles]
    )
    assert len(dashboard.dashboards) == 2
    pages = _widgets(stack)
    assert set(pages) == {"big", "big-2"}
    assert [t for t in _titles(pages["big-2"]) if t.endswith(": tasks")] == [
        f"{r}: tasks" for r in roles[SERVICES_PER_DASHBOARD:]
    ]
    assert len([t for t in _titles(pages["big"]) if t.endswith(": tasks")]) == 50


def test_a_body_of_many_tokens_is_written_as_cdk_writes_the_text(stack: cdk.Stack) -> None:
    topics = [sns.Topic(stack, f"Topic{i}") for i in range(60)]
    services = [
        ServiceMetrics(
            title=f"s{i}",
            cluster_name=topics[i].topic_name,
            service_name=topics[i + 1].topic_name,
            target_group_full_name=topics[i].topic_arn if i % 2 else None,
            load_balancer_full_name=topics[0].topic_arn if i % 2 else None,
        )
        for i in range(SERVICES_PER_DASHBOARD)
    ]
    heading = {"type": "text", "width": 24, "height": 1, "properties": {"markdown": "## Services"}}
    text = dashboard_body([[heading], *(service_row(service) for service in services)])
    written = stack.resolve(text)  # CDK's own: a join of two parts per token
    assert len(written["Fn::Join"][1]) > 1000

    assert stack.resolve(joined(text)) == written
    assert joined('{"start":"-PT3H"}') == '{"start":"-PT3H"}'
    dashboard = AppDashboard(stack, "Dashboard", dashboard_name="many", services=services)
    # The resource holds one token, the join, not the text's hundreds.
    assert len(token_parts(dashboard.dashboards[0].dashboard_body)) == 1
    (found,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    assert found["Properties"]["DashboardBody"] == written
