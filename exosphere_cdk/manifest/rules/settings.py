"""Rules: the app's services are named once and not like its own stacks; its settings agree."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.constraints import (
    CERTIFICATE_ARN_PATTERN,
    DATA_STACK_PART,
    DEPLOYED_ENV_PATTERN,
    LOCAL,
    MAX_AVAILABILITY_ZONES,
    PRODUCTION,
    RESERVED_ROLES,
    STACK_PARTS,
)


def check(app: LoadedApp) -> list[Problem]:
    return [
        *service_names(app),
        *environment_stacks(app),
        *zone_and_certificate(app),
        *network_and_clusters(app),
    ]


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


def environment_stacks(app: LoadedApp) -> list[Problem]:
    """No stack of the deployed environment named like a stack of another environment of
    the app: production's service `staging-web` and staging's `web` would both be
    `<slug>-staging-web`. The service whose name holds the other environment's is reported.
    """
    mine = derive.deployment_name(app)
    parts = [*derive.stack_parts(app), *(svc.role for svc in app.services)]
    services = {svc.role: svc for svc in app.services}
    problems: list[Problem] = []
    for env in _deployable(app):
        theirs = derive.environment_deployment(app.slug, env)
        names = {f"{theirs}-{part}": part for part in parts}
        for part in parts:
            name = f"{mine}-{part}"
            other = names.get(name)
            if other is None:
                continue
            # the service whose name starts with the longer deployment name's environment
            culprit, where, owner, owned = (
                (part, app.env_name, env, other)
                if len(mine) < len(theirs)
                else (other, env, app.env_name, part)
            )
            problems.append(
                services[culprit].source.fallback.problem(
                    f"service name '{culprit}' makes the stack {name} in environment"
                    f" '{where}', which is also {_stack_of(owned)} of environment '{owner}',"
                    " expected another name (no two environments share a stack)"
                )
            )
    return problems


def _stack_of(part: str) -> str:
    shared = (*STACK_PARTS, DATA_STACK_PART)
    return f"the {part} stack" if part in shared else f"the stack of service '{part}'"


def _deployable(app: LoadedApp) -> list[str]:
    """The app's other environments that could be deployed."""
    return [
        env
        for env in app.environments
        if env not in (app.env_name, LOCAL)
        and (env == PRODUCTION or re.match(DEPLOYED_ENV_PATTERN, env))
    ]


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
