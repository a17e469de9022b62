"""The CloudWatch alarms of an ECS-on-EC2 cluster and of the load balancer."""

from __future__ import annotations

from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

from exosphere_constructs.known import read_once
from exosphere_constructs.service_alarms import (
    AT_LEAST,
    ERROR_RATE,
    MIN_REQUESTS,
    MINUTE,
    Expression,
    Metric,
    alarm,
    load_balancer_full_name,
)


class ClusterAlarms:
    """Alarms on a cluster: tasks that cannot be placed, instances failing their status checks.

    Every alarm notifies `topic` and is named `<alarm_name_prefix>-<what>`. Not a
    construct of its own: as `ServiceAlarms`, the alarms are made at the top of
    `scope`'s stack under the logical IDs they would have in a construct `id_`.

    - `unplaced-tasks` (with a capacity provider): its CapacityProviderReservation
      (AWS/ECS/ManagedScaling) stays above 100 percent for 15 minutes: tasks
      wait for instances that managed scaling does not bring (the ASG is at
      its maximum, or instances fail to join).
    - `status-checks`: an instance of the ASG fails its EC2 status checks
      (AWS/EC2 StatusCheckFailed by AutoScalingGroupName) for 10 minutes.

    Attributes:
        alarms: every alarm, by its short name.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster: ecs.ICluster,
        auto_scaling_group: autoscaling.IAutoScalingGroup,
        topic: sns.ITopic,
        alarm_name_prefix: str,
        capacity_provider_name: str | None = None,
    ) -> None:
        """Create the alarms.

        Args:
            cluster: the cluster watched.
            auto_scaling_group: its instances' Auto Scaling Group.
            topic: where the alarms send their notifications.
            alarm_name_prefix: the start of every alarm's name (unique in the
                account and region).
            capacity_provider_name: the cluster's capacity provider with managed
                scaling; default none: no `unplaced-tasks` alarm (ECS publishes
                the reservation only for managed scaling).
        """
        self.alarms: dict[str, cloudwatch.CfnAlarm] = {}
        if capacity_provider_name is not None:
            self.alarms["unplaced-tasks"] = alarm(
                scope,
                (id_, "UnplacedTasks"),
                name=f"{alarm_name_prefix}-unplaced-tasks",
                description=(
                    "capacity provider reservation above 100 percent for 15 minutes:"
                    " tasks wait for instances that do not come"
                ),
                metric=Metric(
                    namespace="AWS/ECS/ManagedScaling",
                    metric_name="CapacityProviderReservation",
                    dimensions={
                        "CapacityProviderName": capacity_provider_name,
                        "ClusterName": read_once(cluster, "cluster_name"),
                    },
                    statistic="Minimum",
                    period=5 * MINUTE,
                ),
                threshold=100,
                evaluation_periods=3,
                topic=topic,
            )
        self.alarms["status-checks"] = alarm(
            scope,
            (id_, "StatusChecks"),
            name=f"{alarm_name_prefix}-status-checks",
            description="an instance fails its EC2 status checks for 10 minutes",
            metric=Metric(
                namespace="AWS/EC2",
                metric_name="StatusCheckFailed",
                dimensions={
                    "AutoScalingGroupName": read_once(auto_scaling_group, "auto_scaling_group_name")
                },
                statistic="Maximum",
                period=5 * MINUTE,
            ),
            threshold=1,
            comparison=AT_LEAST,
            evaluation_periods=2,
            topic=topic,
        )


class LoadBalancerAlarms:
    """An alarm on the load balancer's own 5xx answers (no target, timeouts, bad gateways).

    `5xx` (named `<alarm_name_prefix>-5xx`): HTTPCode_ELB_5XX_Count over
    RequestCount above the threshold in 3 of 5 minutes; it notifies `topic`. Made
    at the top of `scope`'s stack, as `ServiceAlarms` makes its alarms.

    Attributes:
        alarms: the alarm, by its short name.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        load_balancer: elbv2.IApplicationLoadBalancer,
        topic: sns.ITopic,
        alarm_name_prefix: str,
        server_errors_percent: int = 5,
    ) -> None:
        """Create the alarm.

        Args:
            load_balancer: the load balancer watched.
            topic: where the alarm sends its notifications.
            alarm_name_prefix: the start of the alarm's name.
            server_errors_percent: the threshold; default 5 percent of the requests.
        """
        dimensions = {"LoadBalancer": load_balancer_full_name(load_balancer)}
        self.alarms = {
            "5xx": alarm(
                scope,
                (id_, "Http5xx"),
                name=f"{alarm_name_prefix}-5xx",
                description=(
                    f"more than {server_errors_percent} percent of the requests answered 5xx"
                    " by the load balancer itself in 3 of 5 minutes (of at least"
                    f" {MIN_REQUESTS} requests)"
                ),
                metric=Expression(
                    expression=ERROR_RATE,
                    metrics={
                        name: Metric(
                            namespace="AWS/ApplicationELB",
                            metric_name=metric_name,
                            dimensions=dimensions,
                            statistic="Sum",
                        )
                        for name, metric_name in (
                            ("errors", "HTTPCode_ELB_5XX_Count"),
                            ("requests", "RequestCount"),
                        )
                    },
                    label="5xx percent",
                ),
                threshold=server_errors_percent,
                evaluation_periods=5,
                datapoints_to_alarm=3,
                topic=topic,
            )
        }
