"""Restarts an app's services whenever ExoCom's task starts, so that every role registers again."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from aws_cdk import ArnFormat, Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_constructs.compliance import Findings
from exosphere_constructs.known import place, read_once, recall, stack_of
from exosphere_constructs.log_group import retained_log_group

#: The function's code (inlined in the template: no asset to build or upload).
HANDLER = resources.files("exosphere_constructs").joinpath("exocom_reconnector_handler.py")


class ExoComReconnector(Construct):
    """When ExoCom's task starts, force a new deployment of every service of `clusters`.

    For ExoCom releases whose clients never connect again after ExoCom restarts
    (a route change, a crash, a replaced instance): an EventBridge rule on
    ECS's "Task State Change" of ExoCom's service (a task RUNNING) invokes a
    function that restarts each service of the clusters whose current
    deployment began before that task started (one it began later connects to
    the new ExoCom already, so a repeated event restarts nothing twice), and
    whose task's `ROLE` is one of `roles`: a service removed from the routes
    but still deployed is left alone (ExoCom exits when a role it does not
    route connects, and would restart again, and again).

    Attributes:
        rule: the EventBridge rule.
        function: the Lambda function.
        log_group: the function's log group (which services it restarted, when).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        exocom_service: ecs.IBaseService,
        clusters: Sequence[ecs.ICluster],
        roles: Sequence[str],
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
    ) -> None:
        """Create the rule and the function.

        Args:
            exocom_service: ExoCom's ECS service: its tasks starting trigger the restarts.
            clusters: the clusters whose services are restarted.
            roles: the roles of ExoCom's routes: only services whose task's
                `ROLE` variable is one of them are restarted.
            log_retention: how long the function's logs are kept; default one month.
            log_encryption_key: the KMS key of its log group; default CloudWatch's
                own encryption.
        """
        super().__init__(scope, id_)
        place(self, scope)
        stack = stack_of(self)
        self.log_group = retained_log_group(
            self, "Logs", retention=log_retention, encryption_key=log_encryption_key
        )
        cluster_arns = [read_once(cluster, "cluster_arn") for cluster in clusters]
        log_group_arn = read_once(self.log_group, "log_group_arn")
        in_clusters = {"ArnEquals": {"ecs:cluster": cluster_arns}}
        services = stack.format_arn(
            service="ecs",
            resource="service",
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        # The policy is the role's own (created with it): the function's GetAtt of the
        # role's ARN then orders everything, and no DependsOn is needed.
        policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    actions=["ecs:ListServices"],
                    # ListServices takes no resource; the condition names the clusters.
                    resources=["*"],
                    conditions=in_clusters,
                ),
                iam.PolicyStatement(
                    actions=["ecs:DescribeServices", "ecs:UpdateService"],
                    resources=[services],
                    conditions=in_clusters,
                ),
                iam.PolicyStatement(
                    # Which role a service runs (its task's ROLE); it takes no resource.
                    actions=["ecs:DescribeTaskDefinition"],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{log_group_arn}:*"],
                ),
            ]
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Restarts the app's services after ExoCom starts",
            inline_policies={"RestartServices": policy},
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="Restarts the app's services after ExoCom starts, so they register again",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER.read_text()),
            role=role,
            # A task definition read per service: minutes for hundreds of services.
            timeout=Duration.minutes(5),
            memory_size=128,
            environment={"CLUSTERS": ",".join(cluster_arns), "ROLES": ",".join(roles)},
            log_group=self.log_group,
        )
        function_resource = self.function.node.default_child
        assert isinstance(function_resource, lambda_.CfnFunction)
        # CDK adds DependsOn the role, which the GetAtt of its ARN already enforces (W3005).
        function_resource.add_deletion_override("DependsOn")
        self.rule = events.Rule(
            self,
            "ExoComStarted",
            description="ExoCom's task is running: its clients must connect again",
            event_pattern=events.EventPattern(
                source=["aws.ecs"],
                detail_type=["ECS Task State Change"],
                detail={
                    "clusterArn": [read_once(recall(exocom_service, "cluster"), "cluster_arn")],
                    "group": [f"service:{read_once(exocom_service, 'service_name')}"],
                    "lastStatus": ["RUNNING"],
                    "desiredStatus": ["RUNNING"],
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.function, retry_attempts=2, max_event_age=Duration.hours(1)
                )
            ],
        )
        self._acknowledge(role, function_resource, services, log_group_arn)

    def _acknowledge(
        self, role: iam.Role, function: lambda_.CfnFunction, services: str, log_group_arn: str
    ) -> None:
        """The packs' findings that do not apply to this function, with why."""
        findings = Findings()
        outside = (
            "the function calls only the ECS API: it needs nothing inside the VPC, and outside"
            " it needs no NAT route or network interface"
        )
        findings.nag(self.function, "NIST.800.53.R5-LambdaInsideVPC", outside)
        findings.control(self.function, "lambda_inside_vpc_check", outside)
        findings.skip(function, "CKV_AWS_117", outside)
        once = (
            "it runs once per start of ExoCom's task: a reserved concurrency would only take"
            " from the account's pool (new accounts may have none to spare)"
        )
        findings.nag(self.function, "NIST.800.53.R5-LambdaConcurrency", once)
        findings.skip(function, "CKV_AWS_115", once)
        retried = (
            "EventBridge retries a failed run twice; a run that still fails is in the function's"
            " log, and the next start of ExoCom runs it again"
        )
        findings.nag(self.function, "NIST.800.53.R5-LambdaDLQ", retried)
        findings.skip(function, "CKV_AWS_116", retried)
        findings.skip(
            function,
            "CKV_AWS_173",
            "its variables list the app's cluster ARNs and roles: configuration, not secrets",
        )
        findings.nag(
            role,
            "NIST.800.53.R5-IAMNoInlinePolicy",
            "the function's role holds a policy of its own, scoped to the app's clusters and"
            " its log group: a managed policy would be attachable to other principals",
        )
        findings.nag(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "ecs:ListServices and ecs:DescribeTaskDefinition take no resource; the first's"
            " condition limits it to the app's clusters, the second only reads",
        )
        findings.wildcards(
            role,
            [services, f"{log_group_arn}:*"],
            "services in the app's clusters only (the statement's ecs:cluster condition), and"
            " the streams of the function's own log group",
        )
        findings.done()
