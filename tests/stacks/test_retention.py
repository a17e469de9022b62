"""log-retention-days: every value the manifest accepts becomes that many days in CloudWatch."""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from exosphere_cdk.manifest.model.constraints import LOG_RETENTION_DAYS
from exosphere_cdk.stacks.convert import RETENTION_DAYS


def test_each_retention_of_the_manifest_synthesizes_as_that_many_days() -> None:
    # GIVEN a log group per value of the manifest's table, with the period the stacks pick
    stack = Stack(App(), "Retention")
    for days in LOG_RETENTION_DAYS:
        logs.LogGroup(stack, f"Days{days}", retention=RETENTION_DAYS[days])
    # THEN CloudFormation gets exactly those days
    groups = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup")
    assert [g["Properties"]["RetentionInDays"] for g in groups.values()] == list(LOG_RETENTION_DAYS)
