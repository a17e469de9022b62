"""Frozen attrs classes mirroring application.yml and service.yml (no aws_cdk here)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from exosphere_cdk.manifest.errors import Problem

#: attrs metadata key naming the YAML key of a field when it is not the field's name.
KEY = "yaml_key"


def key(name: str, **kwargs: Any) -> Any:
    """An attrs field read from the YAML key `name` (e.g. a dashed key)."""
    return field(metadata={KEY: name}, **kwargs)


# ---------------------------------------------------------------- application.yml


@frozen
class Bus:
    """`bus:` (Exosphere 0.21) or an entry of `dependencies:` (Exosphere 0.22)."""

    type: str
    version: str


@frozen
class AwsProvider:
    """`environments.<env>.providers.aws`."""

    region: str | None = None
    public_cluster_size: str | None = key("public-cluster-size", default=None)
    private_cluster_size: str | None = key("private-cluster-size", default=None)
    #: exo-deploy's Terraform state bucket: no meaning under CloudFormation (a notice).
    remote_state_store: str | None = key("remote-state-store", default=None)
    # --- extensions (not in exo-deploy) ---
    account: str | None = None
    availability_zones: int = key("availability-zones", default=2)
    nat_gateways: int = key("nat-gateways", default=1)
    hosted_zone_id: str | None = key("hosted-zone-id", default=None)
    certificate_arn: str | None = key("certificate-arn", default=None)
    public_cluster_min: int = key("public-cluster-min", default=1)
    public_cluster_max: int = key("public-cluster-max", default=2)
    private_cluster_min: int = key("private-cluster-min", default=1)
    private_cluster_max: int = key("private-cluster-max", default=2)
    exocom_cluster_size: str | None = key("exocom-cluster-size", default=None)
    log_retention_days: int = key("log-retention-days", default=30)
    #: Secrets Manager secret {"username","password"} for pulling Docker Hub images.
    dockerhub_credentials: str | None = key("dockerhub-credentials", default=None)


@frozen
class Providers:
    aws: AwsProvider = AwsProvider()


@frozen
class Environment:
    """The deployed environment, `environments.<env>` (default `production`)."""

    domain: str | None = None
    providers: Providers = Providers()


@frozen
class ServiceRef:
    """An entry of `services.public` / `services.private`."""

    location: str | None = None
    docker_image: str | None = None
    namespace: str | None = None


@frozen
class Services:
    public: Mapping[str, ServiceRef] = field(factory=dict)
    private: Mapping[str, ServiceRef] = field(factory=dict)


@frozen
class Application:
    """application.yml."""

    name: str
    description: str | None = None
    version: str | None = None
    author: str | None = None
    bus: Bus | None = None
    #: Exosphere 0.22's form of the bus: `[{type: exocom, version: X}]`.
    dependencies: tuple[Bus, ...] = ()
    #: Raw: only the deployed environment is read (strictly), the others are not.
    environments: Mapping[str, Any] = field(factory=dict)
    services: Services = Services()
    # --- extension ---
    #: Prefix of every stack name; derived from `name` when absent.
    slug: str | None = None


# ---------------------------------------------------------------- service.yml


@frozen
class Startup:
    command: str | None = None
    online_text: str | None = key("online-text", default=None)


@frozen
class Messages:
    sends: tuple[str, ...] = ()
    receives: tuple[str, ...] = ()


@frozen
class SecretRef:
    """A Secrets Manager secret: `NAME` or `{name: NAME, json-key: KEY}`."""

    name: str
    json_key: str | None = key("json-key", default=None)


@frozen
class ServiceDependency:
    """`dependencies.<name>` of a service (e.g. `mongo`)."""

    version: str | None = None
    docker_flags: Mapping[str, str] | None = None
    prod: str | None = None
    # --- extension ---
    #: Secrets Manager secret with `username` and `password` (mongo only);
    #: default `<slug>/mongo`.
    secret: str | None = None


@frozen
class AwsService:
    """`production.aws` of a service."""

    cpu: int = 100
    memory: int = 500
    essential: bool = True
    public_port: int | None = key("public-port", default=None)
    # --- extensions ---
    health_check_path: str = key("health-check-path", default="/")
    min_tasks: int = key("min-tasks", default=1)
    max_tasks: int = key("max-tasks", default=2)
    cpu_target: int = key("cpu-target", default=70)
    listener_priority: int | None = key("listener-priority", default=None)


@frozen
class Production:
    """`production` of a service."""

    url: str | None = None
    aws: AwsService = AwsService()
    # --- extensions ---
    environment: Mapping[str, str] = field(factory=dict)
    secrets: Mapping[str, SecretRef] = field(factory=dict)


@frozen
class Service:
    """service.yml."""

    type: str | None = None
    description: str | None = None
    author: str | None = None
    setup: Any = None
    tests: Any = None
    startup: Startup = Startup()
    messages: Messages = Messages()
    docker: Any = None
    restart: Any = None
    dependencies: Mapping[str, ServiceDependency] = field(factory=dict)
    production: Production = Production()


# ---------------------------------------------------------------- loaded app


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
    def domain(self) -> str | None:
        return self.environment.domain

    @property
    def public_services(self) -> tuple[LoadedService, ...]:
        return tuple(s for s in self.services if s.public)

    @property
    def private_services(self) -> tuple[LoadedService, ...]:
        return tuple(s for s in self.services if not s.public)
