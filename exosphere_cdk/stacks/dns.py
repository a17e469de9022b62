"""The DNS stack: the app's public hosted zone and its certificate."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct

from exosphere_constructs.compliance import checkov_skip
from exosphere_constructs.known import read_once


class DnsStack(Stack):
    """The public hosted zone of the app's domain and the load balancer's certificate.

    A zone created here is kept when the stack is destroyed (its name servers
    are registered at the registrar); a zone given by id is imported. The
    certificate covers the domain and its direct subdomains (`*.domain`), so
    adding a service never replaces it.

    Attributes:
        zone: the public hosted zone.
        certificate: the load balancer's default certificate.
        certificate_names: the names `certificate` is valid for (the domain and
            `*.domain`), or None for a certificate given by ARN, taken to cover
            every public URL.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        domain: str,
        hosted_zone_id: str | None,
        certificate_arn: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, **kwargs)
        self.domain = domain
        if hosted_zone_id is None:
            zone = route53.PublicHostedZone(
                self, "Zone", zone_name=domain, comment=f"public zone of {domain}"
            )
            zone.apply_removal_policy(RemovalPolicy.RETAIN)
            CfnOutput(
                self,
                "NameServers",
                value=Fn.join(", ", zone.hosted_zone_name_servers or []),
                description=f"register these name servers for {domain} at its registrar",
            )
            self.zone: route53.IHostedZone = zone
        else:
            self.zone = route53.PublicHostedZone.from_public_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=hosted_zone_id, zone_name=domain
            )
        CfnOutput(self, "HostedZoneId", value=read_once(self.zone, "hosted_zone_id"))

        self.certificate_names: tuple[str, ...] | None = None
        if certificate_arn is not None:
            self.certificate: acm.ICertificate = acm.Certificate.from_certificate_arn(
                self, "Certificate", certificate_arn
            )
        else:
            self.certificate_names = (domain, f"*.{domain}")
            self.certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=domain,
                subject_alternative_names=[f"*.{domain}"],
                validation=acm.CertificateValidation.from_dns(self.zone),
            )
            checkov_skip(
                self.certificate,
                "CKV2_AWS_71",
                "the wildcard covers every direct subdomain, so that adding a public"
                " service never replaces the load balancer's certificate",
            )
