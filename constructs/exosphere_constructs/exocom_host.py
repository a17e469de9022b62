"""ExoCom, the message bus: one task on its own single-instance cluster, with a private DNS name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk import aws_sns as sns
from constructs import Construct

from exosphere_constructs.compliance import Findings
from exosphere_constructs.debug_access import allow_exec_logging
from exosphere_constructs.ec2_cluster import Ec2Cluster, wait_for_capacity_providers
from exosphere_constructs.known import made_once, place, recall, remember
from exosphere_constructs.log_group import retained_log_group


@made_once
def _tcp(port: int) -> ec2.Port:
    return ec2.Port.tcp(port)


class ExoComHost(Construct):
    """ExoCom on a cluster of its own: one EC2 instance, one task, a name in a private zone.

    The task runs in awsvpc mode and registers itself in a private Cloud Map DNS
    namespace (a private Route53 zone), so `dns_name` keeps pointing at ExoCom
    when the task or its instance is replaced. Nothing may connect until a peer
    is allowed with `allow_from`.

    Attributes:
        host: the single-instance cluster ExoCom runs on.
        namespace: the private DNS namespace (its Route53 zone holds `dns_name`).
        task_definition: ExoCom's task definition.
        service: ExoCom's ECS service.
        security_group: the task's security group.
        log_group: ExoCom's log group.
        dns_name: the name services connect to (`<service_name>.<namespace>`).
        port: the port ExoCom listens on.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        image: ecs.ContainerImage,
        environment: Mapping[str, str],
        namespace_name: str,
        service_name: str,
        instance_type: ec2.InstanceType,
        log_group_name_prefix: str,
        port: int,
        command: Sequence[str] | None = None,
        cpu: int = 256,
        memory_mib: int = 256,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
        notifications_topic: sns.ITopic | None = None,
        architecture: ec2.InstanceArchitecture | None = None,
        container_insights: ecs.ContainerInsights = ecs.ContainerInsights.ENHANCED,
        execute_command: bool = False,
        session_manager: bool = False,
        root_volume_size_gib: int = 30,
        machine_image: ec2.IMachineImage | None = None,
    ) -> None:
        """Create ExoCom's cluster, task and DNS name.

        Args:
            vpc: the VPC; ExoCom runs in its private subnets.
            image: the ExoCom image (`originate/exocom:<version>`).
            environment: ExoCom's configuration: the variable naming `port`
                and its routing table (`SERVICE_ROUTES` or `SERVICE_DATA`, as its
                release reads it), in the order given.
            namespace_name: the private DNS namespace, e.g. `shop.internal`.
            service_name: ExoCom's name in it (`dns_name` is `<service_name>.<namespace_name>`).
            instance_type: the instance type of ExoCom's single machine.
            log_group_name_prefix: the start of the names of the log groups the
                machine may write to (see Ec2Cluster).
            port: the port ExoCom listens on (its container port, and the one
                `allow_from` opens): the one its `environment` names.
            command: the container's command (`bin/exocom` for the Node.js
                releases); default the image's own.
            cpu: the task's CPU units; default 256.
            memory_mib: the task's memory; default 256 MiB.
            log_retention: how long ExoCom's logs are kept; default one month.
            log_encryption_key: the KMS key of ExoCom's log group; default
                CloudWatch's own encryption.
            notifications_topic: where the machine's ASG reports launches,
                terminations and failures; default: it sends no notifications.
            architecture: the CPU architecture of `instance_type` (see Ec2Cluster);
                default: CDK's reading of the type's name.
            container_insights: Container Insights on ExoCom's cluster; default enhanced.
            execute_command: allow ECS Exec into ExoCom's container, each session
                logged to ExoCom's log group; default off.
            session_manager: allow Session Manager sessions on the machine
                (see Ec2Cluster); default off.
            root_volume_size_gib: the machine's encrypted root volume; default 30 GiB.
            machine_image: the AMI the machine boots (a pinned one); default the
                ECS-optimized AMI its SSM parameter names at deploy (Ec2Cluster).
        """
        super().__init__(scope, id_)
        place(self, scope)
        findings = Findings()
        self.port = port
        self.host = Ec2Cluster(
            self,
            "Host",
            vpc=vpc,
            instance_type=instance_type,
            log_group_name_prefix=log_group_name_prefix,
            notifications_topic=notifications_topic,
            min_capacity=1,
            max_capacity=1,
            managed_scaling=False,
            architecture=architecture,
            container_insights=container_insights,
            session_manager=session_manager,
            root_volume_size_gib=root_volume_size_gib,
            machine_image=machine_image,
        )
        self.namespace = servicediscovery.PrivateDnsNamespace(
            self, "Namespace", name=namespace_name, vpc=vpc
        )
        self.log_group = retained_log_group(
            self, "Logs", retention=log_retention, encryption_key=log_encryption_key
        )
        self.task_definition = ecs.Ec2TaskDefinition(
            self, "Task", network_mode=ecs.NetworkMode.AWS_VPC
        )
        self.task_definition.add_container(
            "exocom",
            image=image,
            command=list(command) if command else None,
            cpu=cpu,
            memory_limit_mib=memory_mib,
            environment=dict(environment),
            port_mappings=[ecs.PortMapping(container_port=port, protocol=ecs.Protocol.TCP)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix="exocom", log_group=self.log_group),
        )
        findings.nag(
            self.task_definition,
            "AwsSolutions-ECS2",
            "ExoCom's port and routing table are its public configuration, not secrets",
        )
        findings.nag(
            self.task_definition,
            "NIST.800.53.R5-IAMNoInlinePolicy",
            "the task's roles hold policies of their own, scoped to ExoCom's image and log"
            " group: a managed policy would be attachable to other principals",
        )
        exocom_image = (
            "ExoCom's published image (originate/exocom) is not known to run as another user"
            " or on a read-only root; it holds no secret and answers the app's services only"
        )
        findings.control(
            self.task_definition, "ecs_task_definition_nonroot_user_check", exocom_image
        )
        findings.control(self.task_definition, "ecs_containers_readonly_access_check", exocom_image)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="ExoCom, reachable from the app services only",
            # ExoCom only answers the services' websockets. Its image pull, its
            # secrets and its log uploads go out through the instance's own
            # network interface (ECS's agent and Docker on the host), not the
            # task's, and security groups do not filter Amazon's DNS resolver.
            allow_all_outbound=False,
        )
        if execute_command:
            # ECS Exec: the SSM agent inside the container reaches Systems
            # Manager's message endpoints over HTTPS from the task's interface.
            self.security_group.add_egress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "ECS Exec: SSM agent to ssmmessages"
            )
        self.service = ecs.Ec2Service(
            self,
            "Service",
            cluster=self.host.cluster,
            task_definition=self.task_definition,
            desired_count=1,
            # One machine, one task: a new task can only start once the old one
            # has stopped (services reconnect to ExoCom on their own).
            min_healthy_percent=0,
            max_healthy_percent=100,
            security_groups=[self.security_group],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(
                    capacity_provider=self.host.capacity_provider_name,
                    weight=1,
                )
            ],
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            cloud_map_options=ecs.CloudMapOptions(
                cloud_map_namespace=self.namespace,
                name=service_name,
                dns_record_type=servicediscovery.DnsRecordType.A,
                dns_ttl=Duration.seconds(10),
            ),
            enable_ecs_managed_tags=True,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            # None when off: the template is unchanged (no `EnableExecuteCommand: false`).
            enable_execute_command=execute_command or None,
        )
        place(self.service, self)
        remember(self.service, "cluster", self.host.cluster)
        if execute_command:
            allow_exec_logging(self.task_definition, self.log_group)
        wait_for_capacity_providers(self.service, self.host.cluster)
        self.dns_name = f"{service_name}.{namespace_name}"
        findings.done()

    def allow_from(self, peer: ec2.IConnectable, description: str) -> None:
        """Let `peer` connect to ExoCom's port."""
        connections = cast(ec2.Connections, recall(self.security_group, "connections"))
        connections.allow_from(peer, _tcp(self.port), description)
