"""The platform stack: the public and private clusters and the shared load balancer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack, Token
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from exosphere_constructs import Ec2Cluster, LoadBalancerWebAcl, PublicLoadBalancer
from exosphere_constructs.compliance import acknowledge

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
        certificate: acm.ICertificate | None,
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
        self.notifications = sns.Topic(
            self,
            "Notifications",
            display_name="Auto Scaling events of the app's clusters",
            # CloudWatch alarms can publish only to a topic whose key lets them (AppKey).
            master_key=notifications_key
            or kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        # The topic's policy (enforce_ssl) replaces SNS's default one, which let
        # CloudWatch alarms of this account publish.
        self.notifications.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.notifications.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        self.public_cluster = Ec2Cluster(
            self,
            "PublicCluster",
            vpc=vpc,
            log_group_name_prefix=log_group_name_prefix,
            notifications_topic=self.notifications,
            instance_type=public_instance_type,
            architecture=public_architecture,
            min_capacity=public_capacity[0],
            max_capacity=public_capacity[1],
            container_insights=container_insights,
            session_manager=session_manager,
            root_volume_size_gib=root_volume_gib,
            machine_image=machine_images[0],
        )
        self.private_cluster = Ec2Cluster(
            self,
            "PrivateCluster",
            vpc=vpc,
            log_group_name_prefix=log_group_name_prefix,
            notifications_topic=self.notifications,
            instance_type=private_instance_type,
            architecture=private_architecture,
            min_capacity=private_capacity[0],
            max_capacity=private_capacity[1],
            container_insights=container_insights,
            session_manager=session_manager,
            root_volume_size_gib=root_volume_gib,
            machine_image=machine_images[1],
        )
        self.load_balancer = PublicLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            certificate=certificate,
            deletion_protection=protect,
            # ELB's log delivery is granted per region: an env-agnostic stack has none.
            access_logs=not Token.is_unresolved(self.region),
        )
        self.web_acl = (
            LoadBalancerWebAcl(
                self,
                "WebAcl",
                load_balancer=self.load_balancer.load_balancer,
                metric_prefix=self.stack_name,
                rule_groups=waf_rule_groups,
            )
            if waf_rule_groups
            else None
        )
        if self.web_acl is None:
            acknowledge(
                self.load_balancer.load_balancer,
                "NIST.800.53.R5-ALBWAFEnabled",
                "AWS WAF is the app's choice (providers.aws waf: true; about $8 a month plus"
                " $0.60 per million requests): this app has it off",
            )
        # aws-cdk#22764: a capacity provider adds no rule from the load balancer
        # to the dynamic host ports of bridge-mode containers.
        self.public_cluster.security_group.connections.allow_from(
            self.load_balancer.security_group,
            EPHEMERAL_PORTS,
            "load balancer to the containers' dynamic host ports",
        )
        CfnOutput(
            self,
            "LoadBalancerDnsName",
            value=self.load_balancer.load_balancer.load_balancer_dns_name,
            description="the load balancer in front of the public services",
        )
        CfnOutput(
            self,
            "NotificationsTopic",
            value=self.notifications.topic_arn,
            description="subscribe to hear of instance launches, terminations and failures",
        )
