"""The zone stack: the app's public hosted zone, alone, so its name servers come first."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, RemovalPolicy, Stack
from aws_cdk import aws_route53 as route53
from constructs import Construct


class ZoneStack(Stack):
    """The public hosted zone of the app's domain, and nothing that waits on it.

    Its name servers are an output as soon as the stack is created, before the
    certificate (in the dns stack) waits for them to be delegated. The zone is
    kept when the stack is destroyed (its name servers are registered at the
    registrar): `hosted-zone-id` then reuses it, `exo-cdk remove` deletes it.

    Attributes:
        zone: the public hosted zone.
    """

    def __init__(self, scope: Construct, id_: str, *, domain: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        zone = route53.PublicHostedZone(
            self, "Zone", zone_name=domain, comment=f"public zone of {domain}"
        )
        zone.apply_removal_policy(RemovalPolicy.RETAIN)
        CfnOutput(
            self,
            "NameServers",
            value=Fn.join(", ", zone.hosted_zone_name_servers or []),
            description=f"delegate {domain} to these name servers (at its registrar)",
        )
        CfnOutput(self, "HostedZoneId", value=zone.hosted_zone_id)
        self.zone: route53.IHostedZone = zone
