"""Rules: AWS quotas and name limits known offline, each an error naming the quota and the fix.

- an Application Load Balancer holds 100 target groups (a hard limit): one per
  public service with a public-port;
- a listener holds 100 rules by default (a quota that can be raised): an error
  above 100, a warning from 80;
- a listener holds 25 certificates: the app's, plus one per URL more than one
  level below the domain (constructs' PublicRoute issues it);
- an ECS task definition is at most 64 KiB: a service's container definition,
  estimated conservatively from its environment, secrets and command;
- a CloudFormation stack description is at most 1024 bytes;
- every AWS name built from the slug and the roles fits its limit;
- a load balancer's health check path is at most 1024 characters, an ECS
  container's image name at most 255.
"""

from __future__ import annotations

import json

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import design, service_environment, service_secrets
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService

TARGET_GROUPS_PER_ALB = 100
RULES_PER_LISTENER = 100
RULES_WARN = 80
CERTIFICATES_PER_LISTENER = 25
TASK_DEFINITION_BYTES = 65_536
#: What a container definition holds besides environment, secrets and command
#: (image, logging, port mappings, health check, limits): a generous estimate.
CONTAINER_OVERHEAD_BYTES = 2_048
#: A secret's `valueFrom` ARN besides its name (partition, region, account, suffix, JSON key form).
SECRET_ARN_OVERHEAD_BYTES = 96
STACK_DESCRIPTION_BYTES = 1_024
#: An ELBv2 target group's HealthCheckPath.
HEALTH_CHECK_PATH_CHARS = 1_024
#: An ECS container definition's `image` (repository, tag and digest).
IMAGE_NAME_CHARS = 255


def check(app: LoadedApp) -> list[Problem]:
    return [
        *load_balancer_quotas(app),
        *task_definition_sizes(app),
        *stack_descriptions(app),
        *derived_names(app),
        *value_lengths(app),
    ]


def _routed(app: LoadedApp) -> list[LoadedService]:
    """Public services with a public-port: each gets a target group and a listener rule."""
    return [s for s in app.public_services if s.port is not None]


def _own_certificate(app: LoadedApp, svc: LoadedService) -> bool:
    """Whether the service's URL needs a certificate of its own (see PublicRoute)."""
    url = svc.url
    if url is None or app.domain is None or app.aws.certificate_arn is not None:
        return False
    if url == app.domain:
        return False
    prefix, _, rest = url.partition(".")
    return not (rest == app.domain and prefix)


def load_balancer_quotas(app: LoadedApp) -> list[Problem]:
    routed = _routed(app)
    count = len(routed)
    at = app.source.at("public_services")
    problems: list[Problem] = []
    if count > TARGET_GROUPS_PER_ALB:
        problems.append(
            at.problem(
                f"{count} public services with a public-port need {count} target groups,"
                f" an Application Load Balancer holds at most {TARGET_GROUPS_PER_ALB} (a hard"
                " limit): split the app, or make some services private",
            )
        )
    if count > RULES_PER_LISTENER:
        problems.append(
            at.problem(
                f"{count} listener rules (one per public service with a public-port), a"
                f" listener holds {RULES_PER_LISTENER} by default: request a quota increase"
                " of 'Rules per Application Load Balancer' (Service Quotas, Elastic Load"
                " Balancing) before deploying",
            )
        )
    elif count >= RULES_WARN:
        problems.append(
            at.problem(
                f"{count} listener rules (one per public service with a public-port), a"
                f" listener holds {RULES_PER_LISTENER} by default: consider requesting a"
                " quota increase of 'Rules per Application Load Balancer'",
                "warning",
            )
        )
    own = [s.role for s in routed if _own_certificate(app, s)]
    certificates = 1 + len(own) if app.domain is not None else 0
    if certificates > CERTIFICATES_PER_LISTENER:
        problems.append(
            at.problem(
                f"{certificates} certificates on the HTTPS listener (the app's, and one each"
                f" for the URLs more than one level below {app.domain}: {len(own)}), a"
                f" listener holds at most {CERTIFICATES_PER_LISTENER}: move URLs one level"
                f" below {app.domain} (covered by *.{app.domain}) or give certificate-arn"
                " a certificate that covers them",
            )
        )
    return problems


def container_definition_bytes(app: LoadedApp, svc: LoadedService) -> int:
    """A conservative estimate of the service's container definition in its task definition."""
    env = service_environment(app, svc)
    secrets = {
        name: f"{ref.name}:{ref.json_key or ''}::"
        for name, ref in service_secrets(app, svc).items()
    }
    command = svc.command or ""
    size = CONTAINER_OVERHEAD_BYTES + len(command.encode()) * 2
    size += len(json.dumps([{"name": k, "value": v} for k, v in env.items()]).encode())
    size += len(json.dumps([{"name": k, "valueFrom": v} for k, v in secrets.items()]).encode())
    return size + SECRET_ARN_OVERHEAD_BYTES * len(secrets)


def task_definition_sizes(app: LoadedApp) -> list[Problem]:
    problems: list[Problem] = []
    for svc in app.services:
        size = container_definition_bytes(app, svc)
        if size > TASK_DEFINITION_BYTES:
            problems.append(
                svc.source.at("production").problem(
                    f"the task definition would be about {size} bytes (environment, secrets"
                    f" and command), ECS takes at most {TASK_DEFINITION_BYTES} (64 KiB): move"
                    " values into fewer variables or into a secret's JSON",
                )
            )
    return problems


def stack_descriptions(app: LoadedApp) -> list[Problem]:
    """The stacks' descriptions (the design's) within 1024 bytes."""
    plan = design(app)
    specs = [
        plan.network,
        plan.zone,
        plan.dns,
        plan.platform,
        plan.exocom,
        plan.monitoring,
        *plan.services,
    ]
    longest = max(len(spec.description.encode()) for spec in specs if spec is not None)
    if longest <= STACK_DESCRIPTION_BYTES:
        return []
    return [
        app.source.at("name").problem(
            f"the name starts every stack's description, the longest would be {longest}"
            f" bytes, CloudFormation takes at most {STACK_DESCRIPTION_BYTES}: a shorter name",
        )
    ]


def derived_names(app: LoadedApp) -> list[Problem]:
    """Names the stacks give AWS resources from the slug and the roles, against their limits."""
    names: list[tuple[str, str, int]] = [
        ("stack name", name, 128) for name in derive.stack_names(app)
    ]
    names += [
        ("Cloud Map namespace", derive.private_zone(app), 253),
        ("KMS alias", f"alias/exosphere/{app.slug}", 256),
        ("log group name prefix", f"{app.slug}-", 512),
    ]
    return [
        app.source.at("slug").problem(
            f"{what} '{value}' is {len(value)} characters, AWS takes at most {limit}:"
            " a shorter slug or service name",
        )
        for what, value, limit in names
        if len(value) > limit
    ]


def value_lengths(app: LoadedApp) -> list[Problem]:
    """Manifest values AWS takes whole, against their limits: health check paths, image names."""
    problems: list[Problem] = []
    for svc in app.services:
        path = svc.health_check_path
        if svc.public and len(path) > HEALTH_CHECK_PATH_CHARS:
            problems.append(
                svc.source.at("health_check_path").problem(
                    f"a path of {len(path):,} characters, a load balancer's health check"
                    f" takes at most {HEALTH_CHECK_PATH_CHARS:,}: a shorter path",
                )
            )
        source = svc.image
        if source.kind == "registry" and len(source.value) > IMAGE_NAME_CHARS:
            problems.append(
                svc.source.at("image").problem(
                    f"the image name '{source.value[:40]}…' is {len(source.value):,}"
                    f" characters, ECS takes at most {IMAGE_NAME_CHARS}: a shorter name",
                )
            )
    return problems
