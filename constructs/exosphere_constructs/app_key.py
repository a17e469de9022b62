"""The app's KMS key: encrypts its CloudWatch log groups and its notifications topic."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from exosphere_constructs.compliance import checkov_skip
from exosphere_constructs.known import place, read_once, service_principal, stack_of


class AppKey(Construct):
    """A customer-managed KMS key (yearly rotation) that CloudWatch Logs of this account may use.

    CloudWatch alarms of this account and region may use it too, to publish to a
    topic it encrypts (AWS's own `alias/aws/sns` key does not let them: their
    notifications would be dropped), and so may the Auto Scaling service-linked
    role of this account (`AWSServiceRoleForAutoScaling`), which publishes the
    clusters' launch and termination notifications to that topic. The key is kept
    when its stack is deleted: retained log groups stay readable.

    Attributes:
        key: the KMS key.
    """

    def __init__(self, scope: Construct, id_: str, *, alias: str) -> None:
        """Create the key.

        Args:
            alias: the key's alias, without the `alias/` prefix.
        """
        super().__init__(scope, id_)
        place(self, scope)
        stack = stack_of(self)
        region, account, partition = (
            read_once(stack, name) for name in ("region", "account", "partition")
        )
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{alias}",
            description=f"encrypts the logs of {alias}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )
        place(self.key, self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{partition}:logs:{region}:{account}:*"
                        )
                    }
                },
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="GrantsForAwsServicesOnly",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={
                    "BoolIfExists": {
                        "kms:GrantIsForAWSResource": "false",
                        "aws:PrincipalIsAWSService": "false",
                    }
                },
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisAccount",
                principals=[service_principal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {
                        "aws:SourceArn": (f"arn:{partition}:cloudwatch:{region}:{account}:alarm:*")
                    },
                },
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AutoScalingNotificationsOfThisAccount",
                # The role is named by a condition, not as the principal: a key policy naming a
                # role that does not exist yet is refused, and Auto Scaling creates its
                # service-linked role with the account's first group (after this key).
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={
                    "ArnEquals": {"aws:PrincipalArn": autoscaling_role_arn(partition, account)}
                },
            )
        )
        checkov_skip(
            self.key,
            "CKV_AWS_33",
            "the one wildcard principal is bound by aws:PrincipalArn to this account's Auto"
            " Scaling service-linked role, which may not exist when the key is created",
        )


def autoscaling_role_arn(partition: str, account: str) -> str:
    """The ARN of the Auto Scaling service-linked role of `account`."""
    return (
        f"arn:{partition}:iam::{account}:role/aws-service-role/"
        "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    )
