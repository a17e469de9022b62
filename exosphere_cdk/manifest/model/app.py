"""An app loaded and checked: its deployed environment and its services."""

from __future__ import annotations

from pathlib import Path

from attrs import frozen

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.load.exo_deploy.schema import (
    Application,
    AwsProvider,
    Environment,
    Service,
    ServiceRef,
)


@frozen
class LoadedService:
    """One service of an app, with its role, visibility and folder."""

    role: str
    public: bool
    ref: ServiceRef
    #: service.yml; an empty Service when the app names only a docker_image.
    service: Service
    #: The service folder (absolute), or None when the app gives no `location`.
    directory: Path | None

    @property
    def namespace(self) -> str | None:
        return self.ref.namespace

    @property
    def min_tasks(self) -> int:
        return self.service.production.aws.min_tasks

    @property
    def max_tasks(self) -> int:
        """`max-tasks`, else `min-tasks` (no task-count autoscaling)."""
        aws = self.service.production.aws
        return aws.min_tasks if aws.max_tasks is None else aws.max_tasks


@frozen
class LoadedApp:
    """An application with its deployed environment and services, checked."""

    directory: Path
    application: Application
    env_name: str
    environment: Environment
    #: Every service, sorted by role.
    services: tuple[LoadedService, ...]
    slug: str
    exocom_version: str
    #: Warnings and notices found while loading (errors raise ManifestError instead).
    problems: tuple[Problem, ...] = ()

    @property
    def aws(self) -> AwsProvider:
        return self.environment.providers.aws

    @property
    def exocom(self) -> exocom.ExoComFamily:
        """The family of the app's ExoCom (the newest one while the version is invalid)."""
        return exocom.family(self.exocom_version) or exocom.FAMILIES[-1]

    @property
    def domain(self) -> str | None:
        return self.environment.domain

    @property
    def public_services(self) -> tuple[LoadedService, ...]:
        return tuple(s for s in self.services if s.public)

    @property
    def private_services(self) -> tuple[LoadedService, ...]:
        return tuple(s for s in self.services if not s.public)
