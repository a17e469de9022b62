"""An app's public zone: its name servers, and whether public DNS delegates the domain to them.

The zone is the zone stack's (`<slug>-zone`, found through CloudFormation),
or the one `hosted-zone-id` names. Zones of the domain tagged with the app
that are not that zone were kept from an earlier deploy (the zone is
retained when its stack is destroyed): they are listed, so that a new deploy
reuses one (`hosted-zone-id`) instead of creating a second. Whether public DNS
delegates the domain is asked of a resolver, injectable: offline, it cannot
tell. Nothing here prints.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3  # type: ignore[import-untyped]
from attrs import frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import APP_TAG
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import AwsError, NotDeployedError, aws_errors, clients, stack_resources

__all__ = [
    "PUBLIC_RESOLVER",
    "DnsReport",
    "PublicAnswer",
    "Resolver",
    "Zone",
    "dns_report",
    "public_name_servers",
]

#: The public resolver asked by default (DNS over HTTPS, JSON).
PUBLIC_RESOLVER = "https://dns.google/resolve"
#: DNS's record type number of NS, and the status of a name that does not exist.
_NS, _NXDOMAIN = 2, 3


@frozen
class PublicAnswer:
    """The name servers public DNS gives for a domain; None when it cannot tell, and why."""

    name_servers: tuple[str, ...] | None
    why_not: str = ""


#: A domain -> what public DNS answers for its NS records.
Resolver = Callable[[str], PublicAnswer]


@frozen
class Zone:
    """A public hosted zone of the domain, and where it comes from."""

    zone_id: str
    name_servers: tuple[str, ...]
    #: `the zone stack <name>`, `hosted-zone-id`, or `kept from an earlier deploy`.
    origin: str

    def as_json(self) -> dict[str, Any]:
        return {
            "zone_id": self.zone_id,
            "name_servers": list(self.name_servers),
            "origin": self.origin,
        }


@frozen
class DnsReport:
    """The app's zone (None: not deployed yet), the zones kept beside it, what DNS answers."""

    domain: str
    zone_stack: str | None
    zone: Zone | None
    kept: tuple[Zone, ...]
    public: PublicAnswer

    @property
    def delegated(self) -> bool | None:
        """Whether public DNS answers with the zone's name servers; None: cannot tell."""
        if self.zone is None:
            return False
        if self.public.name_servers is None:
            return None
        return set(self.public.name_servers) == set(self.zone.name_servers)

    def as_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "zone_stack": self.zone_stack,
            "zone": None if self.zone is None else self.zone.as_json(),
            "kept": [z.as_json() for z in self.kept],
            "public_name_servers": (
                None if self.public.name_servers is None else list(self.public.name_servers)
            ),
            "delegated": self.delegated,
            "cannot_tell": self.public.why_not or None,
        }


def _name(text: str) -> str:
    return text.rstrip(".").lower()


def public_name_servers(domain: str, *, timeout: float = 5.0) -> PublicAnswer:
    """The NS records public DNS gives for `domain` (Google's public resolver, over HTTPS)."""
    query = urllib.parse.urlencode({"name": domain, "type": "NS"})
    try:
        with urllib.request.urlopen(f"{PUBLIC_RESOLVER}?{query}", timeout=timeout) as answer:
            data = json.load(answer)
    except (OSError, ValueError) as exc:
        return PublicAnswer(None, f"cannot ask public DNS ({PUBLIC_RESOLVER}): {exc}")
    status = data.get("Status") if isinstance(data, dict) else None
    if status == _NXDOMAIN:
        return PublicAnswer(())
    if status != 0:
        return PublicAnswer(None, f"public DNS answered status {status} for {domain}")
    records = data.get("Answer") or []
    return PublicAnswer(
        tuple(
            sorted(
                _name(str(r.get("data", "")))
                for r in records
                if r.get("type") == _NS and _name(str(r.get("name", ""))) == _name(domain)
            )
        )
    )


def dns_report(
    app: LoadedApp, session: boto3.Session, resolver: Resolver = public_name_servers
) -> DnsReport:
    """The app's public zone in AWS and what public DNS says of its domain."""
    if app.domain is None:
        raise UsageError(
            f"the app has no domain ({app.source.at('domain').path}): it has no public zone"
        )
    deployed = clients(app, session)  # the region, and a check that there are credentials
    with aws_errors():
        route53 = session.client("route53", region_name=deployed.region)
        zone_stack: str | None = None
        zone: Zone | None
        if app.aws.hosted_zone_id is not None:
            zone = _given_zone(route53, app.aws.hosted_zone_id, app.domain)
        else:
            zone_stack = derive.stack_name(app, "zone")
            zone = _stack_zone(deployed, route53, zone_stack)
        kept = tuple(
            z
            for z in _tagged_zones(route53, app.domain, app.slug)
            if zone is None or z.zone_id != zone.zone_id
        )
    public = resolver(app.domain) if zone is not None or kept else PublicAnswer(None)
    return DnsReport(app.domain, zone_stack, zone, kept, public)


def _zone(route53: Any, zone_id: str, origin: str) -> tuple[str, Zone]:
    """The zone's name, and the zone with its name servers."""
    zone_id = zone_id.removeprefix("/hostedzone/")
    try:
        answer = route53.get_hosted_zone(Id=zone_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchHostedZone":
            raise AwsError(f"no hosted zone {zone_id} in the account") from None
        raise
    servers = answer.get("DelegationSet", {}).get("NameServers", [])
    zone = Zone(zone_id, tuple(sorted(_name(s) for s in servers)), origin)
    return str(answer["HostedZone"]["Name"]), zone


def _given_zone(route53: Any, zone_id: str, domain: str) -> Zone:
    name, zone = _zone(route53, zone_id, "hosted-zone-id")
    if _name(name) != _name(domain):
        raise AwsError(f"hosted-zone-id {zone_id} names the zone {_name(name)}, not {domain}")
    return zone


def _stack_zone(deployed: Any, route53: Any, stack: str) -> Zone | None:
    try:
        resources = stack_resources(deployed, stack)
    except NotDeployedError:
        return None
    for resource in resources:
        if resource.type == "AWS::Route53::HostedZone" and resource.physical_id:
            return _zone(route53, resource.physical_id, f"the zone stack {stack}")[1]
    return None


def _tagged_zones(route53: Any, domain: str, slug: str) -> list[Zone]:
    """The public zones named `domain` tagged with the app's slug."""
    name = f"{_name(domain)}."
    found = []
    answer = route53.list_hosted_zones_by_name(DNSName=name)
    for zone in answer["HostedZones"]:
        if zone["Name"] != name or zone.get("Config", {}).get("PrivateZone"):
            continue
        zone_id = zone["Id"].removeprefix("/hostedzone/")
        tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)
        values = {t["Key"]: t["Value"] for t in tags["ResourceTagSet"].get("Tags", [])}
        if values.get(APP_TAG) == slug:
            found.append(_zone(route53, zone_id, "kept from an earlier deploy")[1])
    return found
