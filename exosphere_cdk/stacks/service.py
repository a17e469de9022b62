"""A service stack: one Exosphere service, everything that is its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from constructs import Construct

from exosphere_cdk.manifest.design.app import ServiceDesign
from exosphere_cdk.stacks.convert import container_image
from exosphere_cdk.stacks.secrets import import_secret
from exosphere_constructs import ExoService, PublicRoute
from exosphere_constructs.known import name_known


class ServiceStack(Stack):
    """One service: task definition, ECS service, logs, scaling and, if public, its route.

    A public service with a port also owns its public route (target group,
    listener rule, DNS alias and, when its URL is not covered by the app's
    certificate, a certificate of its own), so adding or removing a service
    touches no other stack but ExoCom's routes.

    Attributes:
        service: the service construct.
        route: the service's public route, or None for a service without one.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: ServiceDesign,
        vpc: ec2.IVpc,
        cluster: ecs.ICluster,
        capacity_provider_name: str,
        log_retention: logs.RetentionDays,
        log_encryption_key: kms.IKey,
        load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        listener: elbv2.IApplicationListener | None = None,
        zone: route53.IHostedZone | None = None,
        certificate_names: Sequence[str] | None = None,
        deployment_alarm_names: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """Create the service's stack.

        Args:
            spec: the service's design (its settings, translated from its manifests).
            vpc: the app's VPC.
            cluster: the cluster the service runs on.
            capacity_provider_name: the cluster's capacity provider.
            log_retention: how long the service's logs are kept.
            log_encryption_key: the KMS key of its log group.
            load_balancer: the shared load balancer; required for a public
                service with a port, unused otherwise.
            listener: the load balancer's listener the route's rule goes on;
                required with `load_balancer`.
            zone: the app's public hosted zone; default none: no alias record,
                and the URL is served over HTTP by the load balancer's name.
            certificate_names: the names the listener's certificate is valid
                for; default: it covers every URL (see PublicRoute).
            deployment_alarm_names: the alarms that roll back a deployment of
                the service (see `watch_service`); default none.
            kwargs: the Stack's own properties.
        """
        super().__init__(scope, id_, **kwargs)
        name_known(self, scope, id_, kwargs.get("stack_name"))
        self.service = self._service(
            spec,
            deployment_alarm_names=deployment_alarm_names,
            cluster=cluster,
            capacity_provider_name=capacity_provider_name,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
        )
        CfnOutput(
            self,
            "LogGroupName",
            value=self.service.log_group.log_group_name,
            description=f"the logs of {spec.role} (exo-cdk logs APP_DIR {spec.role})",
        )
        self.route: PublicRoute | None = None
        # A public service without a port is placed on the public cluster but
        # gets no route (`validate` warns about it).
        if not spec.public or spec.container_port is None:
            return
        if load_balancer is None or listener is None:
            raise ValueError(f"{spec.role}: a public service needs the load balancer and listener")
        self.route = self._route(
            spec,
            port=spec.container_port,
            vpc=vpc,
            listener=listener,
            load_balancer=load_balancer,
            zone=zone,
            certificate_names=certificate_names,
        )

    def _service(
        self,
        spec: ServiceDesign,
        *,
        cluster: ecs.ICluster,
        capacity_provider_name: str,
        log_retention: logs.RetentionDays,
        log_encryption_key: kms.IKey,
        deployment_alarm_names: Sequence[str],
    ) -> ExoService:
        """The task definition and ECS service of `spec`, with its secrets imported."""
        secrets = {
            name: ecs.Secret.from_secrets_manager(
                import_secret(self, f"Secret{name}", ref.name), field=ref.json_key
            )
            for name, ref in sorted(spec.secrets.items())
        }
        return ExoService(
            self,
            "Service",
            cluster=cluster,
            capacity_provider_name=capacity_provider_name,
            image=container_image(self, spec.image),
            container_name=spec.role,
            command=None if spec.command is None else list(spec.command),
            cpu=spec.cpu,
            memory_mib=spec.memory_mib,
            memory_is_reservation=spec.memory_is_reservation,
            environment=dict(sorted(spec.environment.items())),
            secrets=secrets,
            container_port=spec.container_port,
            min_tasks=spec.min_tasks,
            max_tasks=spec.max_tasks,
            cpu_target_percent=spec.cpu_target_percent,
            deployment_min_healthy_percent=spec.deployment.minimum_healthy_percent,
            deployment_max_percent=spec.deployment.maximum_percent,
            execute_command=spec.execute_command,
            read_only_root=spec.read_only_root,
            user=spec.user,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
            deployment_alarm_names=deployment_alarm_names,
        )

    def _route(
        self,
        spec: ServiceDesign,
        *,
        port: int,
        vpc: ec2.IVpc,
        listener: elbv2.IApplicationListener,
        load_balancer: elbv2.IApplicationLoadBalancer,
        zone: route53.IHostedZone | None,
        certificate_names: Sequence[str] | None,
    ) -> PublicRoute:
        """The public route of `spec` and its URL as an output."""
        url = spec.url
        route = PublicRoute(
            self,
            # CDK leaves `Default` out of logical IDs: the route's resources keep
            # the IDs they had when this stack created them itself.
            "Default",
            listener=listener,
            vpc=vpc,
            priority=spec.listener_priority,
            port=port,
            targets=[self.service.load_balancer_target()],
            host_header=url,
            health_check_path=spec.health_check_path,
            zone=zone if url is not None else None,
            load_balancer=load_balancer,
            certificate_names=certificate_names,
        )
        if url is None:
            return route
        if zone is None:
            CfnOutput(
                self,
                "Url",
                value=f"http://{url}",
                description=(
                    "no domain: send requests to the load balancer's DNS name with this Host header"
                ),
            )
        else:
            CfnOutput(self, "Url", value=f"https://{url}")
        return route
