"""The one internet-facing Application Load Balancer in front of every public service."""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from constructs import Construct


def _not_found() -> elbv2.ListenerAction:
    return elbv2.ListenerAction.fixed_response(
        404, content_type="text/plain", message_body="no service here"
    )


class PublicLoadBalancer(Construct):
    """An internet-facing ALB: HTTPS with HTTP redirected to it, or HTTP only.

    Services attach their own listener rules to `listener`; a request that no
    rule matches gets a 404.

    Attributes:
        load_balancer: the ALB.
        security_group: the ALB's security group, open to the internet on its
            listener ports only.
        listener: the listener services attach rules to (HTTPS when a
            certificate is given, else HTTP).
        https: whether `listener` is the HTTPS one.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        certificate: acm.ICertificate | None = None,
        ssl_policy: elbv2.SslPolicy = elbv2.SslPolicy.RECOMMENDED_TLS,
        deletion_protection: bool = False,
    ) -> None:
        """Create the load balancer and its listeners.

        Args:
            vpc: the VPC; the ALB sits in its public subnets.
            certificate: the certificate of the HTTPS listener; without one the
                ALB listens on HTTP only (port 80) and routes from there.
            ssl_policy: the HTTPS listener's TLS policy; default
                ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2 and 1.3).
            deletion_protection: refuse to delete the ALB; default off.
        """
        super().__init__(scope, id_)
        self.https = certificate is not None
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Internet-facing load balancer of the public services",
            allow_all_outbound=False,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            deletion_protection=deletion_protection,
        )
        if certificate is not None:
            self.listener = self.load_balancer.add_listener(
                "Https",
                protocol=elbv2.ApplicationProtocol.HTTPS,
                port=443,
                certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
                ssl_policy=ssl_policy,
                default_action=_not_found(),
                open=True,
            )
            self.load_balancer.add_redirect(source_port=80, target_port=443)
        else:
            self.listener = self.load_balancer.add_listener(
                "Http",
                protocol=elbv2.ApplicationProtocol.HTTP,
                port=80,
                default_action=_not_found(),
                open=True,
            )
