"""The deployment of an app, stack by stack, as data: every name, port, variable and threshold.

`design(app)` turns a loaded app into one spec per stack. The stacks only
turn these specs into constructs (exosphere_cdk.stacks), and the operations
(`plan`, `cost`, `graph`) read the same specs: a value is derived here once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from attrs import frozen

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.data.ec2_types import architecture
from exosphere_cdk.manifest.data.images import ecr_image, is_docker_hub
from exosphere_cdk.manifest.data.rds import ENGINE_LOGS, ENGINE_LOGS_WRITTEN, ENGINE_PORTS
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.model.amis import AmiPins
from exosphere_cdk.manifest.model.app import (
    DOCKERFILE,
    Alarms,
    Database,
    LoadedApp,
    LoadedService,
    Secret,
)
from exosphere_cdk.manifest.model.constraints import DATA_STACK_PART, PRODUCTION

Architecture = Literal["x86_64", "arm64"]
#: The encrypted root volume of every instance of the app's clusters (ExoCom's host too).
ROOT_VOLUME_GIB = 30
#: Services on one CloudWatch dashboard; more services get more dashboards.
SERVICES_PER_DASHBOARD = 50
#: AWS's managed rule groups of the web ACL (`waf: true`), evaluated in this order.
WAF_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
#: The tag every resource of an app carries: the app's slug.
APP_TAG = "exosphere:app"
#: The tag of every resource of an environment other than production: the environment's name.
ENV_TAG = "exosphere:env"
#: Files of a service folder that are not part of its image (editing them must not rebuild it).
NOT_IN_IMAGE = ("service.yml",)
#: Days of automated backups every database keeps.
BACKUP_RETENTION_DAYS = 7


@frozen(kw_only=True)
class NetworkDesign:
    name: str
    description: str
    availability_zones: int
    nat_gateways: int
    #: The alias of the app's KMS key (logs, notifications).
    key_alias: str


@frozen(kw_only=True)
class ZoneDesign:
    """The stack of the app's own public zone (none with `hosted-zone-id`)."""

    name: str
    description: str
    domain: str


@frozen(kw_only=True)
class DnsDesign:
    name: str
    description: str
    domain: str
    #: An existing public zone for `domain`; None: the zone stack's.
    hosted_zone_id: str | None
    #: An existing certificate; None: a DNS-validated one.
    certificate_arn: str | None
    #: Whether the dns stack is synthesized (derive.has_stack): only for the certificate
    #: it creates; an existing one is imported by the platform stack.
    has_stack: bool


@frozen(kw_only=True)
class PinnedAmi:
    """The AMI a cluster's instances boot, pinned in the app's pin file."""

    region: str
    image_id: str


@frozen(kw_only=True)
class ClusterDesign:
    instance_type: str
    architecture: Architecture
    min_instances: int
    max_instances: int
    root_volume_gib: int = ROOT_VOLUME_GIB
    #: The pinned AMI; None: the ECS-optimized AMI the SSM parameter names at deploy.
    ami: PinnedAmi | None = None


@frozen(kw_only=True)
class PlatformDesign:
    name: str
    description: str
    public: ClusterDesign
    private: ClusterDesign
    #: The web ACL's managed rule groups; empty: no web ACL.
    waf_rule_groups: tuple[str, ...]
    session_manager: bool


@frozen(kw_only=True)
class PulledImage:
    """An image pulled by name at deploy, with what pulling it needs."""

    name: str
    #: A Secrets Manager secret with the registry's username and password; None: anonymous.
    credentials: str | None = None
    #: The ECR repository the image is in (its task may pull from it); None: not ECR.
    ecr_repository_arn: str | None = None
    #: The tag or digest in that repository.
    ecr_tag_or_digest: str | None = None


@frozen(kw_only=True)
class BuiltImage:
    """An image built from the service folder's Dockerfile at deploy."""

    directory: str
    #: The CPU architecture it is built for: that of its cluster's instances.
    architecture: Architecture
    exclude: tuple[str, ...] = NOT_IN_IMAGE
    #: The file it is built from, in `directory` (Image.dockerfile).
    dockerfile: str = DOCKERFILE


@frozen(kw_only=True)
class ExoComDesign:
    name: str
    description: str
    version: str
    #: What the release does at run time (manifest/data/exocom.py).
    family: exocom.ExoComFamily
    image: PulledImage
    command: tuple[str, ...] | None
    environment: Mapping[str, str]
    #: The private DNS namespace ExoCom is named in, and its name there.
    namespace: str
    service_name: str
    #: What every service's EXOCOM_HOST and EXOCOM_PORT say.
    host: str
    port: int
    instance: ClusterDesign
    execute_command: bool
    session_manager: bool
    #: Restart the services ExoCom routes whenever it starts (clients that never reconnect).
    reconnect: bool
    #: One route per service, in role order, messages as written.
    routes: tuple[exocom.Route, ...]
    #: ExoCom's alarm thresholds (it has no service.yml: the defaults).
    alarms: Alarms

    @property
    def address(self) -> str:
        """`host:port`."""
        return f"{self.host}:{self.port}"

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles of ExoCom's routes."""
        return tuple(route.role for route in self.routes)

    @property
    def bus_messages(self) -> exocom.BusMessages:
        """The senders and receivers of every message, by its name on the bus."""
        return exocom.bus_messages(self.family, self.routes)


@frozen(kw_only=True)
class ServiceDesign:
    name: str
    description: str
    role: str
    public: bool
    image: BuiltImage | PulledImage
    command: tuple[str, ...] | None
    cpu: int
    memory_mib: int
    #: Every plain variable of the container, the deployment's own included.
    environment: Mapping[str, str]
    #: Every variable read from Secrets Manager, mongo's included.
    secrets: Mapping[str, Secret]
    #: The port the load balancer routes to (public services); None: no route.
    container_port: int | None
    url: str | None
    listener_priority: int
    health_check_path: str
    min_tasks: int
    max_tasks: int
    cpu_target_percent: int
    deployment: exocom.Deployment
    read_only_root: bool
    user: str | None
    execute_command: bool
    alarms: Alarms
    #: `memory_mib` is a soft reservation (`memoryReservation`), not a hard limit.
    memory_is_reservation: bool = False
    #: The databases whose variables it gets (their ids): it deploys after them.
    databases: tuple[str, ...] = ()

    @property
    def routed(self) -> bool:
        """Whether the load balancer routes to it (a public service with a port)."""
        return self.public and self.container_port is not None


@frozen(kw_only=True)
class DatabaseDesign:
    """One RDS instance of the app, in the private subnets, reachable from its clusters only."""

    #: The dependency's name as written: the construct ID of its resources.
    id: str
    engine: Literal["postgres", "mysql"]
    engine_version: str
    #: As written, with RDS's `db.` (`db.t3.micro`).
    instance_class: str
    allocated_storage_gib: int
    storage_type: str
    #: The database created in the instance.
    db_name: str
    username: str
    #: The master password, read by CloudFormation at deploy (a dynamic reference).
    password: Secret
    port: int
    #: Its name in the private namespace (a CNAME to the instance's address), and the host
    #: services connect to: `<db_name>.<namespace>`.
    service_name: str
    host: str
    #: The engine's logs sent to CloudWatch Logs (RDS creates their log groups).
    log_exports: tuple[str, ...] = ()
    #: Those of `log_exports` RDS writes to without a parameter group (what cost counts).
    logs_written: tuple[str, ...] = ()
    backup_retention_days: int = BACKUP_RETENTION_DAYS
    multi_az: bool = False


@frozen(kw_only=True)
class DataDesign:
    """The stack of the app's databases (only with databases)."""

    name: str
    description: str
    databases: tuple[DatabaseDesign, ...]


@frozen(kw_only=True)
class MonitoringDesign:
    name: str
    description: str
    dashboard_name: str
    services_per_dashboard: int = SERVICES_PER_DASHBOARD


@frozen(kw_only=True)
class AppDesign:
    """Every stack of one app, and what they share."""

    slug: str
    #: What every AWS name of the environment starts with (derive.deployment_name).
    deployment: str
    account: str | None
    region: str | None
    log_retention_days: int
    container_insights: str
    #: CloudWatch alarms to the notifications topic (off app-wide with `alarms: false`).
    alarms: bool
    #: The start of every log group name the app's instances may write to.
    log_group_name_prefix: str
    network: NetworkDesign
    #: The public zone, first and alone: its name servers before anything waits on them.
    zone: ZoneDesign | None
    dns: DnsDesign | None
    platform: PlatformDesign
    exocom: ExoComDesign
    services: tuple[ServiceDesign, ...]
    monitoring: MonitoringDesign
    #: Tags of every resource.
    tags: Mapping[str, str]
    #: The databases' stack; None: the app has none.
    data: DataDesign | None = None

    @property
    def insights_on(self) -> bool:
        return self.container_insights != "disabled"

    @property
    def protected_stacks(self) -> tuple[str, ...]:
        """The stacks with termination protection (lifted by a `-c teardown=true` deploy):
        every shared stack but the dashboard, which nothing is lost with; services' none."""
        shared = (self.network, self.zone, self.dns, self.platform, self.exocom, self.data)
        return tuple(spec.name for spec in shared if spec is not None)

    def service(self, stack_name: str) -> ServiceDesign | None:
        """The service whose stack is `stack_name`, if any."""
        return next((s for s in self.services if s.name == stack_name), None)


def secret_readers(plan: AppDesign) -> dict[str, list[str]]:
    """Every Secrets Manager secret the deployment reads, with who reads it (sorted by name):
    the registry credentials of each pulled image, each service's variables (its databases'
    passwords and mongo's included), and each database's master password (the data stack)."""
    pulls: dict[str, list[str]] = {}
    images = [("exocom", plan.exocom.image), *((s.role, s.image) for s in plan.services)]
    for who, image in images:
        if isinstance(image, PulledImage) and image.credentials is not None:
            pulls.setdefault(image.credentials, []).append(who)
    readers = {name: [f"the image pulls of {', '.join(who)}"] for name, who in pulls.items()}
    for svc in plan.services:
        variables: dict[str, list[str]] = {}
        for variable, ref in sorted(svc.secrets.items()):
            variables.setdefault(ref.name, []).append(variable)
        for name, read in variables.items():
            readers.setdefault(name, []).append(f"{svc.role} ({', '.join(read)})")
    if plan.data is not None:
        for db in plan.data.databases:
            who = f"{plan.data.name} ({db.id}'s password)"
            readers.setdefault(db.password.name, []).append(who)
    return dict(sorted(readers.items()))


def design(app: LoadedApp) -> AppDesign:
    """The deployment of `app`."""
    aws = app.aws
    platform = _platform(app)
    return AppDesign(
        slug=app.slug,
        deployment=derive.deployment_name(app),
        account=aws.account,
        region=aws.region,
        log_retention_days=aws.log_retention_days,
        container_insights=aws.container_insights,
        alarms=aws.alarms,
        log_group_name_prefix=derive.log_group_name_prefix(app),
        network=NetworkDesign(
            name=derive.stack_name(app, "network"),
            description=description(app, WHAT["network"]),
            availability_zones=aws.availability_zones,
            nat_gateways=aws.nat_gateways,
            key_alias=derive.key_alias(app),
        ),
        zone=_zone(app),
        dns=_dns(app),
        platform=platform,
        exocom=_exocom(app),
        data=_data(app),
        services=tuple(_service(app, svc, platform) for svc in app.services),
        monitoring=MonitoringDesign(
            name=derive.stack_name(app, "monitoring"),
            description=description(app, WHAT["monitoring"]),
            dashboard_name=derive.deployment_name(app),
        ),
        tags=tags(app),
    )


def tags(app: LoadedApp) -> dict[str, str]:
    """The tags of every resource: the app's slug, and the environment outside production
    (production's resources keep the one tag they were deployed with)."""
    if app.env_name == PRODUCTION:
        return {APP_TAG: app.slug}
    return {APP_TAG: app.slug, ENV_TAG: app.env_name}


#: What the app's own stacks hold, in their descriptions (`<app name>: <what>`).
WHAT = {
    "network": "VPC",
    "zone": "public DNS zone",
    "dns": "certificate",
    "platform": "ECS clusters and load balancer",
    "monitoring": "CloudWatch dashboard",
}
#: What the data stack holds (only an app with databases has it).
DATA_WHAT = "RDS databases"


def description(app: LoadedApp, what: str) -> str:
    """A stack's description: `<app name>: <what>`."""
    return f"{app.name}: {what}"


def service_description(svc: LoadedService) -> str:
    return f"{'public' if svc.public else 'private'} service {svc.role}"


def exocom_description(app: LoadedApp) -> str:
    return f"ExoCom {app.exocom_version}"


def stack_descriptions(app: LoadedApp) -> list[str]:
    """Every stack's description, as `design` writes them (without designing the rest)."""
    return [
        *(description(app, what) for what in WHAT.values()),
        description(app, exocom_description(app)),
        *([description(app, DATA_WHAT)] if app.databases else []),
        *(description(app, service_description(svc)) for svc in app.services),
    ]


def _zone(app: LoadedApp) -> ZoneDesign | None:
    if app.domain is None or app.aws.hosted_zone_id is not None:
        return None
    return ZoneDesign(
        name=derive.stack_name(app, "zone"),
        description=description(app, WHAT["zone"]),
        domain=app.domain,
    )


def _dns(app: LoadedApp) -> DnsDesign | None:
    if app.domain is None:
        return None
    return DnsDesign(
        name=derive.stack_name(app, "dns"),
        description=description(app, WHAT["dns"]),
        domain=app.domain,
        hosted_zone_id=app.aws.hosted_zone_id,
        certificate_arn=app.aws.certificate_arn,
        has_stack=derive.has_stack(app, "dns"),
    )


def cluster(
    instance_type: str, bounds: tuple[int, int], pins: AmiPins | None = None
) -> ClusterDesign:
    arch: Architecture = "arm64" if architecture(instance_type) == "arm64" else "x86_64"
    image_id = None if pins is None else pins.images.get(arch)
    return ClusterDesign(
        instance_type=instance_type,
        architecture=arch,
        min_instances=bounds[0],
        max_instances=bounds[1],
        ami=None
        if pins is None or image_id is None
        else PinnedAmi(region=pins.region, image_id=image_id),
    )


def _platform(app: LoadedApp) -> PlatformDesign:
    aws = app.aws
    return PlatformDesign(
        name=derive.stack_name(app, "platform"),
        description=description(app, WHAT["platform"]),
        public=cluster(
            aws.public_cluster_size, (aws.public_cluster_min, aws.public_cluster_max), app.ami_pins
        ),
        private=cluster(
            aws.private_cluster_size,
            (aws.private_cluster_min, aws.private_cluster_max),
            app.ami_pins,
        ),
        waf_rule_groups=WAF_RULE_GROUPS if aws.waf else (),
        session_manager=aws.ssm,
    )


def _exocom(app: LoadedApp) -> ExoComDesign:
    aws, bus = app.aws, app.exocom
    routes = derive.routes(app)
    return ExoComDesign(
        name=derive.stack_name(app, "exocom"),
        description=description(app, exocom_description(app)),
        version=app.exocom_version,
        family=bus,
        image=PulledImage(
            name=exocom.image(app.exocom_version), credentials=aws.dockerhub_credentials
        ),
        command=bus.command,
        environment=exocom.environment(bus, routes),
        namespace=derive.private_zone(app),
        service_name=derive.EXOCOM_SERVICE_NAME,
        host=derive.exocom_host(app),
        port=exocom.EXOCOM_PORT,
        instance=cluster(aws.exocom_cluster_size, (1, 1), app.ami_pins),
        execute_command=aws.ecs_exec,
        session_manager=aws.ssm,
        reconnect=not bus.clients_reconnect,
        routes=routes,
        alarms=Alarms.defaults(),
    )


def pulled_image(app: LoadedApp, name: str) -> PulledImage:
    """The registry image `name`: from its ECR repository, or with the app's Docker Hub
    credentials when Docker Hub serves it and the app names them."""
    ecr = ecr_image(name)
    if ecr is not None:
        return PulledImage(
            name=name,
            ecr_repository_arn=ecr.repository_arn,
            ecr_tag_or_digest=ecr.digest or ecr.tag,
        )
    credentials = app.aws.dockerhub_credentials if is_docker_hub(name) else None
    return PulledImage(name=name, credentials=credentials)


def _data(app: LoadedApp) -> DataDesign | None:
    if not app.databases:
        return None
    return DataDesign(
        name=derive.stack_name(app, DATA_STACK_PART),
        description=description(app, DATA_WHAT),
        databases=tuple(_database(app, db) for db in app.databases),
    )


def _database(app: LoadedApp, db: Database) -> DatabaseDesign:
    return DatabaseDesign(
        id=db.id,
        engine=db.engine,
        engine_version=db.engine_version,
        instance_class=db.instance_class,
        allocated_storage_gib=db.allocated_storage_gib,
        storage_type=db.storage_type,
        db_name=db.db_name,
        username=db.username,
        password=db.password,
        port=ENGINE_PORTS[db.engine],
        service_name=db.db_name,
        host=derive.database_host(app, db),
        log_exports=ENGINE_LOGS[db.engine],
        logs_written=ENGINE_LOGS_WRITTEN[db.engine],
    )


def databases_of(app: LoadedApp, svc: LoadedService) -> list[Database]:
    """The databases whose variables `svc` gets: those naming its role, or every service."""
    return [db for db in app.databases if db.roles is None or svc.role in db.roles]


def database_variables(app: LoadedApp, svc: LoadedService) -> dict[str, str]:
    """The plain variables of `svc`'s databases, under the names their `variables` give."""
    environment: dict[str, str] = {}
    for db in databases_of(app, svc):
        values = {
            "address": derive.database_host(app, db),
            "port": str(ENGINE_PORTS[db.engine]),
            "db_name": db.db_name,
            "username": db.username,
        }
        for purpose, name in db.variables.items():
            if purpose in values:
                environment[name] = values[purpose]
    return environment


def peer_variables(app: LoadedApp, svc: LoadedService) -> dict[str, str]:
    """The Go era's variables of `svc`'s peers (`app.peer_variables`): for every other
    public service with a port and a url, `<ROLE>_EXTERNAL_ORIGIN` and
    `<ROLE>_INTERNAL_ORIGIN`, both `https://<url>` (see docs/architecture.md); and with
    `app.own_origin` (v0.32.0) a public service's own `<ROLE>_EXTERNAL_ORIGIN`. None
    without a domain (the urls are in no zone)."""
    if app.domain is None:
        return {}
    environment: dict[str, str] = {}
    if app.own_origin and _has_origin(svc):
        environment[f"{derive.peer_prefix(svc.role)}_EXTERNAL_ORIGIN"] = f"https://{svc.url}"
    if not app.peer_variables:
        return environment
    for peer in app.services:
        if peer.role == svc.role or not _has_origin(peer):
            continue
        prefix = derive.peer_prefix(peer.role)
        environment[f"{prefix}_EXTERNAL_ORIGIN"] = f"https://{peer.url}"
        environment[f"{prefix}_INTERNAL_ORIGIN"] = f"https://{peer.url}"
    return environment


def go_era_hosts_replaced(app: LoadedApp, value: str) -> str:
    """`value` with each host of the Go era's internal zone that a host here replaces
    (`<db-name>.<env>-<app>.local`, `exocom.<app>.local`: derive.go_era_names), as the
    whole value or a URL's host, made that host; other values (and the exo-deploy era's)
    unchanged."""
    if app.era == "exo-deploy" or ".local" not in value.lower():
        return value
    names = derive.go_era_names(app)
    zones = "|".join(re.escape(zone) for zone in derive.go_era_zones(app))
    host = re.compile(rf"(^|//|@)([A-Za-z0-9_-]+)\.(?:{zones})(?=$|[:/?#])", re.IGNORECASE)

    def ours(found: re.Match[str]) -> str:
        replacement = names.get(found[2].lower())
        return found[0] if replacement is None else found[1] + replacement

    return host.sub(ours, value)


def _has_origin(svc: LoadedService) -> bool:
    """A public service with a port and a url: the Go era gave it an external origin."""
    return svc.public and svc.port is not None and bool(svc.url)


def service_environment(app: LoadedApp, svc: LoadedService) -> dict[str, str]:
    """The container's plain variables: the service's own (the Go era's hosts that a host
    here replaces made that host: `go_era_hosts_replaced`), then the deployment's (its
    peers', its databases', ExoCom's, its role)."""
    environment = {
        **{name: go_era_hosts_replaced(app, value) for name, value in svc.environment.items()},
        **peer_variables(app, svc),
        **database_variables(app, svc),
        "EXOCOM_HOST": derive.exocom_host(app),
        "EXOCOM_PORT": str(exocom.EXOCOM_PORT),
        "ROLE": svc.role,
    }
    if svc.mongo is not None and svc.mongo.address:
        # Exosphere's mongo service templates read the address from MONGO.
        environment["MONGO"] = svc.mongo.address
    return environment


def service_secrets(app: LoadedApp, svc: LoadedService) -> dict[str, Secret]:
    """The container's variables read from Secrets Manager: the service's, then its
    databases' passwords, then mongo's."""
    secrets = dict(svc.secrets)
    for db in databases_of(app, svc):
        name = db.variables.get("password")
        if name is not None:
            secrets[name] = db.password
    mongo = derive.mongo_secret_name(app, svc)
    if mongo is not None:
        secrets["MONGODB_USER"] = Secret(name=mongo, json_key="username")
        secrets["MONGODB_PW"] = Secret(name=mongo, json_key="password")
    return secrets


def _service(app: LoadedApp, svc: LoadedService, platform: PlatformDesign) -> ServiceDesign:
    instances = platform.public if svc.public else platform.private
    command = derive.container_command(svc)
    return ServiceDesign(
        name=derive.stack_name(app, svc.role),
        description=description(app, service_description(svc)),
        role=svc.role,
        public=svc.public,
        image=(
            BuiltImage(
                directory=svc.image.value,
                architecture=instances.architecture,
                dockerfile=svc.image.dockerfile,
            )
            if svc.image.kind == "asset"
            else pulled_image(app, svc.image.value)
        ),
        command=None if command is None else tuple(command),
        cpu=svc.cpu,
        memory_mib=svc.memory,
        environment=service_environment(app, svc),
        secrets=service_secrets(app, svc),
        container_port=svc.port if svc.public else None,
        url=svc.url if svc.public else None,
        listener_priority=derive.listener_priority(svc),
        health_check_path=svc.health_check_path,
        min_tasks=svc.min_tasks,
        max_tasks=svc.max_tasks,
        cpu_target_percent=svc.cpu_target,
        deployment=exocom.service_deployment(app.exocom),
        read_only_root=svc.read_only_root,
        user=svc.user,
        execute_command=app.aws.ecs_exec,
        alarms=svc.alarms,
        memory_is_reservation=svc.memory_is_reservation,
        databases=tuple(db.id for db in databases_of(app, svc)),
    )
