"""The retained log group: its retention table against CDK's own reading of each period."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from exosphere_constructs.log_group import RETENTION_DAYS, retained_log_group


def test_the_retention_table_says_what_cdk_writes(stack: cdk.Stack) -> None:
    for number, retention in enumerate(logs.RetentionDays):
        group = retained_log_group(
            stack, f"Group{number}", retention=retention, encryption_key=None
        )
        cfn = group.node.default_child
        assert isinstance(cfn, logs.CfnLogGroup)
        assert RETENTION_DAYS[retention] == cfn.retention_in_days, retention

    assert set(RETENTION_DAYS) == set(logs.RetentionDays)
