"""The DNS stack: the app's certificate, validated through its public zone (stacks.zone)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct

from exosphere_constructs.compliance import checkov_skip
from exosphere_constructs.known import read_once


class DnsStack(Stack):
    """The load balancer's certificate, validated through the app's public zone.

    The zone is the zone stack's (`zone`), or an existing one given by id,
    imported. The certificate covers the domain and its direct subdomains
    (`*.domain`), so adding a service never replaces it. Its DNS validation
    waits until public DNS delegates the domain to the zone: deploy this stack
    after the delegation (docs/operations.md).

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
        zone: route53.IHostedZone | None,
        hosted_zone_id: str | None,
        certificate_arn: str | None,
        **kwargs: Any,
    ) -> None:
        """Args:
        zone: the zone of the app's zone stack; None: `hosted_zone_id` names it.
        hosted_zone_id: an existing public zone of `domain`, used when `zone` is None.
        """
        super().__init__(scope, id_, **kwargs)
        self.domain = domain
        if zone is not None:
            self.zone: route53.IHostedZone = zone
        elif hosted_zone_id is not None:
            self.zone = route53.PublicHostedZone.from_public_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=hosted_zone_id, zone_name=domain
            )
        else:
            raise ValueError(f"the dns stack of {domain} needs a zone or a hosted zone id")
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
