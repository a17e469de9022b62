"""Rules: the load balancer routes to each public service by a url and priority of its own."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.design.derive import listener_priority
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import (
    HOSTNAME_PATTERN,
    LISTENER_PRIORITIES,
    PRODUCTION,
)


def check(app: LoadedApp) -> list[Problem]:
    return [
        *private_urls(app),
        *urls(app),
        *ports(app),
        *priorities(app),
        *catch_all(app),
    ]


def private_urls(app: LoadedApp) -> list[Problem]:
    """A url on a private service does nothing: a warning."""
    return [
        svc.source.at("url").problem(
            "ignored: a private service gets no load balancer route", "warning"
        )
        for svc in app.private_services
        if svc.url is not None and svc.directory is not None
    ]


def urls(app: LoadedApp) -> list[Problem]:
    """Each public url inside the app's domain (a warning without one), and used once."""
    problems: list[Problem] = []
    by_url: dict[str, LoadedService] = {}
    for svc in app.public_services:
        url = svc.url
        if url is None:
            continue
        problems += _in_domain(app, svc, url)
        if url in by_url:
            problems.append(
                svc.source.at("url").problem(
                    f"'{url}' is also the url of public service '{by_url[url].role}', "
                    "expected a url of its own"
                )
            )
        else:
            by_url[url] = svc
    return problems


def _in_domain(app: LoadedApp, svc: LoadedService, url: str) -> list[Problem]:
    if not re.match(HOSTNAME_PATTERN, url):
        return []  # reported by the field's own check
    at = svc.source.at("url")
    domain = app.domain
    if domain is None:
        return [
            at.problem(
                f"'{url}' has no domain to live in: no DNS record or certificate is made "
                f"for it (set {app.source.at('domain').path})",
                "warning",
            )
        ]
    if url != domain and not url.endswith("." + domain):
        return [
            at.problem(
                f"'{url}' is outside the app's domain '{domain}', expected '{domain}' "
                f"or a name ending in '.{domain}'{_environment_hint(app, svc)}"
            )
        ]
    return []


def _environment_hint(app: LoadedApp, svc: LoadedService) -> str:
    """Outside production, where a production url that cannot be moved into the
    environment's domain is replaced (design.derive.environment_url)."""
    urls = app.source.at("urls").key(svc.role)
    if app.env_name == PRODUCTION or svc.source.at("url") == urls:
        return ""
    return (
        f" (its production url as written: only a url in production's domain is moved into"
        f" this environment's; set {urls.path} in {urls.file})"
    )


def ports(app: LoadedApp) -> list[Problem]:
    """A public service without a port gets no route: an error with a url, else a warning."""
    problems: list[Problem] = []
    for svc in app.public_services:
        if svc.port is not None:
            continue
        at = svc.source.at("port")
        if svc.directory is None:
            message = (
                "no service.yml, so no production.aws.public-port: the load balancer has no port"
                " to route to"
            )
            problems.append(at.problem(message, "warning"))
        elif svc.url is not None:
            message = f"required key missing, expected the container port that '{svc.url}' is"
            problems.append(at.problem(message + " routed to"))
        else:
            message = "no public-port: the load balancer has no port to route to"
            problems.append(at.problem(message, "warning"))
    return problems


def priorities(app: LoadedApp) -> list[Problem]:
    """Two public services with one listener priority: an error at the second."""
    problems: list[Problem] = []
    by_priority: dict[int, LoadedService] = {}
    low, high = LISTENER_PRIORITIES
    for svc in app.public_services:
        priority = listener_priority(svc)
        other = by_priority.get(priority)
        if other is None or (_implicit_catch_all(svc) and _implicit_catch_all(other)):
            by_priority[priority] = svc
            continue
        problems.append(
            svc.source.at("listener_priority").problem(
                f"listener priority {priority} is already used by public service "
                f"'{other.role}', expected a priority of its own: "
                f"set listener-priority ({low} to {high}) in one of them"
            )
        )
    return problems


def _implicit_catch_all(svc: LoadedService) -> bool:
    """A public service without url nor listener-priority (reported as a catch-all)."""
    return svc.url is None and svc.listener_priority is None


def catch_all(app: LoadedApp) -> list[Problem]:
    """At most one public service without a url: it receives what no url matches."""
    without = [s.role for s in app.public_services if s.url is None]
    if len(without) <= 1:
        return []
    return [
        app.source.at("public_services").problem(
            "more than one public service without production.url ("
            + ", ".join(without)
            + "), expected at most one (it receives every request no url matches)"
        )
    ]
