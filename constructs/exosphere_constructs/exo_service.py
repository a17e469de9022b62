"""One Exosphere service: its task definition, ECS service, logs and, optionally, autoscaling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_constructs.compliance import acknowledge_all, control, nag
from exosphere_constructs.debug_access import allow_exec_logging
from exosphere_constructs.ec2_cluster import wait_for_capacity_providers
from exosphere_constructs.known import made_once, place, remember
from exosphere_constructs.log_group import log_group_acknowledgments, retained_log_group


@made_once
def _placement() -> tuple[ecs.PlacementStrategy, ...]:
    """Spread over the instances, then pack by memory: made once, shared by every service."""
    return (
        ecs.PlacementStrategy.spread_across_instances(),
        ecs.PlacementStrategy.packed_by_memory(),
    )


class ExoService(Construct):
    """A service on an ECS-on-EC2 cluster, placed through a capacity provider.

    Containers use bridge networking: a public service's container port is
    mapped to a dynamic host port that a load balancer's target group finds
    by itself (see `load_balancer_target`); a private service publishes no
    port at all.

    Attributes:
        task_definition: the service's task definition.
        container: its one container.
        service: the ECS service.
        log_group: the container's log group.
        container_port: the port the container listens on, or None.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster: ecs.ICluster,
        capacity_provider_name: str,
        image: ecs.ContainerImage,
        container_name: str,
        command: Sequence[str] | None = None,
        cpu: int = 100,
        memory_mib: int = 500,
        memory_is_reservation: bool = False,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        container_port: int | None = None,
        health_check_grace_period: Duration | None = None,
        min_tasks: int = 1,
        max_tasks: int = 1,
        cpu_target_percent: int = 70,
        deployment_min_healthy_percent: int = 100,
        deployment_max_percent: int = 200,
        read_only_root: bool = False,
        user: str | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_encryption_key: kms.IKey | None = None,
        execute_command: bool = False,
        deployment_alarm_names: Sequence[str] = (),
    ) -> None:
        """Create the service.

        Args:
            cluster: the cluster the service runs on.
            capacity_provider_name: the cluster's capacity provider; tasks are
                placed through it so that managed scaling adds instances.
            image: the container image.
            container_name: the container's name (the service's role).
            command: the container's command; default the image's own.
            cpu: CPU units reserved for the container; default 100.
            memory_mib: the container's hard memory limit; default 500 MiB.
            memory_is_reservation: `memory_mib` is a soft reservation instead
                (`memoryReservation`, no hard limit: ECS places the task by it,
                and the container may use more while its instance has memory
                free); default off: a hard limit.
            environment: plain environment variables; default: only the image's own.
            secrets: environment variables read from Secrets Manager at start;
                default: none, and the execution role may read no secret.
            container_port: the port the container listens on; default none:
                the container publishes no port (a load balancer cannot reach it).
            health_check_grace_period: how long after a task starts the load
                balancer's failed health checks are ignored (ECS takes it only for
                a service behind a load balancer); default 60 seconds once a load
                balancer sends it traffic (CDK's default), none otherwise.
            min_tasks: the fewest running tasks (the desired count without
                autoscaling); default one.
            max_tasks: the most running tasks; above `min_tasks`, the task count
                scales on CPU between the two; default one: no autoscaling.
            cpu_target_percent: the average CPU use that autoscaling keeps; default 70.
            deployment_min_healthy_percent: the share of the desired tasks kept
                running while a deployment replaces them; default 100. Zero stops
                the old task before the new one starts.
            deployment_max_percent: the most tasks running during a deployment, as
                a share of the desired count; default 200 (new tasks start before
                the old ones stop).
            read_only_root: mount the container's root file system read-only;
                default writable.
            user: the user the container runs as (`name`, `uid`, `uid:gid`, ...);
                default the image's user.
            log_retention: how long the logs are kept; default one month.
            log_encryption_key: the KMS key of the log group; default CloudWatch's
                own encryption.
            execute_command: allow ECS Exec into the service's containers, each
                session logged to the service's log group; default off.
            deployment_alarm_names: the CloudWatch alarms that roll a deployment
                back when they go off during it (ECS deployment alarms; the
                deployment circuit breaker stays on); default none.
        """
        super().__init__(scope, id_)
        place(self, scope)
        if not 1 <= min_tasks <= max_tasks:
            raise ValueError(
                f"{container_name}: need 1 <= min_tasks <= max_tasks,"
                f" got min_tasks={min_tasks}, max_tasks={max_tasks}"
            )
        self.container_port = container_port
        self.container_name = container_name
        self.log_group = retained_log_group(
            self,
            "Logs",
            retention=log_retention,
            encryption_key=log_encryption_key,
            acknowledge=False,
        )
        self.task_definition = ecs.Ec2TaskDefinition(
            self, "Task", network_mode=ecs.NetworkMode.BRIDGE
        )
        self.container = self.task_definition.add_container(
            container_name,
            image=image,
            command=list(command) if command else None,
            cpu=cpu,
            memory_limit_mib=None if memory_is_reservation else memory_mib,
            memory_reservation_mib=memory_mib if memory_is_reservation else None,
            essential=True,
            # None when off: the template is unchanged (no `ReadonlyRootFilesystem: false`).
            readonly_root_filesystem=read_only_root or None,
            user=user,
            environment=dict(environment or {}),
            secrets=dict(secrets or {}) or None,
            port_mappings=(
                [ecs.PortMapping(container_port=container_port, host_port=0)]
                if container_port is not None
                else None
            ),
            logging=ecs.LogDrivers.aws_logs(stream_prefix=container_name, log_group=self.log_group),
        )
        # In one call on the service construct: each names its log group, its task
        # definition or the task's roles, which it holds one of each of.
        acknowledge_all(
            self,
            [
                *log_group_acknowledgments(self.log_group, log_retention, log_encryption_key),
                *self._acknowledgments(
                    read_only_root=read_only_root,
                    user=user,
                    memory_is_reservation=memory_is_reservation,
                ),
            ],
        )
        self.service = ecs.Ec2Service(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            # Without autoscaling the desired count is fixed; with it, the
            # scalable target's minimum sets it (CDK leaves DesiredCount out).
            desired_count=min_tasks if max_tasks == min_tasks else None,
            min_healthy_percent=deployment_min_healthy_percent,
            max_healthy_percent=deployment_max_percent,
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(capacity_provider=capacity_provider_name, weight=1)
            ],
            placement_strategies=list(_placement()),
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=health_check_grace_period,
            enable_ecs_managed_tags=True,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            # None when off: the template is unchanged (no `EnableExecuteCommand: false`).
            enable_execute_command=execute_command or None,
            deployment_alarms=(
                ecs.DeploymentAlarmConfig(
                    alarm_names=list(deployment_alarm_names),
                    behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
                )
                if deployment_alarm_names
                else None
            ),
        )
        place(self.service, self)
        remember(self.service, "cluster", cluster)
        if execute_command:
            allow_exec_logging(self.task_definition, self.log_group)
        wait_for_capacity_providers(self.service, cluster)
        if max_tasks > min_tasks:
            scaling = self.service.auto_scale_task_count(
                min_capacity=min_tasks, max_capacity=max_tasks
            )
            scaling.scale_on_cpu_utilization(
                "CpuScaling", target_utilization_percent=cpu_target_percent
            )

    @staticmethod
    def _acknowledgments(
        *, read_only_root: bool, user: str | None, memory_is_reservation: bool
    ) -> list[Acknowledgment]:
        """The findings on the task definition that do not apply to this service, with why."""
        found = [
            nag(
                "AwsSolutions-ECS2",
                "plain environment variables hold configuration (ExoCom's address, the role,"
                " the manifest's `environment`); secrets come from Secrets Manager",
            ),
            nag(
                "NIST.800.53.R5-IAMNoInlinePolicy",
                "the task's roles hold policies of their own, scoped to this service's image,"
                " secrets and log group: a managed policy would be attachable to other"
                " principals",
            ),
            control(
                "ecs_awsvpc_networking_enabled_check",
                "bridge mode by design: many tasks share an instance on dynamic host ports,"
                " where awsvpc would cap them at the instance type's network interfaces",
            ),
        ]
        if user is None:
            found.append(
                control(
                    "ecs_task_definition_nonroot_user_check",
                    "the container runs as its image's own user, as the service's author built"
                    " it (the manifest's production.aws user sets another)",
                )
            )
        if not read_only_root:
            found.append(
                control(
                    "ecs_containers_readonly_access_check",
                    "the container may write to its file system, as images commonly expect"
                    " (the manifest's production.aws read-only-root turns that off)",
                )
            )
        if memory_is_reservation:
            found.append(
                control(
                    "ecs_task_definition_memory_hard_limit_check",
                    "the manifest's memory is a soft reservation, as the Go era deployed it:"
                    " ECS places the task by it, and the container may use memory left free",
                )
            )
        found.append(
            nag(
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken (pulling an image asset) has no resource-level"
                " permissions; the image pull itself is scoped to the asset repository",
            )
        )
        return found

    def load_balancer_target(self) -> elbv2.IApplicationLoadBalancerTarget:
        """The service's container port as a target of a load balancer's target group.

        The ECS service itself: as a target it registers its one container on the
        port it maps (the same as `service.load_balancer_target(...)` with that
        container and port, one request less).
        """
        if self.container_port is None:
            raise ValueError(f"{self.node.path}: a load balancer target needs a container_port")
        return self.service
