"""The app as the deployment sees it, whatever manifest era it came from.

A loader (`manifest.load.<era>`) reads an era's manifests and makes one `App`:
its services with their kind, messages, image, resources and settings, and the
deployed environment. Everything after the loader (the rules, the design, the
stacks, the operations) reads only this. Where a value was written is kept
aside (`Source`), so that a problem quotes the user's own file and key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from attrs import frozen

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.errors import Problem, Severity
from exosphere_cdk.manifest.model.amis import AmiPins
from exosphere_cdk.manifest.model.constraints import ALARM_DEFAULTS

#: A service's kind: behind the load balancer, or reached only through ExoCom.
#: (The Go era's `worker` is a private service that listens on no port.)
Kind = Literal["public", "private", "worker"]


#: Every manifest family read, by `LoadedApp.era`: what a user is told it was read as.
ERAS: Mapping[str, str] = {
    "exo-deploy": "exo-deploy era (Exosphere 0.21-0.22)",
    "go-f1": "Go era F1 (Exosphere 0.23-0.25)",
    "go-f2": "Go era F2 (Exosphere 0.26-0.31)",
    "go-f3": "Go era F3 (Exosphere 0.32)",
    "go-f4": "Go era F4 (Exosphere 0.33-0.34)",
    "go-f5": "Go era F5 (Exosphere 0.35-0.37 and master)",
}


#: The file an image is built from, in its service folder, unless the era says otherwise.
DOCKERFILE = "Dockerfile"


@frozen
class Where:
    """A place in a manifest: the file as shown, the key path, the role it was read for."""

    file: str
    path: str
    #: The service whose values these are: two roles may share one service.yml.
    role: str | None = None

    def problem(self, message: str, severity: Severity = "error") -> Problem:
        return Problem(self.file, self.path, message, severity, role=self.role)

    def key(self, *keys: str | int) -> Where:
        """A key below this one: `.name` for a string, `[i]` for an index."""
        path = self.path
        for k in keys:
            path = f"{path}[{k}]" if isinstance(k, int) else f"{path}.{k}" if path else k
        return Where(self.file, path, self.role)


@frozen(kw_only=True)
class Source:
    """Where the values of an app or a service were written, by their names in this model.

    `at("cpu")` is the key the service's `cpu` was read from (`production.aws.cpu`
    in its service.yml); a value that no file gave (a default of a service that
    has no manifest of its own) is at `fallback`.
    """

    #: The manifest file the values are in, as a whole (path "").
    file: Where
    #: The value's name in this model → where it is written.
    keys: Mapping[str, Where]
    #: Where a problem about a value without a key of its own is reported.
    fallback: Where

    def at(self, name: str) -> Where:
        return self.keys.get(name, self.fallback)

    def written(self, name: str) -> bool:
        """Whether `name` has a key in the user's manifests (not a fallback)."""
        return name in self.keys


@frozen(kw_only=True)
class Messages:
    sends: tuple[str, ...] = ()
    receives: tuple[str, ...] = ()


@frozen
class Image:
    """Where a service's image comes from."""

    #: `asset`: built from a Dockerfile at deploy; `registry`: pulled by name.
    kind: Literal["asset", "registry"]
    #: asset: absolute folder holding the Dockerfile; registry: the image name.
    value: str
    #: asset: the file it is built from, in that folder (the Go era's Dockerfile.prod).
    dockerfile: str = DOCKERFILE


@frozen(kw_only=True)
class Secret:
    """A Secrets Manager secret, or one key of its JSON."""

    name: str
    json_key: str | None = None


@frozen(kw_only=True)
class Mongo:
    """The service uses Exosphere's mongo: its address, and the secret of its credentials."""

    address: str | None
    #: The secret with `username` and `password`; None: the app's default (design).
    secret: str | None


#: What a database's variables may say (`Database.variables`' keys): its host name in the
#: private zone, its port, the database created in it, the master user and its password.
DATABASE_VARIABLES = ("address", "port", "db_name", "username", "password")


@frozen(kw_only=True)
class Database:
    """A database the deployment creates for the app (the Go era's `rds` dependency)."""

    #: The dependency's name as written (`remote.dependencies.<id>`, F2's `name`).
    id: str
    engine: Literal["postgres", "mysql"]
    engine_version: str
    allocated_storage_gib: int
    instance_class: str
    #: The database created in the instance; also its host name in the private zone.
    db_name: str
    username: str
    storage_type: str
    #: Where the master password is read at deploy (never in a template).
    password: Secret
    #: The variables services get: a purpose of DATABASE_VARIABLES → the variable's name
    #: (F2's `service-env-var-names`); a purpose not named here is not passed.
    variables: Mapping[str, str]
    #: The roles given the variables; None: every service of the app.
    roles: tuple[str, ...] | None
    source: Source


@frozen(kw_only=True)
class Alarms:
    """When a service's alarms go off."""

    cpu_percent: int
    memory_percent: int
    server_errors_percent: int
    p99_ms: int
    unhealthy_hosts: int

    @classmethod
    def defaults(cls) -> Alarms:
        """The thresholds of a service that sets none, and ExoCom's."""
        return cls(**ALARM_DEFAULTS)


@frozen(kw_only=True)
class LoadedService:
    """One service of the app, with its role, kind and folder."""

    role: str
    kind: Kind
    #: The service folder (absolute), or None when the app names only an image.
    directory: Path | None
    image: Image
    #: The image named in the app's manifest, as written (None: built, or `<author>/<type>`).
    image_name: str | None
    messages: Messages
    #: ExoCom's translation of the service's message names (`<namespace>.x` → `<role>.x`).
    namespace: str | None
    #: The container's command as written (split like a POSIX shell), None: the image's.
    command: str | None
    cpu: int
    memory: int
    #: The container port the load balancer routes to (public services).
    port: int | None
    #: The host name the load balancer routes to the service; None: the catch-all.
    url: str | None
    health_check_path: str
    min_tasks: int
    #: The most tasks as written; None: min_tasks (no task-count autoscaling).
    max_tasks_given: int | None
    cpu_target: int
    read_only_root: bool
    user: str | None
    #: The listener rule's priority as written; None: derived (design).
    listener_priority: int | None
    alarms: Alarms
    environment: Mapping[str, str]
    secrets: Mapping[str, Secret]
    #: The names of the service's dependencies, as written.
    dependencies: tuple[str, ...]
    mongo: Mongo | None
    source: Source
    #: ExoCom's translations of the service's message names, as written (the Go era's
    #: `message-translation` / `dependency-data.exocom.translations`); exo-deploy: `namespace`.
    translations: tuple[MessageTranslation, ...] = ()
    #: True: `memory` is a soft reservation (the Go era's `memoryReservation`), not a limit.
    memory_is_reservation: bool = False

    @property
    def public(self) -> bool:
        return self.kind == "public"

    @property
    def max_tasks(self) -> int:
        """The most tasks: `max_tasks_given`, else `min_tasks`."""
        return self.min_tasks if self.max_tasks_given is None else self.max_tasks_given


@frozen(kw_only=True)
class AwsSettings:
    """Where and how the app is deployed: the deployed environment's AWS settings."""

    region: str | None
    account: str | None
    availability_zones: int
    nat_gateways: int
    hosted_zone_id: str | None
    certificate_arn: str | None
    public_cluster_size: str
    public_cluster_min: int
    public_cluster_max: int
    private_cluster_size: str
    private_cluster_min: int
    private_cluster_max: int
    exocom_cluster_size: str
    log_retention_days: int
    waf: bool
    dockerhub_credentials: str | None
    alarms: bool
    container_insights: str
    ecs_exec: bool
    ssm: bool


@frozen(kw_only=True)
class LoadedApp:
    """An application with its deployed environment and services, checked."""

    directory: Path
    #: The app's name (free text).
    name: str
    env_name: str
    #: The public DNS zone of the public services' urls; None: HTTP only.
    domain: str | None
    aws: AwsSettings
    #: Every service, sorted by role.
    services: tuple[LoadedService, ...]
    slug: str
    exocom_version: str
    source: Source
    #: Warnings and notices found while loading (errors raise ManifestError instead).
    problems: tuple[Problem, ...] = ()
    #: Every environment the app names that could be deployed (its stacks must not meet).
    environments: tuple[str, ...] = ()
    #: The environment's AMI pins (`ami-pins.<env>.json`); None: the AMI SSM names at deploy.
    ami_pins: AmiPins | None = None
    #: The manifest family the app was read as (`ERAS`).
    era: str = "exo-deploy"
    #: The databases the deployment creates (the Go era's `rds` dependencies).
    databases: tuple[Database, ...] = ()
    #: True: services get the Go era's peer variables (`<ROLE>_EXTERNAL_ORIGIN`, ...).
    peer_variables: bool = False
    #: True: each public service gets its own `<ROLE>_EXTERNAL_ORIGIN` (v0.32.0's only
    #: endpoint variable; `peer_variables` gives the other services' from v0.33).
    own_origin: bool = False

    @property
    def exocom(self) -> exocom.ExoComFamily:
        """The family of the app's ExoCom (the newest one while the version is invalid)."""
        return exocom.family(self.exocom_version) or exocom.FAMILIES[-1]

    @property
    def public_services(self) -> tuple[LoadedService, ...]:
        return tuple(s for s in self.services if s.public)

    @property
    def private_services(self) -> tuple[LoadedService, ...]:
        return tuple(s for s in self.services if not s.public)
