"""Builds every stack of an Exosphere app from its loaded manifests."""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen
from aws_cdk import (
    App,
    Environment,
    IPolicyValidationPlugin,
    SymlinkFollowMode,
    Tags,
    Validations,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from exosphere_cdk.manifest.data import ec2_types, images
from exosphere_cdk.manifest.data import exocom as exocom_release
from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS, DEFAULT_PACKS
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.load.exo_deploy import schema
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import LOG_RETENTION_DAYS
from exosphere_cdk.stacks.dns import DnsStack
from exosphere_cdk.stacks.exocom import ExoComStack
from exosphere_cdk.stacks.images import RegistryImage
from exosphere_cdk.stacks.monitoring import (
    CONTAINER_INSIGHTS,
    AlarmThresholds,
    MonitoringStack,
    cluster_metrics,
    service_metrics,
    watch_cluster,
    watch_load_balancer,
    watch_service,
)
from exosphere_cdk.stacks.network import NetworkStack
from exosphere_cdk.stacks.platform import PlatformStack
from exosphere_cdk.stacks.references import NoDynamicReferences
from exosphere_cdk.stacks.service import SecretEnv, ServiceSpec, ServiceStack
from exosphere_constructs.dashboard import ServiceMetrics

#: CloudWatch Logs' retention periods by days: the manifest's table, paired with CDK's
#: enum members (declared in the same ascending order, `INFINITE` last).
RETENTION_DAYS: dict[int, logs.RetentionDays] = dict(
    zip(
        LOG_RETENTION_DAYS,
        (period for period in logs.RetentionDays if period is not logs.RetentionDays.INFINITE),
        strict=True,
    )
)


@frozen
class AppStacks:
    """The stacks of one app."""

    network: NetworkStack
    dns: DnsStack | None
    platform: PlatformStack
    exocom: ExoComStack
    services: dict[str, ServiceStack]
    monitoring: MonitoringStack | None = None


@frozen
class _Build:
    """What every stack of one app is built with."""

    scope: App
    app: LoadedApp
    env: Environment
    protect: bool
    retention: logs.RetentionDays
    insights: ecs.ContainerInsights
    #: CloudFormation names a log group `<stack name>-<logical id>-<suffix>`.
    log_group_name_prefix: str

    def description(self, what: str) -> str:
        return f"{self.app.application.name}: {what}"

    @property
    def alarms(self) -> bool:
        return self.app.aws.alarms

    @property
    def insights_on(self) -> bool:
        return self.insights is not ecs.ContainerInsights.DISABLED


@frozen
class _Shared:
    """The shared stacks a service stack is built against."""

    network: NetworkStack
    dns: DnsStack | None
    platform: PlatformStack
    exocom: ExoComStack


def build_stacks(scope: App, app: LoadedApp, *, protect: bool = True) -> AppStacks:
    """Add every stack of `app` to `scope`.

    With `protect` (the default) the shared stacks have termination protection
    and the load balancer deletion protection; a deployment with `protect=False`
    lifts both so that `cdk destroy` can remove them.
    """
    aws = app.aws
    build = _Build(
        scope=scope,
        app=app,
        env=Environment(account=aws.account, region=aws.region),
        protect=protect,
        retention=RETENTION_DAYS[aws.log_retention_days],
        insights=CONTAINER_INSIGHTS[aws.container_insights],
        log_group_name_prefix=f"{app.slug}-",
    )
    network = _network(build)
    dns = _dns(build)
    platform = _platform(build, network, dns)
    exocom = _exocom(build, network, platform)
    shared = _Shared(network, dns, platform, exocom)
    services: dict[str, ServiceStack] = {}
    rows = []
    for svc in app.services:
        services[svc.role], row = _service(build, svc, shared)
        rows.append(row)
    monitoring = _monitoring(build, platform, exocom, rows)
    Tags.of(scope).add("exosphere:app", app.slug)
    return AppStacks(network, dns, platform, exocom, services, monitoring)


def _network(build: _Build) -> NetworkStack:
    app, aws = build.app, build.app.aws
    return NetworkStack(
        build.scope,
        derive.stack_name(app, "network"),
        env=build.env,
        description=build.description("VPC"),
        availability_zones=aws.availability_zones,
        nat_gateways=aws.nat_gateways,
        key_alias=f"exosphere/{app.slug}",
        termination_protection=build.protect,
    )


def _dns(build: _Build) -> DnsStack | None:
    app, aws = build.app, build.app.aws
    if app.domain is None:
        return None
    return DnsStack(
        build.scope,
        derive.stack_name(app, "dns"),
        env=build.env,
        description=build.description("public DNS zone and certificate"),
        domain=app.domain,
        hosted_zone_id=aws.hosted_zone_id,
        certificate_arn=aws.certificate_arn,
        termination_protection=build.protect,
    )


def _platform(build: _Build, network: NetworkStack, dns: DnsStack | None) -> PlatformStack:
    app, aws = build.app, build.app.aws
    public_type = derive.instance_type(app, public=True)
    private_type = derive.instance_type(app, public=False)
    platform = PlatformStack(
        build.scope,
        derive.stack_name(app, "platform"),
        env=build.env,
        description=build.description("ECS clusters and load balancer"),
        vpc=network.network.vpc,
        public_instance_type=ec2.InstanceType(public_type),
        private_instance_type=ec2.InstanceType(private_type),
        public_architecture=cdk_architecture(public_type),
        private_architecture=cdk_architecture(private_type),
        public_capacity=(aws.public_cluster_min, aws.public_cluster_max),
        private_capacity=(aws.private_cluster_min, aws.private_cluster_max),
        certificate=dns.certificate if dns else None,
        log_group_name_prefix=build.log_group_name_prefix,
        protect=build.protect,
        waf=aws.waf,
        session_manager=aws.ssm,
        notifications_key=network.key,
        container_insights=build.insights,
        termination_protection=build.protect,
    )
    if build.alarms:
        topic = platform.notifications
        watch_cluster(
            platform, "PublicClusterAlarms", platform.public_cluster, topic=topic, name="public"
        )
        watch_cluster(
            platform, "PrivateClusterAlarms", platform.private_cluster, topic=topic, name="private"
        )
        watch_load_balancer(platform, platform.load_balancer.load_balancer, topic=topic)
    return platform


def _exocom(build: _Build, network: NetworkStack, platform: PlatformStack) -> ExoComStack:
    app, aws = build.app, build.app.aws
    bus = app.exocom
    routes = derive.routes(app)
    clusters = [platform.public_cluster, platform.private_cluster]
    exocom = ExoComStack(
        build.scope,
        derive.stack_name(app, "exocom"),
        env=build.env,
        description=build.description(f"ExoCom {app.exocom_version}"),
        vpc=network.network.vpc,
        image_name=exocom_release.image(app.exocom_version),
        command=bus.command,
        environment=exocom_release.environment(bus, routes),
        namespace_name=derive.private_zone(app),
        service_name=derive.EXOCOM_SERVICE_NAME,
        instance_type=ec2.InstanceType(derive.exocom_instance_type(app)),
        clients=[cluster.security_group for cluster in clusters],
        log_retention=build.retention,
        log_encryption_key=network.key,
        log_group_name_prefix=build.log_group_name_prefix,
        notifications_topic=platform.notifications,
        architecture=cdk_architecture(derive.exocom_instance_type(app)),
        image_credentials=aws.dockerhub_credentials,
        execute_command=aws.ecs_exec,
        session_manager=aws.ssm,
        container_insights=build.insights,
        reconnect_clusters=[] if bus.clients_reconnect else [c.cluster for c in clusters],
        reconnect_roles=[route.role for route in routes],
        termination_protection=build.protect,
    )
    if build.alarms:
        # ExoCom's task not running: its running-tasks alarm (one task desired).
        watch_service(
            exocom,
            exocom.exocom.service,
            topic=platform.notifications,
            # ExoCom has no service.yml: the model's default thresholds.
            thresholds=AlarmThresholds.of(schema.AlarmThresholds()),
            container_insights=build.insights_on,
            rollback=False,
        )
        watch_cluster(
            exocom,
            "HostAlarms",
            exocom.exocom.host,
            topic=platform.notifications,
            name="host",
            managed_scaling=False,
        )
    return exocom


def _service(
    build: _Build, svc: LoadedService, shared: _Shared
) -> tuple[ServiceStack, ServiceMetrics]:
    """One service's stack, its alarms, and its row of the dashboard."""
    app, aws = build.app, build.app.aws
    network, dns, platform, exocom = shared.network, shared.dns, shared.platform, shared.exocom
    cluster = platform.public_cluster if svc.public else platform.private_cluster
    load_balancer = platform.load_balancer
    service_stack = ServiceStack(
        build.scope,
        derive.stack_name(app, svc.role),
        env=build.env,
        description=build.description(
            f"{'public' if svc.public else 'private'} service {svc.role}"
        ),
        spec=service_spec(
            app,
            svc,
            exocom_host=exocom.dns_name,
            exocom_port=exocom.port,
            architecture=cluster.architecture,
        ),
        vpc=network.network.vpc,
        cluster=cluster.cluster,
        capacity_provider_name=cluster.capacity_provider_name,
        log_retention=build.retention,
        log_encryption_key=network.key,
        load_balancer=load_balancer.load_balancer if svc.public else None,
        listener=load_balancer.listener if svc.public else None,
        zone=dns.zone if dns else None,
        certificate_names=dns.certificate_names if dns else None,
        execute_command=aws.ecs_exec,
    )
    # Deploying one service also brings ExoCom's routes up to date.
    service_stack.add_stack_dependency(exocom, "a service needs ExoCom to route its messages")
    route = service_stack.route
    target_group = route.target_group if route else None
    alb = load_balancer.load_balancer if route else None
    if build.alarms:
        watch_service(
            service_stack,
            service_stack.service.service,
            topic=platform.notifications,
            thresholds=AlarmThresholds.of(svc.service.production.aws.alarms),
            container_insights=build.insights_on,
            target_group=target_group,
            load_balancer=alb,
        )
    row = service_metrics(
        svc.role, service_stack.service.service, target_group=target_group, load_balancer=alb
    )
    return service_stack, row


def _monitoring(
    build: _Build, platform: PlatformStack, exocom: ExoComStack, rows: list[ServiceMetrics]
) -> MonitoringStack:
    return MonitoringStack(
        build.scope,
        derive.stack_name(build.app, "monitoring"),
        env=build.env,
        description=build.description("CloudWatch dashboard"),
        dashboard_name=build.app.slug,
        services=rows,
        clusters=[
            cluster_metrics("public cluster", platform.public_cluster),
            cluster_metrics("private cluster", platform.private_cluster),
            cluster_metrics("ExoCom's host", exocom.exocom.host, managed_scaling=False),
        ],
        exocom=service_metrics("exocom", exocom.exocom.service),
        load_balancer_full_name=platform.load_balancer.load_balancer.load_balancer_full_name,
    )


def add_compliance_checks(scope: App, packs: Sequence[str] = DEFAULT_PACKS) -> None:
    """Run the rule `packs` in every synthesis; a finding fails it.

    `aws-solutions` and `nist-800-53-r5` are cdk-nag's packs; `control-tower`
    is AWS Control Tower's proactive controls (cfn-guard rules, run by the
    cdk-validator-cfnguard plugin with the cfn-guard binary it ships). Findings
    that do not apply are acknowledged next to the construct they concern,
    each with its reason (see exosphere_constructs.compliance). A template
    holding a dynamic reference or a CDK token fails the synthesis whatever
    the packs (stacks.references).
    """
    unknown = [p for p in packs if p not in COMPLIANCE_PACKS]
    if unknown:
        raise ValueError(f"unknown rule packs {unknown}, expected some of {COMPLIANCE_PACKS}")
    plugins: list[IPolicyValidationPlugin] = []
    if "aws-solutions" in packs:
        plugins.append(AwsSolutionsChecks(scope))
    if "nist-800-53-r5" in packs:
        plugins.append(NIST80053R5Checks(scope))
    if "control-tower" in packs:
        # Loaded only when asked for: the plugin and its cfn-guard rules weigh 12 MB.
        from exosphere_cdk.stacks.control_tower import ControlTowerControls  # noqa: PLC0415

        plugins.append(ControlTowerControls())
    Validations.of(scope).add_plugins(*plugins, NoDynamicReferences())


def cdk_architecture(instance_type: str) -> ec2.InstanceArchitecture:
    """The CPU architecture of `instance_type` (ec2_types.architecture) in CDK terms."""
    if ec2_types.architecture(instance_type) == "arm64":
        return ec2.InstanceArchitecture.ARM_64
    return ec2.InstanceArchitecture.X86_64


#: The platform an image asset is built for, by the architecture of its cluster.
ASSET_PLATFORMS = {
    ec2.InstanceArchitecture.X86_64: ecr_assets.Platform.LINUX_AMD64,
    ec2.InstanceArchitecture.ARM_64: ecr_assets.Platform.LINUX_ARM64,
}


def pulled_image(app: LoadedApp, name: str) -> RegistryImage:
    """The registry image `name`: from its ECR repository, or with the app's Docker Hub
    credentials when Docker Hub serves it and the app names them."""
    ecr = images.ecr_image(name)
    if ecr is not None:
        return RegistryImage(
            name=name,
            ecr_repository_arn=ecr.repository_arn,
            ecr_tag_or_digest=ecr.digest or ecr.tag,
        )
    credentials = app.aws.dockerhub_credentials if images.is_docker_hub(name) else None
    return RegistryImage(name=name, credentials=credentials)


def service_spec(
    app: LoadedApp,
    svc: LoadedService,
    *,
    exocom_host: str,
    exocom_port: int,
    architecture: ec2.InstanceArchitecture,
) -> ServiceSpec:
    """Translate one service's manifests into the settings of its stack.

    `architecture` is that of the service's cluster: a Dockerfile is built for it.
    """
    production = svc.service.production
    source = derive.image_source(svc)
    image = (
        ecs.ContainerImage.from_asset(
            source.value,
            # service.yml is the manifest, not the image: editing it must not rebuild it.
            exclude=["service.yml"],
            # Nothing outside the app folder is packaged (validate refuses links out).
            follow_symlinks=SymlinkFollowMode.BLOCK_EXTERNAL,
            platform=ASSET_PLATFORMS[architecture],
        )
        if source.kind == "asset"
        else pulled_image(app, source.value)
    )
    environment = {
        **production.environment,
        "EXOCOM_HOST": exocom_host,
        "EXOCOM_PORT": str(exocom_port),
        "ROLE": svc.role,
    }
    mongo = svc.service.dependencies.get("mongo")
    if mongo is not None and mongo.prod:
        # Exosphere's mongo service templates read the address from MONGO.
        environment["MONGO"] = mongo.prod
    secrets = {
        name: SecretEnv(secret_name=ref.name, json_key=ref.json_key)
        for name, ref in production.secrets.items()
    }
    mongo_secret = derive.mongo_secret_name(app, svc)
    if mongo_secret is not None:
        secrets["MONGODB_USER"] = SecretEnv(secret_name=mongo_secret, json_key="username")
        secrets["MONGODB_PW"] = SecretEnv(secret_name=mongo_secret, json_key="password")
    url = production.url if svc.public else None
    return ServiceSpec(
        role=svc.role,
        public=svc.public,
        image=image,
        command=derive.container_command(svc),
        cpu=production.aws.cpu,
        memory_mib=production.aws.memory,
        environment=environment,
        secrets=secrets,
        container_port=production.aws.public_port if svc.public else None,
        url=url,
        listener_priority=derive.listener_priority(svc),
        health_check_path=production.aws.health_check_path,
        min_tasks=svc.min_tasks,
        max_tasks=svc.max_tasks,
        deployment=exocom_release.service_deployment(app.exocom),
        cpu_target_percent=production.aws.cpu_target,
        read_only_root=production.aws.read_only_root,
        user=production.aws.user,
    )
