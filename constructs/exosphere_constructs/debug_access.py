"""Debug access, each opt-in: ECS Exec into containers, Session Manager on instances.

Both go through AWS Systems Manager's message channels (`ssmmessages`), which
support no resource-level permissions: the statements below name "*" and the
checkers' findings are acknowledged here, with the reason, on the policy that
holds them.
"""

from __future__ import annotations

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_constructs.compliance import acknowledge, checkov_skip

#: What the SSM agent needs to open a session's channels (AWS's own
#: AWSCloud9SSMInstanceProfile policy: Session Manager and nothing else). Unlike
#: AmazonSSMManagedInstanceCore, no Run Command (`ec2messages:*`), inventory,
#: associations, documents or parameters.
SESSION_MANAGER_ACTIONS = [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]

#: The log stream calls the SSM agent in a container makes to record an ECS Exec
#: session in the container's own log group (exec logging `DEFAULT`).
EXEC_LOG_ACTIONS = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]

_CHANNELS = (
    "the Systems Manager message channels (ssmmessages:*Channel) and"
    " ssm:UpdateInstanceInformation support no resource-level permissions"
)


def allow_session_manager(scope: Construct, role: iam.IRole) -> iam.Policy:
    """Let the SSM agent of the instances of `role` accept Session Manager sessions.

    The policy `SessionManagerPolicy` is added under `scope`. An inline policy
    rather than AmazonSSMManagedInstanceCore: the managed policy also allows Run
    Command, inventory and parameter reads, and cdk-nag (IAM4) refuses AWS
    managed policies.
    """
    policy = iam.Policy(
        scope,
        "SessionManagerPolicy",
        roles=[role],
        statements=[iam.PolicyStatement(actions=SESSION_MANAGER_ACTIONS, resources=["*"])],
    )
    reason = f"Session Manager (providers.aws `ssm: true`): {_CHANNELS}"
    acknowledge(policy, "AwsSolutions-IAM5[Resource::*]", reason)
    checkov_skip(policy, "CKV_AWS_111", reason)
    return policy


def allow_exec_logging(task_definition: ecs.TaskDefinition, log_group: logs.ILogGroup) -> None:
    """Complete ECS Exec for a service created with `enable_execute_command=True`.

    CDK gives the task role the message channels (`ssmmessages:*Channel` on
    "*"); exec logging `DEFAULT` records each session in the container's awslogs
    group, written with the task role: it may write to `log_group` only, and
    read the log groups' settings (`logs:DescribeLogGroups` has no resource-level
    permissions).
    """
    task_definition.add_to_task_role_policy(
        iam.PolicyStatement(actions=EXEC_LOG_ACTIONS, resources=[log_group.log_group_arn])
    )
    task_definition.add_to_task_role_policy(
        iam.PolicyStatement(actions=["logs:DescribeLogGroups"], resources=["*"])
    )
    reason = (
        "ECS Exec (providers.aws `ecs-exec: true`): the Systems Manager message channels"
        " (ssmmessages:*Channel) and logs:DescribeLogGroups support no resource-level"
        " permissions; the session log goes to the container's own log group only"
    )
    role = task_definition.task_role
    acknowledge(role, "AwsSolutions-IAM5[Resource::*]", reason)
    policy = role.node.try_find_child("DefaultPolicy")
    if policy is None:  # pragma: no cover - add_to_task_role_policy creates it
        raise TypeError(f"{role.node.path} has no DefaultPolicy")
    checkov_skip(policy, "CKV_AWS_111", reason)
