"""The log group every construct here writes to: retained on delete, optionally KMS-encrypted."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct


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
    return logs.LogGroup(
        scope,
        id_,
        retention=retention,
        encryption_key=encryption_key,
        removal_policy=RemovalPolicy.RETAIN,
    )
