"""Checks of values and of services against each other, on a loaded app.

Per-key types are the converter's job; everything that needs a range, a
pattern, another key or another service is here, so that every problem of a
run is found in one pass and reported with the key it is about.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable

from exosphere_cdk.manifest import (
    rules_capacity,
    rules_images,
    rules_instances,
    rules_quotas,
    rules_services,
)
from exosphere_cdk.manifest.derive import bus_name, listener_priority, service_routes
from exosphere_cdk.manifest.errors import Problem, Severity, display_path
from exosphere_cdk.manifest.model import LoadedApp, LoadedService

#: Service names (roles): DNS labels of at most 32 characters, so that names
#: derived from them (target groups, stacks `<slug>-<role>`) stay within AWS limits.
ROLE_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
#: Names of the app's shared stacks (`<slug>-network`, ...): a service's stack is `<slug>-<role>`.
RESERVED_ROLES = ("dns", "exocom", "network", "platform")
#: An ExoCom namespace: the first segment of a message name (no dots).
NAMESPACE_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$")
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
HOSTED_ZONE_RE = re.compile(r"^Z[A-Z0-9]{1,31}$")
CERTIFICATE_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:acm:(?P<region>[a-z0-9-]+):[0-9]{12}:certificate/[A-Za-z0-9-]+$"
)
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_RE = re.compile(r"^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws(-[a-z]+)*:secretsmanager:\S+)$")
IMAGE_RE = re.compile(r"^[a-z0-9][A-Za-z0-9._/:@-]*$")
MESSAGE_RE = re.compile(r"^\S+$")
#: Environment variables set by the deployment itself.
RESERVED_ENV = ("EXOCOM_HOST", "EXOCOM_PORT", "ROLE", "MONGO", "MONGODB_USER", "MONGODB_PW")
#: The values CloudWatch Logs accepts for a retention in days.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


#: ECS refuses a task definition over 64 KiB; ExoCom's holds SERVICE_ROUTES plus about 2 KB.
ROUTES_MAX_BYTES = 60_000
#: Past this, `validate` warns that the app is growing towards ROUTES_MAX_BYTES.
ROUTES_WARN_BYTES = 48_000


class _Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, path: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(file, path, message, severity))

    def in_range(self, file: str, path: str, *, value: int, low: int, high: int, unit: str) -> None:
        if not low <= value <= high:
            self.add(file, path, f"invalid value {value}, expected {low} to {high}{unit}")


def _service_file(app: LoadedApp, svc: LoadedService) -> str:
    if svc.directory is None:
        return display_path(app.directory / "application.yml")
    return display_path(svc.directory / "service.yml")


def _ref_path(svc: LoadedService) -> str:
    return f"services.{'public' if svc.public else 'private'}.{svc.role}"


def check_app(app: LoadedApp) -> list[Problem]:
    """Every value and cross-service problem of `app` (errors, warnings, notices)."""
    report = _Report()
    _check_application(app, report)
    for svc in app.services:
        _check_service(app, svc, report)
    _check_public(app, report)
    _check_messages(app, report)
    _check_routes_size(app, report)
    report.problems += rules_instances.check(app)
    report.problems += rules_capacity.check(app)
    report.problems += rules_quotas.check(app)
    report.problems += rules_images.check(app)
    report.problems += rules_services.check(app)
    return report.problems


def _check_routes_size(app: LoadedApp, report: _Report) -> None:
    """ExoCom's SERVICE_ROUTES (every service's messages) must fit in its task definition."""
    size = len(json.dumps(service_routes(app), separators=(",", ":")))
    if size <= ROUTES_WARN_BYTES:
        return
    file = display_path(app.directory / "application.yml")
    message = (
        f"ExoCom's SERVICE_ROUTES would be {size} bytes, expected at most {ROUTES_MAX_BYTES}"
        " (ECS refuses a task definition over 64 KiB): fewer services or messages per app"
    )
    report.add(file, "services", message, "error" if size > ROUTES_MAX_BYTES else "warning")


# ---------------------------------------------------------------- application.yml


def _check_application(app: LoadedApp, report: _Report) -> None:
    file = display_path(app.directory / "application.yml")
    declared = app.application.services
    if not declared.public and not declared.private:
        report.add(file, "services", "no services, expected at least one under public or private")
    for visibility, refs in (("public", declared.public), ("private", declared.private)):
        for role, ref in refs.items():
            path = f"services.{visibility}.{role}"
            if not ROLE_RE.match(role):
                report.add(
                    file,
                    path,
                    f"invalid service name '{role}', expected a DNS label: lowercase "
                    "letters, digits and '-', at most 32 characters, not starting or "
                    "ending with '-'",
                )
            elif role in RESERVED_ROLES:
                report.add(
                    file,
                    path,
                    f"service name '{role}' is reserved for a stack of the app's own, expected"
                    f" another name (not {', '.join(RESERVED_ROLES)})",
                )
            if visibility == "private" and role in declared.public:
                report.add(
                    file,
                    path,
                    f"service '{role}' is also a public service, expected each name once",
                )
            if ref.namespace is not None and not NAMESPACE_RE.match(ref.namespace):
                report.add(
                    file,
                    f"{path}.namespace",
                    f"invalid namespace '{ref.namespace}', expected a message prefix: "
                    "letters, digits, '-' and '_', without dots",
                )
            if ref.docker_image is not None and not IMAGE_RE.match(ref.docker_image):
                report.add(
                    file,
                    f"{path}.docker_image",
                    f"invalid image '{ref.docker_image}', expected an image name like "
                    "'originate/exocom:0.21.8'",
                )

    env = f"environments.{app.env_name}"
    aws_path = f"{env}.providers.aws"
    aws = app.aws
    if app.domain is not None and not HOSTNAME_RE.match(app.domain):
        report.add(
            file,
            f"{env}.domain",
            f"invalid domain '{app.domain}', expected a lowercase DNS name like 'example.com'",
        )
    if aws.region is not None and not REGION_RE.match(aws.region):
        report.add(
            file,
            f"{aws_path}.region",
            f"invalid region '{aws.region}', expected an AWS region like 'us-west-2'",
        )
    if aws.account is not None and not ACCOUNT_RE.match(aws.account):
        report.add(
            file,
            f"{aws_path}.account",
            f"invalid account '{aws.account}', expected a 12-digit AWS account id",
        )
    if aws.hosted_zone_id is not None:
        if not HOSTED_ZONE_RE.match(aws.hosted_zone_id):
            report.add(
                file,
                f"{aws_path}.hosted-zone-id",
                f"invalid hosted zone id '{aws.hosted_zone_id}', expected an id like "
                "'Z0123456789ABCDEFGHIJ'",
            )
        if app.domain is None:
            report.add(
                file,
                f"{aws_path}.hosted-zone-id",
                f"a hosted zone id without a domain, expected {env}.domain "
                "(the zone's name) as well",
            )
    if aws.certificate_arn is not None:
        match = CERTIFICATE_RE.match(aws.certificate_arn)
        if match is None:
            report.add(
                file,
                f"{aws_path}.certificate-arn",
                f"invalid certificate ARN '{aws.certificate_arn}', expected "
                "'arn:aws:acm:<region>:<account>:certificate/<id>'",
            )
        elif aws.region is not None and match["region"] != aws.region:
            report.add(
                file,
                f"{aws_path}.certificate-arn",
                f"certificate in region '{match['region']}', expected one in "
                f"'{aws.region}' (the load balancer's region)",
            )
    report.in_range(
        file, f"{aws_path}.availability-zones", value=aws.availability_zones, low=2, high=6, unit=""
    )
    report.in_range(
        file,
        f"{aws_path}.nat-gateways",
        value=aws.nat_gateways,
        low=1,
        high=max(aws.availability_zones, 1),
        unit=" (at most one per availability zone)",
    )
    for cluster, low, high in (
        ("public", aws.public_cluster_min, aws.public_cluster_max),
        ("private", aws.private_cluster_min, aws.private_cluster_max),
    ):
        report.in_range(
            file, f"{aws_path}.{cluster}-cluster-min", value=low, low=0, high=100, unit=""
        )
        report.in_range(
            file, f"{aws_path}.{cluster}-cluster-max", value=high, low=1, high=100, unit=""
        )
        if low > high:
            report.add(
                file,
                f"{aws_path}.{cluster}-cluster-max",
                f"invalid value {high}, expected at least {cluster}-cluster-min ({low})",
            )
    if aws.log_retention_days not in LOG_RETENTION_DAYS:
        report.add(
            file,
            f"{aws_path}.log-retention-days",
            f"invalid value {aws.log_retention_days}, expected one of CloudWatch's: "
            + ", ".join(map(str, LOG_RETENTION_DAYS)),
        )


# ---------------------------------------------------------------- service.yml


def _check_service(app: LoadedApp, svc: LoadedService, report: _Report) -> None:
    if svc.directory is None:
        return  # a docker_image-only service: nothing but defaults
    file = _service_file(app, svc)
    service = svc.service
    aws = service.production.aws
    if (
        not (svc.directory / "Dockerfile").is_file()
        and not svc.ref.docker_image
        and not (service.author and service.type)
    ):
        report.add(
            file,
            "author" if not service.author else "type",
            "cannot tell which image to run, expected a Dockerfile in the service folder, "
            f"docker_image in {_ref_path(svc)} of application.yml, or author and type here",
        )
    report.in_range(
        file,
        "production.aws.cpu",
        value=aws.cpu,
        low=1,
        high=16384,
        unit=" CPU units (1024 = 1 vCPU)",
    )
    report.in_range(
        file, "production.aws.memory", value=aws.memory, low=6, high=122880, unit=" MiB"
    )
    if aws.public_port is not None:
        report.in_range(
            file, "production.aws.public-port", value=aws.public_port, low=1, high=65535, unit=""
        )
    report.in_range(
        file, "production.aws.min-tasks", value=aws.min_tasks, low=1, high=1000, unit=""
    )
    report.in_range(
        file, "production.aws.max-tasks", value=aws.max_tasks, low=1, high=1000, unit=""
    )
    if aws.min_tasks > aws.max_tasks:
        report.add(
            file,
            "production.aws.max-tasks",
            f"invalid value {aws.max_tasks}, expected at least min-tasks ({aws.min_tasks})",
        )
    report.in_range(
        file, "production.aws.cpu-target", value=aws.cpu_target, low=1, high=100, unit=" percent"
    )
    if aws.listener_priority is not None:
        report.in_range(
            file,
            "production.aws.listener-priority",
            value=aws.listener_priority,
            low=1,
            high=50000,
            unit="",
        )
    if not aws.health_check_path.startswith("/"):
        report.add(
            file,
            "production.aws.health-check-path",
            f"invalid value '{aws.health_check_path}', expected a path starting with '/'",
        )
    if not aws.essential:
        report.add(
            file,
            "production.aws.essential",
            "ignored: a service's only container is always essential",
            "notice",
        )
    _check_environment(file, svc, report)
    mongo = service.dependencies.get("mongo")
    if mongo is not None and mongo.secret is not None and not SECRET_RE.match(mongo.secret):
        report.add(
            file,
            "dependencies.mongo.secret",
            f"invalid secret name '{mongo.secret}', expected a Secrets Manager name or ARN",
        )
    if not svc.public and service.production.url is not None:
        report.add(
            file,
            "production.url",
            "ignored: a private service gets no load balancer route",
            "warning",
        )
    for kind, names in (("sends", service.messages.sends), ("receives", service.messages.receives)):
        for index, name in enumerate(names):
            if not MESSAGE_RE.match(name):
                report.add(
                    file,
                    f"messages.{kind}[{index}]",
                    f"invalid message name '{name}', expected a name without spaces",
                )


def _check_environment(file: str, svc: LoadedService, report: _Report) -> None:
    production = svc.service.production
    for section, names in (
        ("environment", production.environment.keys()),
        ("secrets", production.secrets.keys()),
    ):
        for name in names:
            path = f"production.{section}.{name}"
            if not ENV_NAME_RE.match(name):
                report.add(
                    file,
                    path,
                    f"invalid variable name '{name}', expected letters, digits and '_', "
                    "not starting with a digit",
                )
            elif name in RESERVED_ENV:
                report.add(
                    file,
                    path,
                    f"'{name}' is set by the deployment, expected another name "
                    f"(reserved: {', '.join(RESERVED_ENV)})",
                )
            elif section == "secrets" and name in production.environment:
                report.add(
                    file,
                    path,
                    f"'{name}' is also in production.environment, expected it in one of them",
                )
    for name, secret in production.secrets.items():
        if not SECRET_RE.match(secret.name):
            report.add(
                file,
                f"production.secrets.{name}",
                f"invalid secret name '{secret.name}', expected a Secrets Manager name or ARN",
            )
        if secret.json_key is not None and not secret.json_key:
            report.add(
                file,
                f"production.secrets.{name}.json-key",
                "invalid value '', expected a key of the secret's JSON",
            )


# ---------------------------------------------------------------- public services


def _check_public(app: LoadedApp, report: _Report) -> None:
    by_url: dict[str, LoadedService] = {}
    catch_all: list[LoadedService] = []
    by_priority: dict[int, LoadedService] = {}
    for svc in app.public_services:
        file = _service_file(app, svc)
        production = svc.service.production
        url = production.url
        if url is None:
            catch_all.append(svc)
        else:
            _check_url(app, svc, url, file, report)
            if url in by_url:
                report.add(
                    file,
                    "production.url",
                    f"'{url}' is also the url of public service '{by_url[url].role}', "
                    "expected a url of its own",
                )
            else:
                by_url[url] = svc
        if production.aws.public_port is None:
            if svc.directory is None:
                report.add(
                    file,
                    _ref_path(svc),
                    "no service.yml, so no production.aws.public-port: the load balancer "
                    "has no port to route to",
                    "warning",
                )
            elif url is not None:
                report.add(
                    file,
                    "production.aws.public-port",
                    f"required key missing, expected the container port that '{url}' is routed to",
                )
            else:
                report.add(
                    file,
                    "production.aws.public-port",
                    "no public-port: the load balancer has no port to route to",
                    "warning",
                )
        priority = listener_priority(svc)
        other = by_priority.get(priority)
        if other is not None and not (_implicit_catch_all(svc) and _implicit_catch_all(other)):
            report.add(
                file,
                "production.aws.listener-priority" if svc.directory else _ref_path(svc),
                f"listener priority {priority} is already used by public service "
                f"'{other.role}', expected a priority of its own: "
                "set listener-priority (1 to 50000) in one of them",
            )
        else:
            by_priority[priority] = svc
    if len(catch_all) > 1:
        report.add(
            display_path(app.directory / "application.yml"),
            "services.public",
            "more than one public service without production.url ("
            + ", ".join(s.role for s in catch_all)
            + "), expected at most one (it receives every request no url matches)",
        )


def _implicit_catch_all(svc: LoadedService) -> bool:
    """A public service without url nor listener-priority (reported as a catch-all)."""
    production = svc.service.production
    return production.url is None and production.aws.listener_priority is None


def _check_url(app: LoadedApp, svc: LoadedService, url: str, file: str, report: _Report) -> None:
    if not HOSTNAME_RE.match(url):
        report.add(
            file,
            "production.url",
            f"invalid url '{url}', expected a lowercase host name like 'www.example.com' "
            "(no scheme, no path)",
        )
        return
    domain = app.domain
    if domain is None:
        report.add(
            file,
            "production.url",
            f"'{url}' has no domain to live in: no DNS record or certificate is made "
            f"for it (set environments.{app.env_name}.domain)",
            "warning",
        )
    elif url != domain and not url.endswith("." + domain):
        report.add(
            file,
            "production.url",
            f"'{url}' is outside the app's domain '{domain}', expected '{domain}' "
            f"or a name ending in '.{domain}'",
        )


# ---------------------------------------------------------------- messages


def _check_messages(app: LoadedApp, report: _Report) -> None:
    sent: dict[str, list[str]] = defaultdict(list)
    received: dict[str, list[str]] = defaultdict(list)
    for svc in app.services:
        for name in svc.service.messages.sends:
            sent[bus_name(svc.role, svc.namespace, name)].append(svc.role)
        for name in svc.service.messages.receives:
            received[bus_name(svc.role, svc.namespace, name)].append(svc.role)
    for svc in app.services:
        file = _service_file(app, svc)
        messages = svc.service.messages
        _unmatched(
            svc,
            file=file,
            kind="sends",
            names=messages.sends,
            other_side=received,
            what="no service receives it",
            report=report,
        )
        _unmatched(
            svc,
            file=file,
            kind="receives",
            names=messages.receives,
            other_side=sent,
            what="no service sends it",
            report=report,
        )


def _unmatched(
    svc: LoadedService,
    *,
    file: str,
    kind: str,
    names: Iterable[str],
    other_side: dict[str, list[str]],
    what: str,
    report: _Report,
) -> None:
    for index, name in enumerate(names):
        on_bus = bus_name(svc.role, svc.namespace, name)
        if on_bus in other_side:
            continue
        shown = f"'{name}'" if on_bus == name else f"'{name}' (on the bus '{on_bus}')"
        report.add(file, f"messages.{kind}[{index}]", f"{shown}: {what}", "warning")
