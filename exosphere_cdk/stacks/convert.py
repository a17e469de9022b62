"""The design's values in CDK terms: retention periods, insights, architectures, images."""

from __future__ import annotations

from aws_cdk import SymlinkFollowMode
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_cdk.manifest.design.app import (
    Architecture,
    BuiltImage,
    ClusterDesign,
    PulledImage,
)
from exosphere_cdk.manifest.model.constraints import LOG_RETENTION_DAYS
from exosphere_cdk.stacks.images import registry_image

#: CloudWatch Logs' retention periods by days: the manifest's table, paired with CDK's
#: enum members (declared in the same ascending order, `INFINITE` last).
RETENTION_DAYS: dict[int, logs.RetentionDays] = dict(
    zip(
        LOG_RETENTION_DAYS,
        (period for period in logs.RetentionDays if period is not logs.RetentionDays.INFINITE),
        strict=True,
    )
)

#: CloudWatch Container Insights settings of a cluster, by the manifest's names.
CONTAINER_INSIGHTS = {
    "enhanced": ecs.ContainerInsights.ENHANCED,
    "enabled": ecs.ContainerInsights.ENABLED,
    "disabled": ecs.ContainerInsights.DISABLED,
}


def machine_image(cluster: ClusterDesign) -> ec2.IMachineImage | None:
    """The cluster's pinned AMI (in its region only); None: the construct's default."""
    if cluster.ami is None:
        return None
    return ec2.MachineImage.generic_linux({cluster.ami.region: cluster.ami.image_id})


ARCHITECTURES: dict[Architecture, ec2.InstanceArchitecture] = {
    "x86_64": ec2.InstanceArchitecture.X86_64,
    "arm64": ec2.InstanceArchitecture.ARM_64,
}

#: The platform an image asset is built for, by the architecture of its cluster.
ASSET_PLATFORMS: dict[Architecture, ecr_assets.Platform] = {
    "x86_64": ecr_assets.Platform.LINUX_AMD64,
    "arm64": ecr_assets.Platform.LINUX_ARM64,
}


def container_image(scope: Construct, image: BuiltImage | PulledImage) -> ecs.ContainerImage:
    """A built image as an asset of `scope`'s stack, a pulled one by name (registry_image)."""
    if isinstance(image, PulledImage):
        return registry_image(scope, image)
    return ecs.ContainerImage.from_asset(
        image.directory,
        exclude=list(image.exclude),
        # Nothing outside the app folder is packaged (validate refuses links out).
        follow_symlinks=SymlinkFollowMode.BLOCK_EXTERNAL,
        platform=ASSET_PLATFORMS[image.architecture],
    )
