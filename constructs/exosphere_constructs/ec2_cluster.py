"""An ECS cluster on EC2: an Auto Scaling Group from a launch template as its capacity provider."""

from __future__ import annotations

import jsii
from aws_cdk import (
    Acknowledgment,
    Annotations,
    AspectPriority,
    Aspects,
    CfnResource,
    Duration,
    IAspect,
)
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct

from exosphere_constructs.compliance import (
    acknowledge_all,
    acknowledge_wildcards,
    control,
    nag,
)
from exosphere_constructs.debug_access import allow_session_manager
from exosphere_constructs.known import made_once, place, read_once, service_principal, stack_of

#: Instance families of the Xen hypervisor, before AWS Nitro (Control Tower's CT.EC2.PR.15).
XEN_FAMILIES = frozenset(
    [
        "t1",
        "t2",
        "m1",
        "m2",
        "m3",
        "m4",
        "c1",
        "c3",
        "c4",
        "r3",
        "r4",
        "x1",
        "x1e",
        "i2",
        "i3",
        "d2",
        "g2",
        "g3",
        "g3s",
        "p2",
        "p3",
        "f1",
        "h1",
        "cc2",
        "cr1",
        "hs1",
    ]
)
#: Where systemd reads our addition to docker.service.
DOCKER_DROP_IN = "/etc/systemd/system/docker.service.d/exosphere-block-imds.conf"
#: Containers in bridge mode reach the host through docker0; this rule keeps them
#: off the instance metadata service (the instance's role stays the instance's).
IMDS_RULE = "--in-interface docker+ --destination 169.254.169.254/32 --jump DROP"
#: Installs the rule once, first in Docker's DOCKER-USER chain (a no-op when it is there).
INSTALL_IMDS_RULE = (
    f"iptables --check DOCKER-USER {IMDS_RULE} 2>/dev/null"
    f" || iptables --insert DOCKER-USER 1 {IMDS_RULE}"
)
#: The instances' user data before CDK adds `ECS_CLUSTER`: it stops at the first
#: failing command, so a half-configured instance never joins the cluster.
#:
#: On the ECS-optimized AL2023 AMI user data runs before Docker starts, when the
#: DOCKER-USER chain does not exist yet: the rule is installed by a drop-in on
#: docker.service, after every start of Docker (which creates the chain) and before
#: systemd counts Docker as started, so the ECS agent (after Docker) never runs a
#: task without it; if the rule cannot be installed, Docker fails to start.
USER_DATA = [
    "set -euo pipefail",
    "mkdir -p /etc/systemd/system/docker.service.d",
    f"cat > {DOCKER_DROP_IN} <<'EOF'",
    "# exosphere-cdk: keep bridge-mode containers off the instance metadata service.",
    "[Service]",
    f"ExecStartPost=/bin/sh -c '{INSTALL_IMDS_RULE}'",
    "EOF",
    "systemctl daemon-reload",
    # Docker started before us (not on the ECS-optimized AMI): install the rule now too.
    f"if systemctl is-active --quiet docker; then {INSTALL_IMDS_RULE}; fi",
    # Tasks in awsvpc mode (ExoCom) get the same protection from the ECS agent.
    "echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config",
    # An image already on the instance starts without a pull (Docker Hub limits
    # anonymous pulls per address, and every instance pulls through the NAT).
    "echo ECS_IMAGE_PULL_BEHAVIOR=prefer-cached >> /etc/ecs/ecs.config",
]

#: ECS container-agent calls that have no resource-level permissions.
UNSCOPED_AGENT_ACTIONS = ["ecs:DiscoverPollEndpoint", "ecr:GetAuthorizationToken"]

#: CloudFormation type of a cluster's capacity provider association.
ASSOCIATION_TYPE = "AWS::ECS::ClusterCapacityProviderAssociations"


@made_once
def _ecs_image(*, arm: bool) -> ec2.IMachineImage:
    """The ECS-optimized Amazon Linux 2023 AMI of an architecture (made once a process)."""
    if arm:
        return ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.ARM)
    return ecs.EcsOptimizedImage.amazon_linux2023()


@made_once
def _root_volume(size_gib: int) -> ec2.BlockDeviceVolume:
    """An encrypted gp3 root volume of `size_gib`, deleted with its instance."""
    return ec2.BlockDeviceVolume.ebs(
        size_gib,
        encrypted=True,
        volume_type=ec2.EbsDeviceVolumeType.GP3,
        delete_on_termination=True,
    )


@made_once
def _minutes(minutes: int) -> Duration:
    return Duration.minutes(minutes)


@made_once
def _rolling_update(min_instances_in_service: int) -> autoscaling.UpdatePolicy:
    """One instance at a time, keeping `min_instances_in_service`, three minutes apart."""
    return autoscaling.UpdatePolicy.rolling_update(
        max_batch_size=1,
        min_instances_in_service=min_instances_in_service,
        pause_time=_minutes(3),
    )


@made_once
def _all_scaling_events() -> autoscaling.ScalingEvents:
    return autoscaling.ScalingEvents.ALL


def wait_for_capacity_providers(service: ecs.BaseService, cluster: ecs.ICluster) -> None:
    """Make `service` depend on `cluster`'s capacity provider association.

    Without it CloudFormation may create the service before the association (the
    service's capacity provider strategy is then refused) and delete the
    association before the service (deletion hangs). A no-op when the cluster is
    in another stack: that stack is deployed first and deleted last anyway.

    CDK creates the association from an aspect of the cluster at synthesis; the
    dependency is added by an aspect that runs after it.
    """
    if not isinstance(cluster, ecs.Cluster) or stack_of(cluster) is not stack_of(service):
        return
    Aspects.of(cluster).add(
        _DependOnAssociation(cluster, _cfn(service)),
        # After every mutating aspect (CDK's association is made by one); adding a
        # dependency makes no construct.
        priority=AspectPriority.READONLY,
    )


def _cfn(construct: IConstruct) -> CfnResource:
    """The CloudFormation resource of an L2 construct."""
    resource = construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return resource


@jsii.implements(IAspect)
class _DependOnAssociation:
    def __init__(self, cluster: ecs.Cluster, dependent: CfnResource) -> None:
        self._cluster = cluster
        self._dependent = dependent

    def visit(self, node: IConstruct) -> None:
        # jsii hands back the very Python object the cluster was made as: no request.
        if node is not self._cluster:
            return
        found = [
            child
            for child in self._cluster.node.children
            if isinstance(child, CfnResource) and child.cfn_resource_type == ASSOCIATION_TYPE
        ]
        if not found:
            Annotations.of(self._dependent).add_warning_v2(
                "exosphere:noCapacityProviderAssociation",
                f"{self._cluster.node.path} has no capacity provider association to wait for",
            )
        for association in found:
            self._dependent.node.add_dependency(association)


class Ec2Cluster(Construct):
    """An ECS cluster whose capacity is an ASG of ECS-optimized Amazon Linux 2023 instances.

    The instances boot the AMI of their architecture (arm64 for Graviton types).
    They come from a launch template (IMDSv2 required with a hop limit of
    one, encrypted gp3 root volume, no public IP) and join the cluster through a
    capacity provider with managed scaling and managed draining, so services
    placed with a capacity-provider strategy scale the instances, and instances
    replaced by a launch-template change are drained first. Their role may do
    what the ECS agent needs on this cluster and nothing else.

    Attributes:
        cluster: the ECS cluster.
        auto_scaling_group: the instances' Auto Scaling Group.
        capacity_provider: the ASG's capacity provider, registered with the cluster.
        security_group: the instances' security group (no inbound rule of its own).
        launch_template: the instances' launch template.
        instance_role: the instances' IAM role.
        architecture: the instances' CPU architecture (images must be built for it).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        instance_type: ec2.InstanceType,
        log_group_name_prefix: str,
        min_capacity: int = 1,
        max_capacity: int = 2,
        vpc_subnets: ec2.SubnetSelection | None = None,
        root_volume_size_gib: int = 30,
        container_insights: ecs.ContainerInsights = ecs.ContainerInsights.ENHANCED,
        managed_scaling: bool = True,
        notifications_topic: sns.ITopic | None = None,
        architecture: ec2.InstanceArchitecture | None = None,
        session_manager: bool = False,
        machine_image: ec2.IMachineImage | None = None,
    ) -> None:
        """Create the cluster and its instances.

        Args:
            vpc: the VPC the instances run in.
            instance_type: the instances' EC2 instance type.
            log_group_name_prefix: the instances' Docker log driver may write to
                log groups whose names start with this (CloudFormation names a
                log group `<stack name>-...`, so a stack-name prefix fits).
            min_capacity: the fewest instances; default one.
            max_capacity: the most instances; default two.
            vpc_subnets: where the instances run; default the VPC's private subnets.
            root_volume_size_gib: the encrypted root volume's size; default 30 GiB.
            container_insights: CloudWatch Container Insights on the cluster; default
                with enhanced observability (task and container metrics).
            managed_scaling: ECS scales the ASG to fit the tasks; default on
                (off for a fixed-size cluster such as ExoCom's).
            notifications_topic: where the ASG reports launches, terminations and
                failures; default no notifications.
            architecture: the CPU architecture of `instance_type`, which picks the
                AMI (x86_64 or arm64); default: CDK's reading of the type's name
                (`InstanceType.architecture`).
            session_manager: the instances' role may accept Session Manager
                sessions (`aws ssm start-session`; the AMI runs the SSM agent);
                default off.
            machine_image: the AMI the instances boot, an ECS-optimized one for
                `architecture` (a pinned AMI: it changes only when the pin does);
                default the recommended ECS-optimized Amazon Linux 2023 AMI that
                its SSM parameter names at deploy time (a new AWS release
                replaces the instances at the next deploy).
        """
        super().__init__(scope, id_)
        place(self, scope)
        if not 0 <= min_capacity <= max_capacity or max_capacity < 1:
            raise ValueError(
                f"need 0 <= min_capacity <= max_capacity and max_capacity >= 1,"
                f" got min_capacity={min_capacity}, max_capacity={max_capacity}"
            )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=container_insights,
        )
        place(self.cluster, self)
        self.security_group = ec2.SecurityGroup(
            self,
            "InstanceSecurityGroup",
            vpc=vpc,
            description=f"ECS instances of {self.node.path}",
            allow_all_outbound=True,
        )
        self.instance_role = iam.Role(
            self, "InstanceRole", assumed_by=service_principal("ec2.amazonaws.com")
        )
        agent_policy = self._grant_agent(log_group_name_prefix)
        if session_manager:
            allow_session_manager(self, self.instance_role)
        user_data = ec2.UserData.for_linux()
        user_data.add_commands(*USER_DATA)
        self.architecture = architecture or instance_type.architecture
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            instance_type=instance_type,
            machine_image=machine_image
            or _ecs_image(arm=self.architecture == ec2.InstanceArchitecture.ARM_64),
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            instance_metadata_tags=False,
            associate_public_ip_address=False,
            security_group=self.security_group,
            # The ECS integration would add broad statements (`ecs:Submit*`,
            # `logs:*` on every log group) to a mutable role: it gets the
            # scoped policy of _grant_agent instead.
            role=self.instance_role.without_policy_updates(),
            user_data=user_data,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=_root_volume(root_volume_size_gib),
                )
            ],
        )
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "Asg",
            vpc=vpc,
            vpc_subnets=vpc_subnets
            or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=self.launch_template,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            default_instance_warmup=_minutes(2),
            # A launch-template change replaces one instance at a time; managed
            # draining moves its tasks away before it is terminated.
            update_policy=_rolling_update(min(min_capacity, max_capacity - 1)),
            notifications=(
                [
                    autoscaling.NotificationConfiguration(
                        topic=notifications_topic, scaling_events=_all_scaling_events()
                    )
                ]
                if notifications_topic is not None
                else None
            ),
        )
        acknowledge_all(self, self._acknowledgments(instance_type, container_insights))
        # An instance that boots before its role's policy exists cannot register.
        # (Each holds one resource: their dependency is that of the two resources.)
        self.auto_scaling_group.node.add_dependency(agent_policy)
        self.capacity_provider = ecs.AsgCapacityProvider(
            self,
            "CapacityProvider",
            auto_scaling_group=self.auto_scaling_group,
            enable_managed_scaling=managed_scaling,
            # Managed termination protection makes `cdk destroy` wait forever on
            # protected instances; managed draining moves tasks off instead.
            enable_managed_termination_protection=False,
            enable_managed_draining=True,
            target_capacity_percent=100,
        )
        self.cluster.add_asg_capacity_provider(
            self.capacity_provider,
            machine_image_type=ecs.MachineImageType.AMAZON_LINUX_2,
        )

    @property
    def capacity_provider_name(self) -> str:
        """The capacity provider's name, as services place their tasks by it (read once)."""
        return read_once(self.capacity_provider, "capacity_provider_name")

    @staticmethod
    def _acknowledgments(
        instance_type: ec2.InstanceType, container_insights: ecs.ContainerInsights
    ) -> list[Acknowledgment]:
        """The stricter packs' findings that do not apply to this cluster, with why.

        Acknowledged on the cluster construct, in one call: each names a resource it
        holds one of (its ECS cluster, launch template, Auto Scaling Group, roles).
        """
        found = []
        if container_insights == ecs.ContainerInsights.DISABLED:
            reason = (
                "Container Insights is turned off by the app's setting"
                " (providers.aws container-insights: disabled), for its cost"
            )
            found += [
                nag("AwsSolutions-ECS4", reason),
                control("ecs_container_insights_enabled_check", reason),
            ]
        found += [
            nag(
                "NIST.800.53.R5-IAMNoInlinePolicy",
                "each role here holds policies of its own, scoped to this cluster, its"
                " instances and the app's log groups: a managed policy would be attachable"
                " to other principals",
            ),
            control(
                "ec2_launch_template_monitoring_enabled_check",
                "basic (5-minute) EC2 metrics and the cluster's Container Insights are what"
                " the alarms read; detailed monitoring would add a charge per instance for"
                " 1-minute data",
            ),
            control(
                "autoscaling_multiple_az_check",
                "the group spans the private subnets of every availability zone of the VPC;"
                " they come from the network stack, a cross-stack reference the rule cannot"
                " read",
            ),
            control(
                "autoscaling_mixed_instances_policy_multiple_instance_types_check",
                "one instance type per cluster, the app's choice: the capacity checks and the"
                " container placement are sized against that one type",
            ),
        ]
        type_name = instance_type.to_string()
        if type_name.split(".")[0] in XEN_FAMILIES:
            found.append(
                control(
                    "ec2_launch_template_nitro_instance_type_check",
                    f"{type_name} is the instance type the app asks for; it is of an older,"
                    " non-Nitro generation (a current type such as t3 would pass)",
                )
            )
        if container_insights == ecs.ContainerInsights.ENHANCED:
            found.append(
                control(
                    "ecs_container_insights_enabled_check",
                    "Container Insights is on, with enhanced observability ('enhanced'): the"
                    " rule predates that setting and accepts only 'enabled'",
                )
            )
        return found

    def _grant_agent(self, log_group_name_prefix: str) -> iam.Policy:
        """What the ECS agent and the Docker log driver of these instances need, scoped."""
        stack = stack_of(self)
        # As stack.format_arn writes them, from the stack's attributes (read once).
        partition, region, account = (
            read_once(stack, name) for name in ("partition", "region", "account")
        )
        cluster_name = read_once(self.cluster, "cluster_name")
        instances = f"arn:{partition}:ecs:{region}:{account}:container-instance/{cluster_name}/*"
        log_groups = f"arn:{partition}:logs:{region}:{account}:log-group:{log_group_name_prefix}*"
        # The policy as data, in one request (a PolicyStatement would be one each).
        document = iam.PolicyDocument.from_json(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ecs:RegisterContainerInstance",
                            "ecs:DeregisterContainerInstance",
                            "ecs:SubmitAttachmentStateChanges",
                            "ecs:SubmitContainerStateChange",
                            "ecs:SubmitTaskStateChange",
                        ],
                        "Resource": read_once(self.cluster, "cluster_arn"),
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["ecs:Poll", "ecs:StartTelemetrySession"],
                        "Resource": instances,
                    },
                    {"Effect": "Allow", "Action": UNSCOPED_AGENT_ACTIONS, "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": [log_groups, f"{log_groups}:log-stream:*"],
                    },
                ],
            }
        )
        policy = iam.Policy(self, "AgentPolicy", roles=[self.instance_role], document=document)
        reason = (
            f"{' and '.join(UNSCOPED_AGENT_ACTIONS)} support no resource-level permissions,"
            " and log streams are created at run time inside the app's own log groups"
            f" ({log_group_name_prefix}*); every other action is scoped to this cluster"
            " or its container instances"
        )
        acknowledge_wildcards(
            policy, ["*", instances, log_groups, f"{log_groups}:log-stream:*"], reason
        )
        return policy
