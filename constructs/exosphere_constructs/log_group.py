"""The log group every construct here writes to: retained on delete, optionally KMS-encrypted."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_constructs.compliance import acknowledge_control

#: Control Tower's bar for a log group's retention (CT.CLOUDWATCH.PR.2), in days.
ONE_YEAR = 365


def retained_log_group(
    scope: Construct,
    id_: str,
    *,
    retention: logs.RetentionDays,
    encryption_key: kms.IKey | None,
) -> logs.LogGroup:
    """A log group kept when its stack is deleted (logs outlive the service that wrote them).

    Args:
        retention: how long its events are kept.
        encryption_key: its KMS key; None for CloudWatch's own encryption.
    """
    group = logs.LogGroup(
        scope,
        id_,
        retention=retention,
        encryption_key=encryption_key,
        removal_policy=RemovalPolicy.RETAIN,
    )
    cfn = group.node.default_child
    assert isinstance(cfn, logs.CfnLogGroup)
    days = cfn.retention_in_days  # None: kept forever
    if days is not None and days < ONE_YEAR:
        acknowledge_control(
            group,
            "cloudwatch_log_group_retention_period_check",
            f"kept {days} days as the app chose (its log retention setting):"
            " a year of logs is a cost the app's owner decides on, not a default",
        )
    if encryption_key is not None and Stack.of(encryption_key) is not Stack.of(group):
        acknowledge_control(
            group,
            "cloudwatch_log_group_encrypted_check",
            "encrypted with the app's KMS key, which lives in the network stack: the rule"
            " cannot follow the cross-stack reference to it",
        )
    return group
