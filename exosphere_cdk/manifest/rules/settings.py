"""Rules: the app's services are named once and not like its own stacks; its settings agree."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.constraints import (
    CERTIFICATE_ARN_PATTERN,
    MAX_AVAILABILITY_ZONES,
    RESERVED_ROLES,
)


def check(app: LoadedApp) -> list[Problem]:
    return [*service_names(app), *zone_and_certificate(app), *network_and_clusters(app)]


def service_names(app: LoadedApp) -> list[Problem]:
    """No service named like a stack of the app's own, or twice."""
    problems: list[Problem] = []
    public = {svc.role for svc in app.public_services}
    for svc in app.services:
        at = svc.source.fallback
        if svc.role in RESERVED_ROLES:
            problems.append(
                at.problem(
                    f"service name '{svc.role}' is reserved for a stack of the app's own, expected"
                    f" another name (not {', '.join(RESERVED_ROLES)})"
                )
            )
        if not svc.public and svc.role in public:
            problems.append(
                at.problem(
                    f"service '{svc.role}' is also a public service, expected each name once"
                )
            )
    return problems


def zone_and_certificate(app: LoadedApp) -> list[Problem]:
    """A hosted zone needs the domain it is for; a certificate must be in the app's region."""
    aws = app.aws
    problems: list[Problem] = []
    if aws.hosted_zone_id is not None and app.domain is None:
        domain = app.source.at("domain").path
        problems.append(
            app.source.at("aws.hosted_zone_id").problem(
                f"a hosted zone id without a domain, expected {domain} (the zone's name) as well"
            )
        )
    certificate = aws.certificate_arn
    if (
        certificate is not None
        and aws.region is not None
        and re.match(CERTIFICATE_ARN_PATTERN, certificate)
    ):
        region = certificate.split(":")[3]
        if region != aws.region:
            problems.append(
                app.source.at("aws.certificate_arn").problem(
                    f"certificate in region '{region}', expected one in "
                    f"'{aws.region}' (the load balancer's region)"
                )
            )
    return problems


def network_and_clusters(app: LoadedApp) -> list[Problem]:
    """At most one NAT gateway per zone; each cluster's max at least its min."""
    aws = app.aws
    problems: list[Problem] = []
    zones = max(aws.availability_zones, 1)
    if zones < aws.nat_gateways <= MAX_AVAILABILITY_ZONES:
        problems.append(
            app.source.at("aws.nat_gateways").problem(
                f"invalid value {aws.nat_gateways}, expected 1 to {zones}"
                " (at most one per availability zone)"
            )
        )
    for cluster, low, high in (
        ("public", aws.public_cluster_min, aws.public_cluster_max),
        ("private", aws.private_cluster_min, aws.private_cluster_max),
    ):
        if low > high:
            problems.append(
                app.source.at(f"aws.{cluster}_cluster_max").problem(
                    f"invalid value {high}, expected at least {cluster}-cluster-min ({low})"
                )
            )
    return problems
