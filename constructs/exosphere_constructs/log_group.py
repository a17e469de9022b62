"""The log group every construct here writes to: retained on delete, optionally KMS-encrypted."""

from __future__ import annotations

from aws_cdk import Acknowledgment, RemovalPolicy
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
    acknowledge: bool = True,
) -> logs.LogGroup:
    """A log group kept when its stack is deleted (logs outlive the service that wrote them).

    Args:
        retention: how long its events are kept.
        encryption_key: its KMS key; None for CloudWatch's own encryption.
        acknowledge: acknowledge its findings that do not apply
            (`log_group_acknowledgments`) on it; default on. Off: the caller
            acknowledges them, with its own, on a construct that holds it.
    """
    group = logs.LogGroup(
        scope,
        id_,
        retention=retention,
        encryption_key=encryption_key,
        removal_policy=RemovalPolicy.RETAIN,
    )
    place(group, scope)
    if acknowledge:
        acknowledge_all(group, log_group_acknowledgments(group, retention, encryption_key))
    return group


def log_group_acknowledgments(
    group: logs.ILogGroup, retention: logs.RetentionDays, encryption_key: kms.IKey | None
) -> list[Acknowledgment]:
    """The Control Tower findings on a retained log group that do not apply, with why."""
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
    return acknowledgments
