"""ServiceAlarms, ClusterAlarms, LoadBalancerAlarms: each alarm's metric, threshold, action."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from exosphere_constructs import Ec2Cluster
from exosphere_constructs.cluster_alarms import ClusterAlarms, LoadBalancerAlarms
from exosphere_constructs.service_alarms import ServiceAlarms, rollback_alarm_names


@pytest.fixture
def parts(stack: cdk.Stack, vpc: ec2.Vpc) -> dict[str, Any]:
    cluster = Ec2Cluster(
        stack,
        "Cluster",
        vpc=vpc,
        instance_type=ec2.InstanceType("t3.small"),
        log_group_name_prefix="test-",
    )
    task = ecs.Ec2TaskDefinition(stack, "Task", network_mode=ecs.NetworkMode.BRIDGE)
    task.add_container(
        "web",
        image=ecs.ContainerImage.from_registry("example/web"),
        memory_limit_mib=256,
        port_mappings=[ecs.PortMapping(container_port=80, host_port=0)],
    )
    service = ecs.Ec2Service(stack, "Service", cluster=cluster.cluster, task_definition=task)
    alb = elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=vpc, internet_facing=True)
    group = elbv2.ApplicationTargetGroup(
        stack, "Group", vpc=vpc, port=80, protocol=elbv2.ApplicationProtocol.HTTP
    )
    alb.add_listener("Http", port=80, default_target_groups=[group])
    return {
        "cluster": cluster,
        "service": service,
        "alb": alb,
        "group": group,
        "topic": sns.Topic(stack, "Topic"),
    }


def _alarm(template: Template, name: str) -> dict[str, Any]:
    alarms = template.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": name}})
    assert len(alarms) == 1, sorted(alarms)
    properties: dict[str, Any] = next(iter(alarms.values()))["Properties"]
    return properties


def _metric_of(properties: dict[str, Any], metric_id: str | None = None) -> dict[str, Any]:
    """The metric of a plain alarm, or the MetricStat of `metric_id` in a math alarm."""
    if metric_id is None:
        return properties
    [query] = [m for m in properties["Metrics"] if m["Id"] == metric_id]
    stat: dict[str, Any] = query["MetricStat"]
    return {**stat["Metric"], "Statistic": stat["Stat"], "Period": stat["Period"]}


def _dimension_names(metric: dict[str, Any]) -> list[str]:
    return sorted(d["Name"] for d in metric["Dimensions"])


@pytest.fixture
def public(stack: cdk.Stack, parts: dict[str, Any]) -> tuple[ServiceAlarms, Template]:
    alarms = ServiceAlarms(
        stack,
        "Alarms",
        service=parts["service"],
        topic=parts["topic"],
        alarm_name_prefix="app-web",
        cpu_percent=80,
        memory_percent=90,
        target_group=parts["group"],
        load_balancer=parts["alb"],
        server_errors_percent=7,
        p99_seconds=1.5,
        unhealthy_hosts=2,
    )
    return alarms, Template.from_stack(stack)


def test_running_tasks_below_desired_for_five_minutes(
    public: tuple[ServiceAlarms, Template],
) -> None:
    _, template = public
    alarm = _alarm(template, "app-web-running-tasks")
    assert [a["Ref"][:5] for a in alarm["AlarmActions"]] == ["Topic"]
    assert alarm["OKActions"] == alarm["AlarmActions"]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == 0
    assert alarm["EvaluationPeriods"] == 5
    assert alarm["TreatMissingData"] == "notBreaching"  # a gap in the metrics never rolls back
    [expression] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert (
        expression["Expression"] == "desired - FILL(running, 0)"
    )  # no running count: none running
    for metric_id, name in (("desired", "DesiredTaskCount"), ("running", "RunningTaskCount")):
        metric = _metric_of(alarm, metric_id)
        assert metric["Namespace"] == "ECS/ContainerInsights"
        assert metric["MetricName"] == name
        assert metric["Period"] == 60
        assert _dimension_names(metric) == ["ClusterName", "ServiceName"]


@pytest.mark.parametrize(
    ("short", "metric_name", "threshold"),
    [("cpu", "CPUUtilization", 80), ("memory", "MemoryUtilization", 90)],
)
def test_utilisation_high_for_fifteen_minutes(
    public: tuple[ServiceAlarms, Template], short: str, metric_name: str, threshold: int
) -> None:
    _, template = public
    alarm = _alarm(template, f"app-web-{short}")
    assert alarm["Namespace"] == "AWS/ECS"
    assert alarm["MetricName"] == metric_name
    assert alarm["Statistic"] == "Average"
    assert alarm["Period"] == 300
    assert alarm["EvaluationPeriods"] == 3
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert _dimension_names(alarm) == ["ClusterName", "ServiceName"]
    assert alarm["AlarmActions"][0]["Ref"].startswith("Topic")


def test_target_5xx_rate(public: tuple[ServiceAlarms, Template]) -> None:
    _, template = public
    alarm = _alarm(template, "app-web-5xx")
    [expression] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "IF(requests >= 10, 100 * errors / requests, 0)"
    assert alarm["Threshold"] == 7
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (5, 3)
    for metric_id, name in (("errors", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount")):
        metric = _metric_of(alarm, metric_id)
        assert (metric["Namespace"], metric["MetricName"]) == ("AWS/ApplicationELB", name)
        assert (metric["Statistic"], metric["Period"]) == ("Sum", 60)
        assert _dimension_names(metric) == ["LoadBalancer", "TargetGroup"]
    assert alarm["AlarmActions"][0]["Ref"].startswith("Topic")


def test_unhealthy_hosts_and_p99(public: tuple[ServiceAlarms, Template]) -> None:
    _, template = public
    unhealthy = _alarm(template, "app-web-unhealthy-hosts")
    assert (unhealthy["Namespace"], unhealthy["MetricName"]) == (
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
    )
    assert unhealthy["Statistic"] == "Maximum"
    assert unhealthy["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (unhealthy["Threshold"], unhealthy["Period"], unhealthy["EvaluationPeriods"]) == (
        2,
        60,
        5,
    )
    assert _dimension_names(unhealthy) == ["LoadBalancer", "TargetGroup"]
    p99 = _alarm(template, "app-web-p99")
    assert (p99["MetricName"], p99["ExtendedStatistic"]) == ("TargetResponseTime", "p99")
    assert (p99["Threshold"], p99["Period"], p99["EvaluationPeriods"]) == (1.5, 60, 5)
    assert _dimension_names(p99) == ["LoadBalancer", "TargetGroup"]


def test_rollback_alarms_are_running_tasks_and_5xx(
    public: tuple[ServiceAlarms, Template],
) -> None:
    alarms, template = public
    assert alarms.rollback_alarm_names == ["app-web-running-tasks", "app-web-5xx"]
    template.resource_count_is("AWS::CloudWatch::Alarm", 6)


@pytest.mark.parametrize(
    ("running_tasks", "target_group", "names"),
    [
        (True, True, ["app-web-running-tasks", "app-web-5xx"]),
        (True, False, ["app-web-running-tasks"]),
        (False, True, ["app-web-5xx"]),
        (False, False, []),
    ],
)
def test_the_rollback_alarm_names_are_known_before_the_alarms(
    stack: cdk.Stack,
    parts: dict[str, Any],
    running_tasks: bool,
    target_group: bool,
    names: list[str],
) -> None:
    assert (
        rollback_alarm_names("app-web", running_tasks=running_tasks, target_group=target_group)
        == names
    )
    alarms = ServiceAlarms(
        stack,
        "Alarms",
        service=parts["service"],
        topic=parts["topic"],
        alarm_name_prefix="app-web",
        running_tasks=running_tasks,
        target_group=parts["group"] if target_group else None,
        load_balancer=parts["alb"],
    )
    assert alarms.rollback_alarm_names == names


def test_private_service_without_insights(stack: cdk.Stack, parts: dict[str, Any]) -> None:
    alarms = ServiceAlarms(
        stack,
        "Alarms",
        service=parts["service"],
        topic=parts["topic"],
        alarm_name_prefix="app-worker",
        running_tasks=False,
    )
    assert sorted(alarms.alarms) == ["cpu", "memory"]
    assert alarms.rollback_alarm_names == []
    template = Template.from_stack(stack)
    _alarm(template, "app-worker-cpu")
    _alarm(template, "app-worker-memory")


def test_target_group_needs_load_balancer(stack: cdk.Stack, parts: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="alarms on a target group need its load_balancer"):
        ServiceAlarms(
            stack,
            "Alarms",
            service=parts["service"],
            topic=parts["topic"],
            alarm_name_prefix="x",
            target_group=parts["group"],
        )


def test_cluster_alarms(stack: cdk.Stack, parts: dict[str, Any]) -> None:
    cluster: Ec2Cluster = parts["cluster"]
    ClusterAlarms(
        stack,
        "ClusterAlarms",
        cluster=cluster.cluster,
        auto_scaling_group=cluster.auto_scaling_group,
        topic=parts["topic"],
        alarm_name_prefix="app-public",
        capacity_provider_name=cluster.capacity_provider.capacity_provider_name,
    )
    template = Template.from_stack(stack)
    unplaced = _alarm(template, "app-public-unplaced-tasks")
    assert (unplaced["Namespace"], unplaced["MetricName"]) == (
        "AWS/ECS/ManagedScaling",
        "CapacityProviderReservation",
    )
    assert unplaced["Statistic"] == "Minimum"
    assert (unplaced["Threshold"], unplaced["Period"], unplaced["EvaluationPeriods"]) == (
        100,
        300,
        3,
    )
    assert unplaced["ComparisonOperator"] == "GreaterThanThreshold"
    assert _dimension_names(unplaced) == ["CapacityProviderName", "ClusterName"]
    assert unplaced["AlarmActions"][0]["Ref"].startswith("Topic")
    status = _alarm(template, "app-public-status-checks")
    assert (status["Namespace"], status["MetricName"], status["Statistic"]) == (
        "AWS/EC2",
        "StatusCheckFailed",
        "Maximum",
    )
    assert _dimension_names(status) == ["AutoScalingGroupName"]
    assert (status["Threshold"], status["Period"], status["EvaluationPeriods"]) == (1, 300, 2)
    assert status["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_cluster_without_managed_scaling_has_no_unplaced_tasks_alarm(
    stack: cdk.Stack, parts: dict[str, Any]
) -> None:
    cluster: Ec2Cluster = parts["cluster"]
    alarms = ClusterAlarms(
        stack,
        "ClusterAlarms",
        cluster=cluster.cluster,
        auto_scaling_group=cluster.auto_scaling_group,
        topic=parts["topic"],
        alarm_name_prefix="app-host",
    )
    assert sorted(alarms.alarms) == ["status-checks"]


def test_load_balancer_5xx(stack: cdk.Stack, parts: dict[str, Any]) -> None:
    LoadBalancerAlarms(
        stack, "LbAlarms", load_balancer=parts["alb"], topic=parts["topic"], alarm_name_prefix="lb"
    )
    alarm = _alarm(Template.from_stack(stack), "lb-5xx")
    [expression] = [m for m in alarm["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "IF(requests >= 10, 100 * errors / requests, 0)"
    errors = _metric_of(alarm, "errors")
    assert (errors["MetricName"], errors["Statistic"]) == ("HTTPCode_ELB_5XX_Count", "Sum")
    assert _dimension_names(errors) == ["LoadBalancer"]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (5, 5, 3)
    assert alarm["AlarmActions"][0]["Ref"].startswith("Topic")
