"""The design's values in CDK terms: retention periods, insights, architectures, images."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import SymlinkFollowMode
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

if TYPE_CHECKING:
    from aws_cdk import aws_rds as rds

from exosphere_cdk.manifest.data.rds import engine_major_version
from exosphere_cdk.manifest.design.app import (
    Architecture,
    BuiltImage,
    ClusterDesign,
    DatabaseDesign,
    PulledImage,
)
from exosphere_cdk.manifest.model.app import DOCKERFILE
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
        # none for CDK's default: the asset's hash counts a file given
        file=None if image.dockerfile == DOCKERFILE else image.dockerfile,
        exclude=list(image.exclude),
        # Nothing outside the app folder is packaged (validate refuses links out).
        follow_symlinks=SymlinkFollowMode.BLOCK_EXTERNAL,
        platform=ASSET_PLATFORMS[image.architecture],
    )


def database_engine(db: DatabaseDesign) -> rds.IInstanceEngine:
    """The database's engine at its version."""
    # Loaded only by an app with databases, and RDS's CDK module with it.
    from aws_cdk import aws_rds as rds  # noqa: PLC0415

    major = engine_major_version(db.engine, db.engine_version)
    if db.engine == "postgres":
        return rds.DatabaseInstanceEngine.postgres(
            version=rds.PostgresEngineVersion.of(db.engine_version, major)
        )
    return rds.DatabaseInstanceEngine.mysql(
        version=rds.MysqlEngineVersion.of(db.engine_version, major)
    )


def database_instance_type(db: DatabaseDesign) -> ec2.InstanceType:
    """The instance class without RDS's `db.` (CDK writes it back)."""
    return ec2.InstanceType(db.instance_class.removeprefix("db."))


def storage_type(db: DatabaseDesign) -> rds.StorageType:
    """RDS's storage type by its API name (`gp2`, `gp3`, `io1`, `io2`, `standard`)."""
    from aws_cdk import aws_rds as rds  # noqa: PLC0415

    return rds.StorageType[db.storage_type.upper()]
