"""Rules: each key's value, the public services' URLs, the messages, the routes' size.

Per-key types are the converter's job; everything that needs a range, a
pattern, another key or another service is here, so that every problem of a
run is found in one pass and reported with the key it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.design.derive import bus_messages, bus_name, listener_priority, routes
from exosphere_cdk.manifest.errors import Problem, Severity, display_path
from exosphere_cdk.manifest.load.converter import describe
from exosphere_cdk.manifest.load.exo_deploy.schema import AwsService
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import RESERVED_ENV, RESERVED_ROLES
from exosphere_cdk.manifest.model.spec import KEY, SPEC, Spec, spec_of
from exosphere_cdk.manifest.rules.base import messages_path, ref_path, service_file
from exosphere_cdk.manifest.rules.message_hints import MessageHints

#: ECS refuses a task definition over 64 KiB; ExoCom's holds SERVICE_ROUTES plus about 2 KB.
ROUTES_MAX_BYTES = 60_000
#: Past this, `validate` warns that the app is growing towards ROUTES_MAX_BYTES.
ROUTES_WARN_BYTES = 48_000


class _Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, path: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(file, path, message, severity))

    def fields(self, file: str, path: str, obj: Any) -> None:
        """The single-value constraints of `obj` and of everything in it (the model's Specs)."""
        for a in attrs.fields(type(obj)):
            value = getattr(obj, a.name)
            at = f"{path}.{a.metadata.get(KEY, a.name)}" if path else a.metadata.get(KEY, a.name)
            spec: Spec | None = a.metadata.get(SPEC)
            if spec is not None:
                self.value(file, path if spec.shorthand else at, spec, value)
            if attrs.has(type(value)):
                self.fields(file, at, value)
            elif isinstance(value, Mapping):
                for name, item in value.items():
                    if attrs.has(type(item)):
                        self.fields(file, f"{at}.{name}", item)

    def value(self, file: str, path: str, spec: Spec, value: object) -> None:
        if isinstance(value, tuple):
            for index, item in enumerate(value):
                self.value(file, f"{path}[{index}]", spec, item)
        elif isinstance(value, Mapping):
            if spec.names is not None:
                for name in value:
                    self.value(file, f"{path}.{name}", spec.names, name)
        else:
            message = value_problem(spec, value)
            if message is not None:
                self.add(file, path, message)


def value_problem(spec: Spec, value: object) -> str | None:
    """What is wrong with one value under `spec`, as a message; None when nothing is."""
    if spec.accepts(value):
        return None
    if spec.enum is None and spec.pattern is None:
        unit = f" {spec.unit}" if spec.unit else ""
        return f"invalid value {value}, expected {spec.minimum} to {spec.maximum}{unit}"
    expected = spec.expected or "one of: " + ", ".join(map(str, spec.enum or ()))
    return f"invalid {spec.noun} {describe(value)}, expected {expected}"


def _range(cl: type, name: str) -> str:
    spec = spec_of(cl, name)
    return f"{spec.minimum} to {spec.maximum}"


def check(app: LoadedApp) -> list[Problem]:
    """Every key's value (the model's specs), and the services against each other."""
    report = _Report()
    _check_application(app, report)
    for svc in app.services:
        _check_service(app, svc, report)
    _check_public(app, report)
    _check_messages(app, report)
    _check_routes_size(app, report)
    return report.problems


def _check_routes_size(app: LoadedApp, report: _Report) -> None:
    """ExoCom's SERVICE_ROUTES (every service's messages) must fit in its task definition."""
    size = len(exocom.routes_json(app.exocom, routes(app)))
    if size <= ROUTES_WARN_BYTES:
        return
    file = display_path(app.directory / "application.yml")
    message = (
        f"ExoCom's {app.exocom.routes_variable} would be {size} bytes, expected at most"
        f" {ROUTES_MAX_BYTES}"
        " (ECS refuses a task definition over 64 KiB): fewer services or messages per app"
    )
    report.add(file, "services", message, "error" if size > ROUTES_MAX_BYTES else "warning")


# ---------------------------------------------------------------- application.yml


def _check_application(app: LoadedApp, report: _Report) -> None:
    file = display_path(app.directory / "application.yml")
    declared = app.application.services
    env = f"environments.{app.env_name}"
    report.fields(file, "services", declared)
    report.fields(file, env, app.environment)
    if not declared.public and not declared.private:
        report.add(file, "services", "no services, expected at least one under public or private")
    for visibility, refs in (("public", declared.public), ("private", declared.private)):
        for role in refs:
            path = f"services.{visibility}.{role}"
            if role in RESERVED_ROLES:
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

    aws_path = f"{env}.providers.aws"
    aws = app.aws
    if aws.hosted_zone_id is not None and app.domain is None:
        report.add(
            file,
            f"{aws_path}.hosted-zone-id",
            f"a hosted zone id without a domain, expected {env}.domain (the zone's name) as well",
        )
    certificate = aws.certificate_arn
    if certificate is not None and aws.region is not None and _accepts(aws, "certificate_arn"):
        region = certificate.split(":")[3]
        if region != aws.region:
            report.add(
                file,
                f"{aws_path}.certificate-arn",
                f"certificate in region '{region}', expected one in "
                f"'{aws.region}' (the load balancer's region)",
            )
    if _accepts(aws, "nat_gateways") and aws.nat_gateways > max(aws.availability_zones, 1):
        report.add(
            file,
            f"{aws_path}.nat-gateways",
            f"invalid value {aws.nat_gateways}, expected 1 to {max(aws.availability_zones, 1)}"
            " (at most one per availability zone)",
        )
    for cluster, low, high in (
        ("public", aws.public_cluster_min, aws.public_cluster_max),
        ("private", aws.private_cluster_min, aws.private_cluster_max),
    ):
        if low > high:
            report.add(
                file,
                f"{aws_path}.{cluster}-cluster-max",
                f"invalid value {high}, expected at least {cluster}-cluster-min ({low})",
            )


def _accepts(obj: object, name: str) -> bool:
    """Whether field `name` of `obj` meets its own constraint (reported apart when not)."""
    return spec_of(type(obj), name).accepts(getattr(obj, name))


# ---------------------------------------------------------------- service.yml


def _check_service(app: LoadedApp, svc: LoadedService, report: _Report) -> None:
    if svc.directory is None:
        return  # a docker_image-only service: nothing but defaults
    file = service_file(app, svc)
    service = svc.service
    aws = service.production.aws
    report.fields(file, "", service)
    if (
        not (svc.directory / "Dockerfile").is_file()
        and not svc.ref.docker_image
        and not (service.author and service.type)
    ):
        report.add(
            file,
            "author" if not service.author else "type",
            "cannot tell which image to run, expected a Dockerfile in the service folder, "
            f"docker_image in {ref_path(svc)} of application.yml, or author and type here",
        )
    if aws.max_tasks is not None and aws.min_tasks > aws.max_tasks:
        report.add(
            file,
            "production.aws.max-tasks",
            f"invalid value {aws.max_tasks}, expected at least min-tasks ({aws.min_tasks})",
        )
    if not aws.essential:
        report.add(
            file,
            "production.aws.essential",
            "ignored: a service's only container is always essential",
            "notice",
        )
    _check_environment(file, svc, report)
    if not svc.public and service.production.url is not None:
        report.add(
            file,
            "production.url",
            "ignored: a private service gets no load balancer route",
            "warning",
        )


def _check_environment(file: str, svc: LoadedService, report: _Report) -> None:
    production = svc.service.production
    for section, names in (
        ("environment", production.environment.keys()),
        ("secrets", production.secrets.keys()),
    ):
        for name in names:
            path = f"production.{section}.{name}"
            if name in RESERVED_ENV:
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


# ---------------------------------------------------------------- public services


def _check_public(app: LoadedApp, report: _Report) -> None:
    by_url: dict[str, LoadedService] = {}
    catch_all: list[LoadedService] = []
    by_priority: dict[int, LoadedService] = {}
    for svc in app.public_services:
        file = service_file(app, svc)
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
                    ref_path(svc),
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
                "production.aws.listener-priority" if svc.directory else ref_path(svc),
                f"listener priority {priority} is already used by public service "
                f"'{other.role}', expected a priority of its own: "
                f"set listener-priority ({_range(AwsService, 'listener_priority')}) in one of them",
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
    if not _accepts(svc.service.production, "url"):
        return  # reported by the field's own check
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
    on_bus = bus_messages(app)
    hints = MessageHints(app)
    for svc in app.services:
        file = service_file(app, svc)
        messages = svc.service.messages
        _unmatched(
            app,
            svc,
            file=file,
            kind="sends",
            names=messages.sends,
            other_side=on_bus.receivers,
            what="no service receives it",
            report=report,
            hints=hints,
        )
        _unmatched(
            app,
            svc,
            file=file,
            kind="receives",
            names=messages.receives,
            other_side=on_bus.senders,
            what="no service sends it",
            report=report,
            hints=hints,
        )


def _unmatched(
    app: LoadedApp,
    svc: LoadedService,
    *,
    file: str,
    kind: Literal["sends", "receives"],
    names: Iterable[str],
    other_side: Mapping[str, tuple[str, ...]],
    what: str,
    report: _Report,
    hints: MessageHints,
) -> None:
    for index, name in enumerate(names):
        on_bus = bus_name(app, svc, name, kind)
        if on_bus in other_side:
            continue
        shown = f"'{name}'" if on_bus == name else f"'{name}' (on the bus '{on_bus}')"
        hint = hints.hint(svc, kind, on_bus, other_side, translated=on_bus != name)
        report.add(
            file, f"{messages_path(svc)}.{kind}[{index}]", f"{shown}: {what}{hint}", "warning"
        )
