"""An exo-deploy app's manifests as read, in the era's schema classes (before the neutral app)."""

from __future__ import annotations

from pathlib import Path

from attrs import frozen

from exosphere_cdk.manifest.load.exo_deploy.schema import (
    Application,
    Environment,
    Service,
    ServiceRef,
)


@frozen
class WrittenService:
    """A service as its manifests give it (the era's schema), before it is made neutral."""

    role: str
    public: bool
    ref: ServiceRef
    #: service.yml; an empty Service when the app names only a docker_image.
    service: Service
    directory: Path | None


@frozen
class Manifests:
    """An app's manifests as this era's schema holds them (what the loader read)."""

    directory: Path
    application: Application
    env_name: str
    environment: Environment
    #: Every service that could be read, in role order.
    services: tuple[WrittenService, ...]
    slug: str
    exocom_version: str
    #: The key path of the bus's entry (`bus`, `dependencies[0]`).
    bus_path: str
    #: Production's domain, from which another environment's urls are derived.
    production_domain: str | None = None
