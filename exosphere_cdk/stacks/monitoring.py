"""Monitoring: each stack's alarms, and the monitoring stack with the app's dashboard.

Alarms live in the stack of what they watch (a service's in its own stack), so
adding a service changes no other stack's alarms; the dashboard, which shows
every service, has a stack of its own (`<slug>-monitoring`), so adding a
service changes only that stack besides its own and ExoCom's routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from attrs import frozen
from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

from exosphere_cdk.manifest.model.app import Alarms
from exosphere_constructs import Ec2Cluster
from exosphere_constructs.cluster_alarms import ClusterAlarms, LoadBalancerAlarms
from exosphere_constructs.dashboard import AppDashboard, ClusterMetrics, ServiceMetrics
from exosphere_constructs.known import read_once, region, stack_of
from exosphere_constructs.service_alarms import (
    ServiceAlarms,
    load_balancer_full_name,
    rollback_alarm_names,
    service_dimensions_of,
    target_group_full_name,
)


@frozen(kw_only=True)
class AlarmThresholds:
    """A service's alarm thresholds in construct terms (from `production.aws.alarms`)."""

    cpu_percent: int
    memory_percent: int
    server_errors_percent: int
    p99_seconds: float
    unhealthy_hosts: int

    @classmethod
    def of(cls, alarms: Alarms) -> AlarmThresholds:
        """The thresholds a manifest gives (its defaults are the model's)."""
        return cls(
            cpu_percent=alarms.cpu_percent,
            memory_percent=alarms.memory_percent,
            server_errors_percent=alarms.server_errors_percent,
            p99_seconds=alarms.p99_ms / 1000,
            unhealthy_hosts=alarms.unhealthy_hosts,
        )


def deployment_alarm_names(stack_name: str, *, container_insights: bool, routed: bool) -> list[str]:
    """The alarms `watch_service` adds to a service's stack that roll back its deployments.

    Its running-tasks alarm (with `container_insights`) and, for a service the
    load balancer routes to, its 5xx alarm: known before the service is made,
    which is made with them (ECS deployment alarms; the deployment circuit
    breaker stays on).
    """
    return rollback_alarm_names(stack_name, running_tasks=container_insights, target_group=routed)


def watch_service(
    scope: Construct,
    service: ecs.BaseService,
    *,
    topic: sns.ITopic,
    thresholds: AlarmThresholds,
    container_insights: bool,
    target_group: elbv2.ITargetGroup | None = None,
    load_balancer: elbv2.IApplicationLoadBalancer | None = None,
    deployment_alarm_names: Sequence[str] = (),
) -> ServiceAlarms:
    """Add a service's alarms to `scope` (its stack), named `<stack name>-<what>`.

    Without `container_insights` there is no running-tasks alarm: it reads
    Container Insights' task counts. `deployment_alarm_names`: those the
    service was made with as its deployment alarms (`deployment_alarm_names()`),
    each of which must be one of the alarms added here that roll back a
    deployment (a ValueError otherwise: a deployment alarm that does not exist
    would never roll back).
    """
    alarms = ServiceAlarms(
        scope,
        "Alarms",
        service=service,
        topic=topic,
        alarm_name_prefix=read_once(stack_of(scope), "stack_name"),
        cpu_percent=thresholds.cpu_percent,
        memory_percent=thresholds.memory_percent,
        running_tasks=container_insights,
        target_group=target_group,
        load_balancer=load_balancer,
        server_errors_percent=thresholds.server_errors_percent,
        p99_seconds=thresholds.p99_seconds,
        unhealthy_hosts=thresholds.unhealthy_hosts,
    )
    if unknown := sorted(set(deployment_alarm_names) - set(alarms.rollback_alarm_names)):
        raise ValueError(
            f"deployment alarms {unknown} are not among the rollback alarms"
            f" {alarms.rollback_alarm_names}"
        )
    return alarms


def watch_cluster(
    scope: Construct,
    id_: str,
    cluster: Ec2Cluster,
    *,
    topic: sns.ITopic,
    name: str,
    managed_scaling: bool = True,
) -> ClusterAlarms:
    """Add a cluster's alarms to `scope`, named `<stack name>-<name>-<what>`.

    Without `managed_scaling` (ExoCom's fixed host) ECS publishes no capacity
    provider reservation, and there is no unplaced-tasks alarm.
    """
    return ClusterAlarms(
        scope,
        id_,
        cluster=cluster.cluster,
        auto_scaling_group=cluster.auto_scaling_group,
        topic=topic,
        alarm_name_prefix=f"{read_once(stack_of(scope), 'stack_name')}-{name}",
        capacity_provider_name=cluster.capacity_provider_name if managed_scaling else None,
    )


def watch_load_balancer(
    scope: Construct, load_balancer: elbv2.IApplicationLoadBalancer, *, topic: sns.ITopic
) -> LoadBalancerAlarms:
    """Add the load balancer's own 5xx alarm to `scope`, named `<stack name>-load-balancer-5xx`."""
    return LoadBalancerAlarms(
        scope,
        "LoadBalancerAlarms",
        load_balancer=load_balancer,
        topic=topic,
        alarm_name_prefix=f"{read_once(stack_of(scope), 'stack_name')}-load-balancer",
    )


def service_metrics(
    title: str,
    service: ecs.BaseService,
    *,
    target_group: elbv2.ITargetGroup | None = None,
    load_balancer: elbv2.IApplicationLoadBalancer | None = None,
) -> ServiceMetrics:
    """What the dashboard's row of `service` reads its metrics by (references to its stack)."""
    dimensions = service_dimensions_of(service)
    if target_group is None or load_balancer is None:
        return ServiceMetrics(
            title=title,
            cluster_name=dimensions["ClusterName"],
            service_name=dimensions["ServiceName"],
        )
    return ServiceMetrics(
        title=title,
        cluster_name=dimensions["ClusterName"],
        service_name=dimensions["ServiceName"],
        target_group_full_name=target_group_full_name(target_group),
        load_balancer_full_name=load_balancer_full_name(load_balancer),
    )


def cluster_metrics(
    title: str, cluster: Ec2Cluster, *, managed_scaling: bool = True
) -> ClusterMetrics:
    """What the dashboard's row of `cluster` reads its metrics by."""
    return ClusterMetrics(
        title=title,
        cluster_name=read_once(cluster.cluster, "cluster_name"),
        auto_scaling_group_name=read_once(cluster.auto_scaling_group, "auto_scaling_group_name"),
        capacity_provider_name=cluster.capacity_provider_name if managed_scaling else None,
    )


class MonitoringStack(Stack):
    """The app's CloudWatch dashboard: a row per service, the clusters, ExoCom, the load balancer.

    Its metrics are read by names that the other stacks publish (weak
    references), so the other stacks do not depend on this one. Its template
    grows by a dashboard row for each service (ExoCom's grows only by its
    routing table), so it is written without indentation (a quarter of its
    bytes): CloudFormation's 1 MB limit on a template counts them
    (stacks.limits).

    Attributes:
        dashboard: the dashboard construct.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        dashboard_name: str,
        services: Sequence[ServiceMetrics],
        clusters: Sequence[ClusterMetrics],
        exocom: ServiceMetrics,
        load_balancer_full_name: str,
        services_per_dashboard: int,
        **kwargs: Any,
    ) -> None:
        """Create the dashboard `<dashboard_name>-<region>` (dashboard names are per account)."""
        super().__init__(scope, id_, suppress_template_indentation=True, **kwargs)
        self.dashboard = AppDashboard(
            self,
            "Dashboard",
            dashboard_name=f"{dashboard_name}-{region()}",
            services=services,
            clusters=clusters,
            exocom=exocom,
            load_balancer_full_name=load_balancer_full_name,
            services_per_dashboard=services_per_dashboard,
        )
        first = self.dashboard.dashboards[0]
        CfnOutput(
            self,
            "DashboardUrl",
            value=(
                f"https://{region()}.console.aws.amazon.com/cloudwatch/home"
                f"?region={region()}#dashboards/dashboard/{first.ref}"
            ),
            description="the app's CloudWatch dashboard",
        )
