"""Builds every stack of an Exosphere app from its design (manifest.design.app)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from attrs import frozen
from aws_cdk import App, Environment, IPolicyValidationPlugin, Tags, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS, DEFAULT_PACKS
from exosphere_cdk.manifest.design.app import (
    AppDesign,
    ClusterDesign,
    ServiceDesign,
    design,
)
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.stacks.convert import (
    ARCHITECTURES,
    CONTAINER_INSIGHTS,
    RETENTION_DAYS,
    machine_image,
)
from exosphere_cdk.stacks.dns import DnsStack
from exosphere_cdk.stacks.exocom import ExoComStack
from exosphere_cdk.stacks.limits import WithinLimits
from exosphere_cdk.stacks.monitoring import (
    AlarmThresholds,
    MonitoringStack,
    cluster_metrics,
    deployment_alarm_names,
    service_metrics,
    watch_cluster,
    watch_load_balancer,
    watch_service,
)
from exosphere_cdk.stacks.network import NetworkStack
from exosphere_cdk.stacks.platform import PlatformStack
from exosphere_cdk.stacks.references import NoDynamicReferences
from exosphere_cdk.stacks.service import ServiceStack
from exosphere_cdk.stacks.zone import ZoneStack
from exosphere_constructs.dashboard import ServiceMetrics

if TYPE_CHECKING:
    from exosphere_cdk.stacks.data import DataStack


@frozen
class AppStacks:
    """The stacks of one app."""

    network: NetworkStack
    dns: DnsStack | None
    platform: PlatformStack
    exocom: ExoComStack
    services: dict[str, ServiceStack]
    monitoring: MonitoringStack | None = None
    #: The public zone's own stack (none without a domain, or with `hosted-zone-id`).
    zone: ZoneStack | None = None
    #: The databases' stack (none without databases).
    data: DataStack | None = None
    #: The public zone the services' aliases go in (none without a domain).
    public_zone: route53.IHostedZone | None = None


@frozen
class _Build:
    """What every stack of one app is built with."""

    scope: App
    design: AppDesign
    env: Environment
    protect: bool

    def protects(self, name: str) -> bool:
        """Termination protection for stack `name`: the design's protected stacks, unless lifted."""
        return self.protect and name in self.design.protected_stacks

    @property
    def retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.design.log_retention_days]


def build_stacks(scope: App, app: LoadedApp, *, protect: bool = True) -> AppStacks:
    """Add every stack of `app` to `scope`, as its design says.

    With `protect` (the default) the shared stacks have termination protection
    and the load balancer deletion protection; a deployment with `protect=False`
    lifts both so that `cdk destroy` can remove them.
    """
    plan = design(app)
    build = _Build(scope, plan, Environment(account=plan.account, region=plan.region), protect)
    network = _network(build)
    zone = _zone(build)
    dns = _dns(build, zone)
    platform = _platform(build, network, dns)
    exocom = _exocom(build, network, platform)
    data = _data(build, network, platform, exocom)
    public_zone = _public_zone(build, zone, dns, platform)
    shared = AppStacks(network, dns, platform, exocom, {}, data=data, public_zone=public_zone)
    services: dict[str, ServiceStack] = {}
    rows = []
    for spec in plan.services:
        services[spec.role], row = _service(build, spec, shared)
        rows.append(row)
    monitoring = _monitoring(build, platform, exocom, rows)
    for key, value in plan.tags.items():
        Tags.of(scope).add(key, value)
    return AppStacks(network, dns, platform, exocom, services, monitoring, zone, data, public_zone)


def _network(build: _Build) -> NetworkStack:
    spec = build.design.network
    return NetworkStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        availability_zones=spec.availability_zones,
        nat_gateways=spec.nat_gateways,
        key_alias=spec.key_alias,
        termination_protection=build.protects(spec.name),
    )


def _zone(build: _Build) -> ZoneStack | None:
    spec = build.design.zone
    if spec is None:
        return None
    return ZoneStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        domain=spec.domain,
        termination_protection=build.protects(spec.name),
    )


def _dns(build: _Build, zone: ZoneStack | None) -> DnsStack | None:
    spec = build.design.dns
    if spec is None or not spec.has_stack:
        return None
    return DnsStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        domain=spec.domain,
        zone=zone.zone if zone else None,
        hosted_zone_id=spec.hosted_zone_id,
        certificate_arn=spec.certificate_arn,
        termination_protection=build.protects(spec.name),
    )


def _public_zone(
    build: _Build, zone: ZoneStack | None, dns: DnsStack | None, platform: PlatformStack
) -> route53.IHostedZone | None:
    """The dns stack's zone; without a dns stack, the zone stack's or the one given by id
    (imported in the platform stack, as the certificate is)."""
    spec = build.design.dns
    if dns is not None or spec is None or zone is not None:
        return dns.zone if dns else zone.zone if zone else None
    if spec.hosted_zone_id is None:
        raise ValueError(f"the zone of {spec.domain} needs a zone stack or a hosted zone id")
    return route53.PublicHostedZone.from_public_hosted_zone_attributes(
        platform, "Zone", hosted_zone_id=spec.hosted_zone_id, zone_name=spec.domain
    )


def _instance_type(cluster: ClusterDesign) -> ec2.InstanceType:
    return ec2.InstanceType(cluster.instance_type)


def _platform(build: _Build, network: NetworkStack, dns: DnsStack | None) -> PlatformStack:
    spec, plan, spec_dns = build.design.platform, build.design, build.design.dns
    platform = PlatformStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        vpc=network.network.vpc,
        public_instance_type=_instance_type(spec.public),
        private_instance_type=_instance_type(spec.private),
        public_architecture=ARCHITECTURES[spec.public.architecture],
        private_architecture=ARCHITECTURES[spec.private.architecture],
        public_capacity=(spec.public.min_instances, spec.public.max_instances),
        private_capacity=(spec.private.min_instances, spec.private.max_instances),
        certificate=dns.certificate if dns else spec_dns.certificate_arn if spec_dns else None,
        log_group_name_prefix=plan.log_group_name_prefix,
        protect=build.protect,
        waf_rule_groups=spec.waf_rule_groups,
        root_volume_gib=spec.public.root_volume_gib,
        machine_images=(machine_image(spec.public), machine_image(spec.private)),
        session_manager=spec.session_manager,
        notifications_key=network.key,
        container_insights=CONTAINER_INSIGHTS[plan.container_insights],
        termination_protection=build.protects(spec.name),
    )
    if plan.alarms:
        topic = platform.notifications
        for name, cluster in (
            ("public", platform.public_cluster),
            ("private", platform.private_cluster),
        ):
            watch_cluster(platform, f"{name.title()}ClusterAlarms", cluster, topic=topic, name=name)
        watch_load_balancer(platform, platform.load_balancer.load_balancer, topic=topic)
    return platform


def _exocom(build: _Build, network: NetworkStack, platform: PlatformStack) -> ExoComStack:
    spec, plan = build.design.exocom, build.design
    clusters = [platform.public_cluster, platform.private_cluster]
    exocom = ExoComStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        vpc=network.network.vpc,
        image=spec.image,
        command=spec.command,
        environment=spec.environment,
        namespace_name=spec.namespace,
        service_name=spec.service_name,
        port=spec.port,
        instance_type=_instance_type(spec.instance),
        clients=[cluster.security_group for cluster in clusters],
        log_retention=build.retention,
        log_encryption_key=network.key,
        log_group_name_prefix=plan.log_group_name_prefix,
        notifications_topic=platform.notifications,
        architecture=ARCHITECTURES[spec.instance.architecture],
        execute_command=spec.execute_command,
        session_manager=spec.session_manager,
        container_insights=CONTAINER_INSIGHTS[plan.container_insights],
        reconnect_clusters=[c.cluster for c in clusters] if spec.reconnect else [],
        reconnect_roles=spec.roles,
        root_volume_gib=spec.instance.root_volume_gib,
        machine_image=machine_image(spec.instance),
        termination_protection=build.protects(spec.name),
    )
    if plan.alarms:
        # ExoCom's task not running: its running-tasks alarm (one task desired).
        topic = platform.notifications
        watch_service(
            exocom,
            exocom.exocom.service,
            topic=topic,
            thresholds=AlarmThresholds.of(spec.alarms),
            container_insights=plan.insights_on,
        )
        host = exocom.exocom.host
        watch_cluster(exocom, "HostAlarms", host, topic=topic, name="host", managed_scaling=False)
    return exocom


def _data(
    build: _Build, network: NetworkStack, platform: PlatformStack, exocom: ExoComStack
) -> DataStack | None:
    spec = build.design.data
    if spec is None:
        return None
    # Loaded only by an app with databases, and RDS's CDK module with it.
    from exosphere_cdk.stacks.data import DataStack  # noqa: PLC0415

    return DataStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        databases=spec.databases,
        vpc=network.network.vpc,
        encryption_key=network.key,
        namespace=exocom.exocom.namespace,
        clients=[platform.public_cluster.security_group, platform.private_cluster.security_group],
        protect=build.protect,
        termination_protection=build.protects(spec.name),
    )


def _service(
    build: _Build, spec: ServiceDesign, shared: AppStacks
) -> tuple[ServiceStack, ServiceMetrics]:
    """One service's stack, its alarms, and its row of the dashboard."""
    network, dns, platform, exocom = shared.network, shared.dns, shared.platform, shared.exocom
    cluster = platform.public_cluster if spec.public else platform.private_cluster
    load_balancer = platform.load_balancer
    rollback = (
        deployment_alarm_names(
            spec.name, container_insights=build.design.insights_on, routed=spec.routed
        )
        if build.design.alarms
        else []
    )
    service_stack = ServiceStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        spec=spec,
        vpc=network.network.vpc,
        cluster=cluster.cluster,
        capacity_provider_name=cluster.capacity_provider_name,
        log_retention=build.retention,
        log_encryption_key=network.key,
        load_balancer=load_balancer.load_balancer if spec.public else None,
        listener=load_balancer.listener if spec.public else None,
        zone=shared.public_zone,
        certificate_names=dns.certificate_names if dns else None,
        deployment_alarm_names=rollback,
    )
    # Deploying one service also brings ExoCom's routes up to date.
    service_stack.add_stack_dependency(exocom, "a service needs ExoCom to route its messages")
    if spec.databases and shared.data is not None:
        service_stack.add_stack_dependency(shared.data, "a service connects to its databases")
    route = service_stack.route
    target_group = route.target_group if route else None
    alb = load_balancer.load_balancer if route else None
    if build.design.alarms:
        watch_service(
            service_stack,
            service_stack.service.service,
            topic=platform.notifications,
            thresholds=AlarmThresholds.of(spec.alarms),
            container_insights=build.design.insights_on,
            target_group=target_group,
            load_balancer=alb,
            deployment_alarm_names=rollback,
        )
    row = service_metrics(
        spec.role, service_stack.service.service, target_group=target_group, load_balancer=alb
    )
    return service_stack, row


def _monitoring(
    build: _Build, platform: PlatformStack, exocom: ExoComStack, rows: list[ServiceMetrics]
) -> MonitoringStack:
    spec = build.design.monitoring
    return MonitoringStack(
        build.scope,
        spec.name,
        env=build.env,
        description=spec.description,
        dashboard_name=spec.dashboard_name,
        services_per_dashboard=spec.services_per_dashboard,
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
    holding a dynamic reference or a CDK token (stacks.references), or over one
    of CloudFormation's limits on a template (stacks.limits), fails the
    synthesis whatever the packs.
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
    Validations.of(scope).add_plugins(*plugins, NoDynamicReferences(), WithinLimits())
