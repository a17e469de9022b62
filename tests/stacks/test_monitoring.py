"""Monitoring in the synthesized apps: alarms per stack, deployment rollback, the dashboard,
Container Insights, the log group outputs, and the manifest keys that change them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match

from exosphere_cdk.stacks.monitoring import AlarmThresholds, deployment_alarm_names, watch_service
from tests.apps import AppFactory
from tests.synth import Synthesized, synthesize

Synth = Callable[[str], Synthesized]
SLUG = "exosphere-shop"


def _alarm_names(template: dict[str, Any]) -> set[str]:
    return {
        r["Properties"]["AlarmName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def _topic_output(template: dict[str, Any]) -> Any:
    """What every alarm of the template notifies (one topic, read from the platform stack)."""
    actions = {
        json.dumps(a, sort_keys=True)
        for alarm in _resources(template, "AWS::CloudWatch::Alarm")
        for a in alarm["AlarmActions"] + alarm["OKActions"]
    }
    assert len(actions) == 1, actions
    return json.loads(actions.pop())


def test_each_stack_holds_the_alarms_of_what_it_watches(synthesized: Synth) -> None:
    shop = synthesized("shop")
    names = {name: _alarm_names(t) for name, t in shop.templates.items()}
    public = ("running-tasks", "cpu", "memory", "5xx", "unhealthy-hosts", "p99")
    for role in ("admin", "api", "storefront"):
        assert names[f"{SLUG}-{role}"] == {f"{SLUG}-{role}-{a}" for a in public}
    for role in ("cart", "mailer", "orders", "payments", "products"):
        assert names[f"{SLUG}-{role}"] == {f"{SLUG}-{role}-{a}" for a in public[:3]}
    p = f"{SLUG}-platform"
    assert names[p] == {
        f"{p}-public-unplaced-tasks",
        f"{p}-public-status-checks",
        f"{p}-private-unplaced-tasks",
        f"{p}-private-status-checks",
        f"{p}-load-balancer-5xx",
    }
    e = f"{SLUG}-exocom"
    assert names[e] == {f"{e}-running-tasks", f"{e}-cpu", f"{e}-memory", f"{e}-host-status-checks"}
    assert names[f"{SLUG}-network"] == names[f"{SLUG}-monitoring"] == set()


def test_alarms_notify_the_platform_topic(synthesized: Synth) -> None:
    shop = synthesized("shop")
    platform = shop.templates[f"{SLUG}-platform"]
    [(topic_id, _)] = [
        (k, r) for k, r in platform["Resources"].items() if r["Type"] == "AWS::SNS::Topic"
    ]
    assert _topic_output(platform) == {"Ref": topic_id}
    for part in ("api", "cart", "exocom"):
        action = _topic_output(shop.templates[f"{SLUG}-{part}"])
        assert action["Fn::GetStackOutput"]["StackName"] == f"{SLUG}-platform"


def test_the_topic_is_encrypted_with_the_app_key_that_lets_cloudwatch_in(
    synthesized: Synth,
) -> None:
    shop = synthesized("shop")
    [topic] = _resources(shop.templates[f"{SLUG}-platform"], "AWS::SNS::Topic")
    assert topic["KmsMasterKeyId"]["Fn::GetStackOutput"]["StackName"] == f"{SLUG}-network"
    shop.template("platform").has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "CloudWatchAlarmsOfThisAccount",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                            }
                        )
                    ]
                )
            }
        },
    )
    shop.template("network").has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "CloudWatchAlarmsOfThisAccount",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            }
        },
    )


def test_a_failing_deployment_rolls_back_on_its_alarms(synthesized: Synth) -> None:
    shop = synthesized("shop")
    shop.template("api").has_resource_properties(
        "AWS::ECS::Service",
        {
            "DeploymentConfiguration": Match.object_like(
                {
                    "Alarms": {
                        "AlarmNames": [f"{SLUG}-api-running-tasks", f"{SLUG}-api-5xx"],
                        "Enable": True,
                        "Rollback": True,
                    },
                    "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
                }
            )
        },
    )
    shop.template("cart").has_resource_properties(
        "AWS::ECS::Service",
        {
            "DeploymentConfiguration": Match.object_like(
                {
                    "Alarms": {
                        "AlarmNames": [f"{SLUG}-cart-running-tasks"],
                        "Enable": True,
                        "Rollback": True,
                    }
                }
            )
        },
    )
    # ExoCom restarts with every route change (one task, min healthy 0): no rollback on alarm.
    [exocom] = _resources(shop.templates[f"{SLUG}-exocom"], "AWS::ECS::Service")
    assert "Alarms" not in exocom["DeploymentConfiguration"]


def test_container_insights_enhanced_on_every_cluster(synthesized: Synth) -> None:
    shop = synthesized("shop")
    clusters = [
        c
        for part in ("platform", "exocom")
        for c in _resources(shop.templates[f"{SLUG}-{part}"], "AWS::ECS::Cluster")
    ]
    assert len(clusters) == 3
    for cluster in clusters:
        assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enhanced"}]


def test_log_group_names_are_outputs(synthesized: Synth) -> None:
    shop = synthesized("shop")
    for part in ("api", "cart", "exocom"):
        template = shop.templates[f"{SLUG}-{part}"]
        [(group_id, _)] = [
            (k, r) for k, r in template["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"
        ]
        assert template["Outputs"]["LogGroupName"]["Value"] == {"Ref": group_id}


def _dashboard_text(template: dict[str, Any]) -> str:
    [dashboard] = _resources(template, "AWS::CloudWatch::Dashboard")
    parts = dashboard["DashboardBody"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)


def test_the_dashboard_has_a_row_per_service_and_the_shared_rows(synthesized: Synth) -> None:
    shop = synthesized("shop")
    text = _dashboard_text(shop.templates[f"{SLUG}-monitoring"])
    for svc in shop.app.services:
        assert f'"title":"{svc.role}: tasks"' in text
        assert f'"StackName": "{SLUG}-{svc.role}"' in text  # its service name, by reference
    for role in ("admin", "api", "storefront"):
        for widget in ("requests", "5xx", "response time (s)"):
            assert f'"title":"{role}: {widget}"' in text
    assert '"title":"cart: requests"' not in text
    for title in (
        "public cluster: capacity provider reservation %",
        "private cluster: failed status checks",
        "ExoCom's host: instances",
        "exocom: tasks",
        "load balancer: 5xx",
    ):
        assert f'"title":"{title}"' in text
    for metric in (
        '"ECS/ContainerInsights","RunningTaskCount"',
        '"AWS/ECS","CPUUtilization"',
        '"AWS/ECS","MemoryUtilization"',
        '"AWS/ApplicationELB","HTTPCode_Target_5XX_Count"',
        '"AWS/ApplicationELB","HTTPCode_ELB_5XX_Count"',
        '"AWS/ECS/ManagedScaling","CapacityProviderReservation"',
    ):
        assert metric in text
    assert shop.templates[f"{SLUG}-monitoring"]["Outputs"]["DashboardUrl"]


def _synth(make_app: AppFactory, tmp_path: Path, changes: dict[str, Any]) -> Synthesized:
    return synthesize(make_app(changes), tmp_path / "cdk.out")


def test_thresholds_from_production_aws_alarms(make_app: AppFactory, tmp_path: Path) -> None:
    alarms = {"cpu-percent": 60, "5xx-percent": 2, "p99-ms": 750, "unhealthy-hosts": 3}
    synth = _synth(
        make_app, tmp_path, {"web/service.yml": {"production": {"aws": {"alarms": alarms}}}}
    )
    web = synth.templates["demo-web"]
    by_name = {a["AlarmName"]: a for a in _resources(web, "AWS::CloudWatch::Alarm")}
    assert by_name["demo-web-cpu"]["Threshold"] == 60
    assert by_name["demo-web-memory"]["Threshold"] == 85  # the default
    assert by_name["demo-web-5xx"]["Threshold"] == 2
    assert by_name["demo-web-p99"]["Threshold"] == 0.75
    assert by_name["demo-web-unhealthy-hosts"]["Threshold"] == 3


def test_alarms_false_turns_every_alarm_off(make_app: AppFactory, tmp_path: Path) -> None:
    aws = {"alarms": False, "container-insights": "disabled"}
    synth = _synth(
        make_app,
        tmp_path,
        {"application.yml": {"environments": {"production": {"providers": {"aws": aws}}}}},
    )
    for name, template in synth.templates.items():
        assert _alarm_names(template) == set(), name
        for service in _resources(template, "AWS::ECS::Service"):
            # removeDefaultDeploymentAlarm: no empty alarm configuration either
            assert "Alarms" not in service["DeploymentConfiguration"], name
        for cluster in _resources(template, "AWS::ECS::Cluster"):
            assert cluster["ClusterSettings"] == [
                {"Name": "containerInsights", "Value": "disabled"}
            ]
    assert _resources(synth.templates["demo-monitoring"], "AWS::CloudWatch::Dashboard")


def test_without_container_insights_no_running_tasks_alarm(
    make_app: AppFactory, tmp_path: Path
) -> None:
    aws = {"container-insights": "disabled"}
    synth = _synth(
        make_app,
        tmp_path,
        {"application.yml": {"environments": {"production": {"providers": {"aws": aws}}}}},
    )
    assert _alarm_names(synth.templates["demo-users"]) == {"demo-users-cpu", "demo-users-memory"}
    [users] = _resources(synth.templates["demo-users"], "AWS::ECS::Service")
    assert "Alarms" not in users["DeploymentConfiguration"]
    [web] = _resources(synth.templates["demo-web"], "AWS::ECS::Service")
    assert web["DeploymentConfiguration"]["Alarms"]["AlarmNames"] == ["demo-web-5xx"]


def test_a_deployment_alarm_that_watch_service_does_not_add_is_refused(
    cdk_context: dict[str, Any],
) -> None:
    stack = cdk.Stack(cdk.App(context=cdk_context), "app-worker")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    cluster = ecs.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name="c", vpc=vpc)
    task = ecs.Ec2TaskDefinition(stack, "Task")
    task.add_container("w", image=ecs.ContainerImage.from_registry("w"), memory_limit_mib=64)
    service = ecs.Ec2Service(stack, "Service", cluster=cluster, task_definition=task)
    thresholds = AlarmThresholds(
        cpu_percent=85, memory_percent=85, server_errors_percent=5, p99_seconds=2, unhealthy_hosts=1
    )
    # A private service has no 5xx alarm: naming it as a deployment alarm would never roll back.
    names = deployment_alarm_names("app-worker", container_insights=True, routed=True)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "deployment alarms ['app-worker-5xx'] are not among the rollback alarms"
            " ['app-worker-running-tasks']"
        ),
    ):
        watch_service(
            stack,
            service,
            topic=sns.Topic(stack, "Topic"),
            thresholds=thresholds,
            container_insights=True,
            deployment_alarm_names=names,
        )


def test_only_the_monitoring_stack_is_written_without_indentation(synthesized: Synth) -> None:
    # It grows with every service; CloudFormation's 1 MB limit counts indentation too.
    shop = synthesized("shop")
    texts = {p.name: p.read_text() for p in shop.outdir.glob("*.template.json")}

    compact = sorted(name for name, text in texts.items() if "\n" not in text.strip())

    assert compact == [f"{SLUG}-monitoring.template.json"]
    text = texts[f"{SLUG}-monitoring.template.json"]
    assert text == json.dumps(json.loads(text), separators=(",", ":"))
