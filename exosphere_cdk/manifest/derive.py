"""Values derived from a loaded app, shared by the checks and the stacks (no aws_cdk here)."""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from attrs import frozen

from exosphere_cdk.manifest.model import LoadedApp, LoadedService

#: Longest stack name prefix: leaves room for `-<role>` suffixes within CloudFormation's 128.
SLUG_MAX = 40
#: Listener rule priority of the public service without `url` (the load balancer's catch-all).
CATCH_ALL_PRIORITY = 50000
#: Derived priorities fall in 1..DERIVED_PRIORITIES.
DERIVED_PRIORITIES = 40000
DEFAULT_INSTANCE_TYPE = "t3.small"
DEFAULT_EXOCOM_INSTANCE_TYPE = "t3.micro"


def bus_name(role: str, namespace: str | None, message: str) -> str:
    """The name of `message` on the bus, after ExoCom's namespace translation.

    A service with namespace `ns` writes `ns.x` in its service.yml; ExoCom
    carries it as `<role>.x`. Other names are unchanged.
    """
    if namespace:
        prefix, dot, rest = message.partition(".")
        if dot and prefix == namespace:
            return f"{role}.{rest}"
    return message


def service_routes(app: LoadedApp) -> list[dict[str, object]]:
    """ExoCom's SERVICE_ROUTES: one entry per service in role order, messages as written."""
    routes: list[dict[str, object]] = []
    for svc in app.services:
        route: dict[str, object] = {
            "role": svc.role,
            "receives": list(svc.service.messages.receives),
            "sends": list(svc.service.messages.sends),
        }
        if svc.namespace:
            route["namespace"] = svc.namespace
        routes.append(route)
    return routes


@frozen
class ImageSource:
    """Where a service's image comes from."""

    #: `asset`: built from a Dockerfile at deploy; `registry`: pulled by name.
    kind: Literal["asset", "registry"]
    #: asset: absolute folder holding the Dockerfile; registry: the image name.
    value: str


def dashify(text: str) -> str:
    """Lowercase, every character that is not a letter or digit replaced by '-'."""
    return re.sub(r"[^a-z0-9]", "-", text.lower())


def image_source(svc: LoadedService) -> ImageSource:
    """A Dockerfile in the service folder, else `docker_image`, else `<author>/<type>`.

    The checks report a service for which none of the three exists; for such
    a service this returns the registry name `/` (never reached after a load).
    """
    if svc.directory is not None and (svc.directory / "Dockerfile").is_file():
        return ImageSource("asset", str(svc.directory))
    if svc.ref.docker_image:
        return ImageSource("registry", svc.ref.docker_image)
    author = dashify(svc.service.author or "")
    type_ = dashify(svc.service.type or "")
    return ImageSource("registry", f"{author}/{type_}")


def container_command(svc: LoadedService) -> list[str] | None:
    """`startup.command` split on spaces; None when absent (the image's own command runs)."""
    command = svc.service.startup.command
    if not command or not command.split():
        return None
    return command.split()


def derived_priority(role: str) -> int:
    """A listener rule priority from the role alone (1..40000), stable as services come and go."""
    return int(hashlib.sha256(role.encode()).hexdigest(), 16) % DERIVED_PRIORITIES + 1


def listener_priority(svc: LoadedService) -> int:
    """`production.aws.listener-priority`, else 50000 for the catch-all, else from the role."""
    explicit = svc.service.production.aws.listener_priority
    if explicit is not None:
        return explicit
    if svc.public and not svc.service.production.url:
        return CATCH_ALL_PRIORITY
    return derived_priority(svc.role)


def mongo_secret_name(app: LoadedApp, svc: LoadedService) -> str | None:
    """The Secrets Manager secret holding MONGODB_USER/MONGODB_PW, for services using mongo."""
    mongo = svc.service.dependencies.get("mongo")
    if mongo is None:
        return None
    return mongo.secret or f"{app.slug}/mongo"


def instance_type(app: LoadedApp, public: bool) -> str:
    """The EC2 instance type of the public or private cluster (default t3.small)."""
    size = app.aws.public_cluster_size if public else app.aws.private_cluster_size
    return size or DEFAULT_INSTANCE_TYPE


def exocom_instance_type(app: LoadedApp) -> str:
    """The EC2 instance type of ExoCom's host (default t3.micro)."""
    return app.aws.exocom_cluster_size or DEFAULT_EXOCOM_INSTANCE_TYPE


def derive_slug(name: str) -> str:
    """A stack name prefix from the app's free-text name; "" when none can be made.

    CamelCase is split ("SpaceTweet" -> "space-tweet"), every run of other
    characters becomes one '-', the result is lowercased, trimmed of '-' and cut
    to 40 characters at a '-' when it is longer.
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_MAX]
        slug = slug[:SLUG_MAX].strip("-")
    return slug
