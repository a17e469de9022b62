"""A service stack: one Exosphere service, everything that is its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen
from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from exosphere_cdk.stacks.dns import DnsStack
from exosphere_constructs import Ec2Cluster, ExoService, PublicLoadBalancer, Route


@frozen(kw_only=True)
class SecretEnv:
    """An environment variable read from a Secrets Manager secret (or one JSON key of it)."""

    secret_name: str
    json_key: str | None = None


@frozen(kw_only=True)
class ServiceSpec:
    """A service's settings in CDK terms, translated from its manifests by the app builder."""

    role: str
    public: bool
    image: ecs.ContainerImage
    command: list[str] | None
    cpu: int
    memory_mib: int
    environment: Mapping[str, str]
    secrets: Mapping[str, SecretEnv]
    container_port: int | None
    url: str | None
    listener_priority: int
    health_check_path: str
    min_tasks: int
    max_tasks: int
    cpu_target_percent: int


class ServiceStack(Stack):
    """One service: task definition, ECS service, logs, scaling and, if public, its route.

    Public services also own their target group, listener rule and DNS alias
    (and a certificate when their URL is not covered by the app's), so adding
    or removing a service touches no other stack but ExoCom's routes.

    Attributes:
        service: the service construct.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        spec: ServiceSpec,
        vpc: ec2.IVpc,
        cluster: Ec2Cluster,
        load_balancer: PublicLoadBalancer | None,
        dns: DnsStack | None,
        log_retention: logs.RetentionDays,
        log_encryption_key: kms.IKey,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        secrets = {
            name: ecs.Secret.from_secrets_manager(
                secretsmanager.Secret.from_secret_name_v2(self, f"Secret{name}", ref.secret_name),
                field=ref.json_key,
            )
            for name, ref in sorted(spec.secrets.items())
        }
        route = None
        # A public service without a port is placed on the public cluster but
        # gets no route (`validate` warns about it).
        if spec.public and spec.container_port is not None:
            if load_balancer is None:
                raise ValueError(f"{spec.role}: a public service needs the load balancer")
            route = Route(
                listener=load_balancer.listener,
                vpc=vpc,
                priority=spec.listener_priority,
                host_header=spec.url,
                health_check_path=spec.health_check_path,
            )
        self.service = ExoService(
            self,
            "Service",
            cluster=cluster.cluster,
            capacity_provider_name=cluster.capacity_provider.capacity_provider_name,
            image=spec.image,
            container_name=spec.role,
            command=spec.command,
            cpu=spec.cpu,
            memory_mib=spec.memory_mib,
            environment=dict(sorted(spec.environment.items())),
            secrets=secrets,
            container_port=spec.container_port,
            route=route,
            min_tasks=spec.min_tasks,
            max_tasks=spec.max_tasks,
            cpu_target_percent=spec.cpu_target_percent,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
        )
        if route is not None and load_balancer is not None and spec.url is not None:
            self._publish(spec.url, load_balancer, dns)

    def _publish(self, url: str, load_balancer: PublicLoadBalancer, dns: DnsStack | None) -> None:
        """The DNS alias of the service's URL, its certificate if needed, and the URL output."""
        if dns is None:
            CfnOutput(
                self,
                "Url",
                value=f"http://{url}",
                description=(
                    "no domain: send requests to the load balancer's DNS name with this Host header"
                ),
            )
            return
        route53.ARecord(
            self,
            "Alias",
            zone=dns.zone,
            record_name=f"{url}.",
            target=route53.RecordTarget.from_alias(
                targets.LoadBalancerTarget(load_balancer.load_balancer)
            ),
        )
        if not dns.covers(url):
            certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=url,
                validation=acm.CertificateValidation.from_dns(dns.zone),
            )
            elbv2.ApplicationListenerCertificate(
                self,
                "ListenerCertificate",
                listener=load_balancer.listener,
                certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
            )
        CfnOutput(self, "Url", value=f"https://{url}")
