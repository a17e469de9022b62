"""The platform stack: the public and private clusters and the shared load balancer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from exosphere_constructs import Ec2Cluster, PublicLoadBalancer
from exosphere_constructs.compliance import acknowledge
from exosphere_constructs.known import has_token, read_once, service_principal

if TYPE_CHECKING:
    from exosphere_constructs.web_acl import LoadBalancerWebAcl

#: The host ports ECS gives containers in bridge mode with `hostPort: 0`.
EPHEMERAL_PORTS = ec2.Port.tcp_range(32768, 65535)


class PlatformStack(Stack):
    """What every service shares: two ECS-on-EC2 clusters and one ALB.

    Public services run on the public cluster behind the load balancer, private
    services on the private cluster; both clusters' instances sit in private
    subnets, and only the load balancer faces the internet.

    Attributes:
        notifications: the SNS topic of the clusters' Auto Scaling events.
        public_cluster: the cluster of the public services.
        private_cluster: the cluster of the private services.
        load_balancer: the internet-facing ALB.
        web_acl: the AWS WAF web ACL in front of it, or None (`waf: false`).

    `certificate` is the HTTPS listener's: the dns stack's, or the ARN of an
    existing one (imported here: an app that gives one has no dns stack).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        public_instance_type: ec2.InstanceType,
        private_instance_type: ec2.InstanceType,
        public_architecture: ec2.InstanceArchitecture,
        private_architecture: ec2.InstanceArchitecture,
        public_capacity: tuple[int, int],
        private_capacity: tuple[int, int],
        certificate: acm.ICertificate | str | None,
        log_group_name_prefix: str,
        protect: bool = True,
        waf_rule_groups: Sequence[str] = (),
        root_volume_gib: int,
        machine_images: tuple[ec2.IMachineImage | None, ec2.IMachineImage | None] = (None, None),
        session_manager: bool = False,
        notifications_key: kms.IKey | None = None,
        container_insights: ecs.ContainerInsights = ecs.ContainerInsights.ENHANCED,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        if isinstance(certificate, str):  # an existing certificate: no dns stack holds it
            certificate = acm.Certificate.from_certificate_arn(self, "Certificate", certificate)
        self.notifications = self._notifications(notifications_key)

        def cluster(
            name: str,
            instance_type: ec2.InstanceType,
            architecture: ec2.InstanceArchitecture,
            capacity: tuple[int, int],
            machine_image: ec2.IMachineImage | None,
        ) -> Ec2Cluster:
            return Ec2Cluster(
                self,
                name,
                vpc=vpc,
                log_group_name_prefix=log_group_name_prefix,
                notifications_topic=self.notifications,
                instance_type=instance_type,
                architecture=architecture,
                min_capacity=capacity[0],
                max_capacity=capacity[1],
                container_insights=container_insights,
                session_manager=session_manager,
                root_volume_size_gib=root_volume_gib,
                machine_image=machine_image,
            )

        self.public_cluster = cluster(
            "PublicCluster",
            public_instance_type,
            public_architecture,
            public_capacity,
            machine_images[0],
        )
        self.private_cluster = cluster(
            "PrivateCluster",
            private_instance_type,
            private_architecture,
            private_capacity,
            machine_images[1],
        )
        self.load_balancer = PublicLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            certificate=certificate,
            deletion_protection=protect,
            # ELB's log delivery is granted per region: an env-agnostic stack has none.
            access_logs=not has_token(read_once(self, "region")),
        )
        self.web_acl = self._web_acl(waf_rule_groups)
        # aws-cdk#22764: a capacity provider adds no rule from the load balancer
        # to the dynamic host ports of bridge-mode containers.
        self.public_cluster.security_group.connections.allow_from(
            self.load_balancer.security_group,
            EPHEMERAL_PORTS,
            "load balancer to the containers' dynamic host ports",
        )
        self._outputs()

    def _notifications(self, key: kms.IKey | None) -> sns.Topic:
        """The topic of the clusters' Auto Scaling events, which alarms publish to too."""
        topic = sns.Topic(
            self,
            "Notifications",
            display_name="Auto Scaling events of the app's clusters",
            # CloudWatch alarms can publish only to a topic whose key lets them (AppKey).
            master_key=key or kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        # The topic's policy (enforce_ssl) replaces SNS's default one, which let
        # CloudWatch alarms of this account publish.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisAccount",
                principals=[service_principal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[read_once(topic, "topic_arn")],
                conditions={"StringEquals": {"aws:SourceAccount": read_once(self, "account")}},
            )
        )
        return topic

    def _web_acl(self, rule_groups: Sequence[str]) -> LoadBalancerWebAcl | None:
        """The web ACL with AWS's managed `rule_groups`; none without any (`waf: false`)."""
        if not rule_groups:
            acknowledge(
                self.load_balancer.load_balancer,
                "NIST.800.53.R5-ALBWAFEnabled",
                "AWS WAF is the app's choice (providers.aws waf: true; about $8 a month plus"
                " $0.60 per million requests): this app has it off",
            )
            return None
        # Loaded only by an app with `waf`, and AWS WAF's CDK module with it.
        from exosphere_constructs.web_acl import LoadBalancerWebAcl  # noqa: PLC0415

        return LoadBalancerWebAcl(
            self,
            "WebAcl",
            load_balancer=self.load_balancer.load_balancer,
            metric_prefix=read_once(self, "stack_name"),
            rule_groups=rule_groups,
        )

    def _outputs(self) -> None:
        CfnOutput(
            self,
            "LoadBalancerDnsName",
            value=read_once(self.load_balancer.load_balancer, "load_balancer_dns_name"),
            description="the load balancer in front of the public services",
        )
        CfnOutput(
            self,
            "NotificationsTopic",
            value=read_once(self.notifications, "topic_arn"),
            description="subscribe to hear of instance launches, terminations and failures",
        )
