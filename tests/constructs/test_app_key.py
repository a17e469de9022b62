"""AppKey: a rotating KMS key that this account's CloudWatch Logs may use, kept on delete."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from exosphere_constructs import AppKey


def test_rotating_key_kept_on_delete_usable_by_cloudwatch_logs(stack: cdk.Stack) -> None:
    AppKey(stack, "Key", alias="exosphere/shop")
    template = Template.from_stack(stack)

    template.has_resource(
        "AWS::KMS::Key",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "EnableKeyRotation": True,
                    "KeyPolicy": Match.object_like(
                        {
                            "Statement": Match.array_with(
                                [
                                    Match.object_like(
                                        {
                                            "Sid": "CloudWatchLogsOfThisAccount",
                                            "Principal": {
                                                "Service": "logs.us-east-1.amazonaws.com"
                                            },
                                            "Condition": {
                                                "ArnLike": {
                                                    "kms:EncryptionContext:aws:logs:arn": (
                                                        Match.any_value()
                                                    )
                                                }
                                            },
                                        }
                                    )
                                ]
                            )
                        }
                    ),
                }
            ),
        },
    )
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/exosphere/shop"})


def test_auto_scaling_may_publish_to_a_topic_the_key_encrypts(stack: cdk.Stack) -> None:
    # Auto Scaling publishes its notifications as its service-linked role: without this
    # statement, notifications to the topic encrypted with the app key are dropped.
    AppKey(stack, "Key", alias="exosphere/shop")
    statements = Template.from_stack(stack).find_resources("AWS::KMS::Key")
    (key,) = statements.values()
    (statement,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "AutoScalingNotificationsOfThisAccount"
    ]
    assert statement == {
        "Sid": "AutoScalingNotificationsOfThisAccount",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {
            "ArnEquals": {
                "aws:PrincipalArn": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:aws:iam::",
                            {"Ref": "AWS::AccountId"},
                            ":role/aws-service-role/autoscaling.amazonaws.com/"
                            "AWSServiceRoleForAutoScaling",
                        ],
                    ]
                }
            }
        },
    }
