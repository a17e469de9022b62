"""The CloudWatch alarms of one ECS service, and of its target group when it has one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from attrs import frozen
from aws_cdk import Fn
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from exosphere_constructs.known import read_once, recall
from exosphere_constructs.logical_id import top_level

#: Container Insights' namespace (task counts of a service, by ClusterName and ServiceName).
CONTAINER_INSIGHTS = "ECS/ContainerInsights"
#: One minute, the period of most metrics here, in seconds.
MINUTE = 60
#: A 5xx rate counts only in minutes with at least this many requests: at low traffic a
#: single error would otherwise be 100 % (and roll a deployment back).
MIN_REQUESTS = 10
#: The share of `requests` answered with `errors`, in percent, 0 in quiet minutes.
ERROR_RATE = f"IF(requests >= {MIN_REQUESTS}, 100 * errors / requests, 0)"
#: CloudWatch's comparison operators and missing-data treatments, as the template writes them.
GREATER_THAN = "GreaterThanThreshold"
AT_LEAST = "GreaterThanOrEqualToThreshold"
NOT_BREACHING = "notBreaching"
#: The statistics CloudWatch names `Statistic`; any other (`p99`) is an `ExtendedStatistic`.
STATISTICS = frozenset({"Average", "Maximum", "Minimum", "SampleCount", "Sum"})


@frozen(kw_only=True)
class Metric:
    """One CloudWatch metric and how it is aggregated, as data (no jsii object is made for it).

    Attributes:
        namespace: `AWS/ECS`, `AWS/ApplicationELB`, ...
        metric_name: `CPUUtilization`, ...
        dimensions: the metric's dimensions by name (written sorted by name).
        statistic: `Average`, `Sum`, `Maximum`, `Minimum`, or a percentile (`p99`).
        period: seconds; default one minute.
    """

    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str = "Average"
    period: int = MINUTE

    def dimension_list(self) -> list[cloudwatch.CfnAlarm.DimensionProperty]:
        return [
            cloudwatch.CfnAlarm.DimensionProperty(name=name, value=value)
            for name, value in sorted(self.dimensions.items())
        ]


@frozen(kw_only=True)
class Expression:
    """A metric math expression over named metrics (`desired - FILL(running, 0)`), as data."""

    expression: str
    metrics: Mapping[str, Metric]
    label: str


def alarm(
    scope: IConstruct,
    path: Sequence[str],
    *,
    name: str,
    description: str,
    metric: Metric | Expression,
    threshold: float,
    evaluation_periods: int,
    topic: sns.ITopic,
    datapoints_to_alarm: int | None = None,
    comparison: str = GREATER_THAN,
    missing: str = NOT_BREACHING,
) -> cloudwatch.CfnAlarm:
    """An alarm named `name` that notifies `topic` when it goes off and when it recovers.

    Made as CloudFormation's resource from Python data, in one jsii request
    instead of one for every metric, action and duration: at the top of
    `scope`'s stack, under the logical ID that `cloudwatch.Alarm` would have at
    `path` below `scope` (its `Resource`: `logical_id.top_level`), with the
    properties it would write.
    """
    stack, construct_id = top_level(scope, *path, "Resource")
    topic_arn = read_once(topic, "topic_arn")
    single = metric if isinstance(metric, Metric) else None
    return cloudwatch.CfnAlarm(
        stack,
        construct_id,
        alarm_name=name,
        alarm_description=description,
        threshold=threshold,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        comparison_operator=comparison,
        treat_missing_data=missing,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        namespace=single.namespace if single else None,
        metric_name=single.metric_name if single else None,
        dimensions=single.dimension_list() if single else None,
        period=single.period if single else None,
        statistic=single.statistic if single and single.statistic in STATISTICS else None,
        extended_statistic=(
            single.statistic if single and single.statistic not in STATISTICS else None
        ),
        metrics=None if isinstance(metric, Metric) else _queries(metric),
    )


def _queries(expression: Expression) -> list[cloudwatch.CfnAlarm.MetricDataQueryProperty]:
    """The expression first (`expr_1`, the alarm's value), then its metrics by their names."""
    return [
        cloudwatch.CfnAlarm.MetricDataQueryProperty(
            id="expr_1", expression=expression.expression, label=expression.label, return_data=True
        ),
        *(
            cloudwatch.CfnAlarm.MetricDataQueryProperty(
                id=name,
                metric_stat=cloudwatch.CfnAlarm.MetricStatProperty(
                    metric=cloudwatch.CfnAlarm.MetricProperty(
                        dimensions=metric.dimension_list(),
                        metric_name=metric.metric_name,
                        namespace=metric.namespace,
                    ),
                    period=metric.period,
                    stat=metric.statistic,
                ),
                return_data=False,
            )
            for name, metric in expression.metrics.items()
        ),
    ]


class ServiceAlarms:
    """Alarms on an ECS service: too few tasks, CPU and memory; 5xx, health and latency if public.

    Every alarm notifies `topic` (when it goes off and when it recovers) and is
    named `<alarm_name_prefix>-<what>`: the names are known before the service
    exists, so the service can name them as its deployment alarms without a
    circular reference (see `rollback_alarm_names`).

    Not a construct of its own: the alarms are made at the top of `scope`'s
    stack under the logical IDs they would have in a construct `id_` of
    `scope` (`<id_>/<What>/Resource`, see `alarm`), one jsii request each.

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
        if target_group is not None and load_balancer is None:
            raise ValueError(f"{id_}: alarms on a target group need its load_balancer")
        self.alarms: dict[str, cloudwatch.CfnAlarm] = {}
        self.rollback_alarm_names = rollback_alarm_names(
            alarm_name_prefix, running_tasks=running_tasks, target_group=target_group is not None
        )
        service_dimensions = service_dimensions_of(service)

        def add(short: str, **kwargs: Any) -> None:
            self.alarms[short] = alarm(
                scope,
                (id_, _construct_id(short)),
                name=f"{alarm_name_prefix}-{short}",
                topic=topic,
                **kwargs,
            )

        if running_tasks:
            add(
                "running-tasks",
                description="fewer tasks running than desired for 5 minutes",
                metric=Expression(
                    # A minute where ECS reports the desired count but no running one
                    # counts as none running; a minute without either is no data.
                    expression="desired - FILL(running, 0)",
                    metrics={
                        "desired": Metric(
                            namespace=CONTAINER_INSIGHTS,
                            metric_name="DesiredTaskCount",
                            dimensions=service_dimensions,
                        ),
                        "running": Metric(
                            namespace=CONTAINER_INSIGHTS,
                            metric_name="RunningTaskCount",
                            dimensions=service_dimensions,
                        ),
                    },
                    label="tasks missing",
                ),
                threshold=0,
                evaluation_periods=5,
                # A gap in Container Insights' metrics is not a failed deployment.
                missing=NOT_BREACHING,
            )
        for short, metric_name, threshold in (
            ("cpu", "CPUUtilization", cpu_percent),
            ("memory", "MemoryUtilization", memory_percent),
        ):
            add(
                short,
                description=f"{metric_name} above {threshold} percent for 15 minutes",
                metric=Metric(
                    namespace="AWS/ECS",
                    metric_name=metric_name,
                    dimensions=service_dimensions,
                    period=5 * MINUTE,
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

        def elb(metric_name: str, statistic: str) -> Metric:
            return Metric(
                namespace="AWS/ApplicationELB",
                metric_name=metric_name,
                dimensions=target_dimensions,
                statistic=statistic,
            )

        add(
            "5xx",
            description=(
                f"more than {server_errors_percent} percent of the requests answered 5xx"
                f" by the targets in 3 of 5 minutes (of at least {MIN_REQUESTS} requests)"
            ),
            metric=Expression(
                expression=ERROR_RATE,
                metrics={
                    "errors": elb("HTTPCode_Target_5XX_Count", "Sum"),
                    "requests": elb("RequestCount", "Sum"),
                },
                label="5xx percent",
            ),
            threshold=server_errors_percent,
            evaluation_periods=5,
            datapoints_to_alarm=3,
        )
        add(
            "unhealthy-hosts",
            description=f"at least {unhealthy_hosts} target(s) unhealthy for 5 minutes",
            metric=elb("UnHealthyHostCount", "Maximum"),
            threshold=unhealthy_hosts,
            comparison=AT_LEAST,
            evaluation_periods=5,
        )
        add(
            "p99",
            description=f"p99 response time above {p99_seconds:g} s for 5 minutes",
            metric=elb("TargetResponseTime", "p99"),
            threshold=p99_seconds,
            evaluation_periods=5,
        )


def rollback_alarm_names(
    alarm_name_prefix: str, *, running_tasks: bool = True, target_group: bool = False
) -> list[str]:
    """The names of the alarms of `ServiceAlarms` that should roll back a deployment.

    `running-tasks` (when it has one) and, with a target group, `5xx`: known
    before the service exists, so that it can be made with them as its ECS
    deployment alarms (`ExoService`'s `deployment_alarm_names`).
    """
    shorts = [*(["running-tasks"] if running_tasks else []), *(["5xx"] if target_group else [])]
    return [f"{alarm_name_prefix}-{short}" for short in shorts]


def service_dimensions_of(service: ecs.IBaseService) -> dict[str, str]:
    """`ClusterName` and `ServiceName`, the dimensions of a service's metrics (each read once)."""
    cluster = cast(ecs.ICluster, recall(service, "cluster"))
    return {
        "ClusterName": read_once(cluster, "cluster_name"),
        "ServiceName": read_once(service, "service_name"),
    }


def load_balancer_full_name(load_balancer: elbv2.IApplicationLoadBalancer) -> str:
    """`app/<name>/<id>`, the LoadBalancer dimension of ELB's metrics (read once)."""
    if isinstance(load_balancer, elbv2.ApplicationLoadBalancer):
        return read_once(load_balancer, "load_balancer_full_name")
    # arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
    return Fn.select(1, Fn.split(":loadbalancer/", load_balancer.load_balancer_arn))


def target_group_full_name(target_group: elbv2.ITargetGroup) -> str:
    """`targetgroup/<name>/<id>`, the TargetGroup dimension of ELB's metrics (read once)."""
    if isinstance(target_group, elbv2.ApplicationTargetGroup):
        return read_once(target_group, "target_group_full_name")
    # arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>
    return Fn.select(5, Fn.split(":", target_group.target_group_arn))


def _construct_id(short: str) -> str:
    """`running-tasks` -> `RunningTasks`, `5xx` -> `Http5xx`: a construct ID from a short name."""
    words = "".join(word.capitalize() for word in short.split("-"))
    return f"Http{words}" if words[0].isdigit() else words
