"""The CloudWatch alarms of one ECS service, and of its target group when it has one."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

#: Container Insights' namespace (task counts of a service, by ClusterName and ServiceName).
CONTAINER_INSIGHTS = "ECS/ContainerInsights"
MINUTE = Duration.minutes(1)
#: A 5xx rate counts only in minutes with at least this many requests: at low traffic a
#: single error would otherwise be 100 % (and roll a deployment back).
MIN_REQUESTS = 10
#: The share of `requests` answered with `errors`, in percent, 0 in quiet minutes.
ERROR_RATE = f"IF(requests >= {MIN_REQUESTS}, 100 * errors / requests, 0)"


def alarm(
    scope: Construct,
    id_: str,
    *,
    name: str,
    description: str,
    metric: cloudwatch.IMetric,
    threshold: float,
    evaluation_periods: int,
    topic: sns.ITopic,
    datapoints_to_alarm: int | None = None,
    comparison: cloudwatch.ComparisonOperator = (
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
    ),
    missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
) -> cloudwatch.Alarm:
    """An alarm named `name` that notifies `topic` when it goes off and when it recovers."""
    created = cloudwatch.Alarm(
        scope,
        id_,
        alarm_name=name,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        comparison_operator=comparison,
        treat_missing_data=missing,
    )
    action = cloudwatch_actions.SnsAction(topic)
    created.add_alarm_action(action)
    created.add_ok_action(action)
    return created


class ServiceAlarms(Construct):
    """Alarms on an ECS service: too few tasks, CPU and memory; 5xx, health and latency if public.

    Every alarm notifies `topic` (when it goes off and when it recovers) and is
    named `<alarm_name_prefix>-<what>`: the names are known before the service
    exists, so the service can name them as its deployment alarms without a
    circular reference (see `rollback_alarm_names`).

    - `running-tasks`: fewer tasks running than desired for 5 minutes
      (Container Insights' RunningTaskCount and DesiredTaskCount; a minute
      with a desired count and no running count counts as none running, a
      minute without either is not breaching: a gap in the metrics never
      rolls a deployment back).
    - `cpu`, `memory`: the service's average utilisation (AWS/ECS) above the
      threshold for 15 minutes.
    - with a target group, `5xx`: the share of requests the targets answer
      5xx above the threshold in 3 of 5 minutes; `unhealthy-hosts`: targets
      failing health checks for 5 minutes; `p99`: the 99th percentile of
      the targets' response time above the threshold for 5 minutes.

    Attributes:
        alarms: every alarm, by its short name (`running-tasks`, `cpu`, ...).
        rollback_alarm_names: the names of the alarms that should roll back a
            deployment: `running-tasks` and `5xx` (those it has).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        service: ecs.IBaseService,
        topic: sns.ITopic,
        alarm_name_prefix: str,
        cpu_percent: int = 85,
        memory_percent: int = 85,
        running_tasks: bool = True,
        target_group: elbv2.ITargetGroup | None = None,
        load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        server_errors_percent: int = 5,
        p99_seconds: float = 2.0,
        unhealthy_hosts: int = 1,
    ) -> None:
        """Create the alarms.

        Args:
            service: the ECS service watched (its cluster's and its own name
                are the metrics' dimensions).
            topic: where the alarms send their notifications.
            alarm_name_prefix: the start of every alarm's name (unique in the
                account and region, e.g. the stack's name).
            cpu_percent: the CPU utilisation threshold; default 85 percent.
            memory_percent: the memory utilisation threshold; default 85 percent.
            running_tasks: add the `running-tasks` alarm; default on (turn it
                off when the cluster has no Container Insights, whose metrics
                it reads).
            target_group: the service's target group; default none: no
                load-balancer alarms.
            load_balancer: the load balancer in front of `target_group`;
                required with it.
            server_errors_percent: the 5xx-rate threshold; default 5 percent.
            p99_seconds: the p99 response-time threshold; default 2 seconds.
            unhealthy_hosts: the unhealthy-target threshold (at least this
                many); default one.
        """
        super().__init__(scope, id_)
        if target_group is not None and load_balancer is None:
            raise ValueError(f"{self.node.path}: alarms on a target group need its load_balancer")
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self.rollback_alarm_names: list[str] = []
        service_dimensions = {
            "ClusterName": service.cluster.cluster_name,
            "ServiceName": service.service_name,
        }

        def add(short: str, rollback: bool = False, **kwargs: Any) -> None:
            name = f"{alarm_name_prefix}-{short}"
            self.alarms[short] = alarm(
                self,
                _construct_id(short),
                name=name,
                topic=topic,
                **kwargs,
            )
            if rollback:
                self.rollback_alarm_names.append(name)

        if running_tasks:
            add(
                "running-tasks",
                rollback=True,
                description="fewer tasks running than desired for 5 minutes",
                metric=cloudwatch.MathExpression(
                    # A minute where ECS reports the desired count but no running one
                    # counts as none running; a minute without either is no data.
                    expression="desired - FILL(running, 0)",
                    using_metrics={
                        "desired": _metric(
                            CONTAINER_INSIGHTS, "DesiredTaskCount", service_dimensions
                        ),
                        "running": _metric(
                            CONTAINER_INSIGHTS, "RunningTaskCount", service_dimensions
                        ),
                    },
                    label="tasks missing",
                    period=MINUTE,
                ),
                threshold=0,
                evaluation_periods=5,
                # A gap in Container Insights' metrics is not a failed deployment.
                missing=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        for short, metric_name, threshold in (
            ("cpu", "CPUUtilization", cpu_percent),
            ("memory", "MemoryUtilization", memory_percent),
        ):
            add(
                short,
                description=f"{metric_name} above {threshold} percent for 15 minutes",
                metric=_metric(
                    "AWS/ECS", metric_name, service_dimensions, period=Duration.minutes(5)
                ),
                threshold=threshold,
                evaluation_periods=3,
            )
        if target_group is None or load_balancer is None:
            return
        target_dimensions = {
            "TargetGroup": target_group_full_name(target_group),
            "LoadBalancer": load_balancer_full_name(load_balancer),
        }
        add(
            "5xx",
            rollback=True,
            description=(
                f"more than {server_errors_percent} percent of the requests answered 5xx"
                f" by the targets in 3 of 5 minutes (of at least {MIN_REQUESTS} requests)"
            ),
            metric=cloudwatch.MathExpression(
                expression=ERROR_RATE,
                using_metrics={
                    "errors": _metric(
                        "AWS/ApplicationELB",
                        "HTTPCode_Target_5XX_Count",
                        target_dimensions,
                        statistic="Sum",
                    ),
                    "requests": _metric(
                        "AWS/ApplicationELB", "RequestCount", target_dimensions, statistic="Sum"
                    ),
                },
                label="5xx percent",
                period=MINUTE,
            ),
            threshold=server_errors_percent,
            evaluation_periods=5,
            datapoints_to_alarm=3,
        )
        add(
            "unhealthy-hosts",
            description=f"at least {unhealthy_hosts} target(s) unhealthy for 5 minutes",
            metric=_metric(
                "AWS/ApplicationELB", "UnHealthyHostCount", target_dimensions, statistic="Maximum"
            ),
            threshold=unhealthy_hosts,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=5,
        )
        add(
            "p99",
            description=f"p99 response time above {p99_seconds:g} s for 5 minutes",
            metric=_metric(
                "AWS/ApplicationELB", "TargetResponseTime", target_dimensions, statistic="p99"
            ),
            threshold=p99_seconds,
            evaluation_periods=5,
        )


def load_balancer_full_name(load_balancer: elbv2.IApplicationLoadBalancer) -> str:
    """`app/<name>/<id>`, the LoadBalancer dimension of ELB's metrics."""
    if isinstance(load_balancer, elbv2.ApplicationLoadBalancer):
        return load_balancer.load_balancer_full_name
    # arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
    return Fn.select(1, Fn.split(":loadbalancer/", load_balancer.load_balancer_arn))


def target_group_full_name(target_group: elbv2.ITargetGroup) -> str:
    """`targetgroup/<name>/<id>`, the TargetGroup dimension of ELB's metrics."""
    if isinstance(target_group, elbv2.ApplicationTargetGroup):
        return target_group.target_group_full_name
    # arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>
    return Fn.select(5, Fn.split(":", target_group.target_group_arn))


def _construct_id(short: str) -> str:
    """`running-tasks` -> `RunningTasks`, `5xx` -> `Http5xx`: a construct ID from a short name."""
    words = "".join(word.capitalize() for word in short.split("-"))
    return f"Http{words}" if words[0].isdigit() else words


def _metric(
    namespace: str,
    metric_name: str,
    dimensions: dict[str, str],
    *,
    statistic: str = "Average",
    period: Duration = MINUTE,
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=metric_name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period,
    )
