"""The log group every construct here writes to: retained on delete, optionally KMS-encrypted."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_constructs.compliance import acknowledge_all, control
from exosphere_constructs.known import place, stack_of

#: Control Tower's bar for a log group's retention (CT.CLOUDWATCH.PR.2), in days.
ONE_YEAR = 365
#: The days each retention period keeps, as CloudFormation's `RetentionInDays` writes
#: them (None: kept forever); tests/constructs/test_log_group.py checks it against CDK.
RETENTION_DAYS: dict[logs.RetentionDays, int | None] = {
    logs.RetentionDays.ONE_DAY: 1,
    logs.RetentionDays.THREE_DAYS: 3,
    logs.RetentionDays.FIVE_DAYS: 5,
    logs.RetentionDays.ONE_WEEK: 7,
    logs.RetentionDays.TWO_WEEKS: 14,
    logs.RetentionDays.ONE_MONTH: 30,
    logs.RetentionDays.TWO_MONTHS: 60,
    logs.RetentionDays.THREE_MONTHS: 90,
    logs.RetentionDays.FOUR_MONTHS: 120,
    logs.RetentionDays.FIVE_MONTHS: 150,
    logs.RetentionDays.SIX_MONTHS: 180,
    logs.RetentionDays.ONE_YEAR: 365,
    logs.RetentionDays.THIRTEEN_MONTHS: 400,
    logs.RetentionDays.EIGHTEEN_MONTHS: 545,
    logs.RetentionDays.TWO_YEARS: 731,
    logs.RetentionDays.THREE_YEARS: 1096,
    logs.RetentionDays.FIVE_YEARS: 1827,
    logs.RetentionDays.SIX_YEARS: 2192,
    logs.RetentionDays.SEVEN_YEARS: 2557,
    logs.RetentionDays.EIGHT_YEARS: 2922,
    logs.RetentionDays.NINE_YEARS: 3288,
    logs.RetentionDays.TEN_YEARS: 3653,
    logs.RetentionDays.INFINITE: None,
}


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
    place(group, scope)
    days = RETENTION_DAYS[retention]
    acknowledgments = []
    if days is not None and days < ONE_YEAR:
        acknowledgments.append(
            control(
                "cloudwatch_log_group_retention_period_check",
                f"kept {days} days as the app chose (its log retention setting):"
                " a year of logs is a cost the app's owner decides on, not a default",
            )
        )
    if encryption_key is not None and stack_of(encryption_key) is not stack_of(group):
        acknowledgments.append(
            control(
                "cloudwatch_log_group_encrypted_check",
                "encrypted with the app's KMS key, which lives in the network stack: the rule"
                " cannot follow the cross-stack reference to it",
            )
        )
    acknowledge_all(group, acknowledgments)
    return group
