"""Container images pulled by name, with what pulling them needs (credentials, ECR rights)."""

from __future__ import annotations

from aws_cdk import aws_ecs as ecs
from constructs import Construct

from exosphere_cdk.manifest.design.app import PulledImage
from exosphere_cdk.stacks.secrets import import_secret


def registry_image(scope: Construct, image: PulledImage) -> ecs.ContainerImage:
    """`image` as a container image of `scope`'s stack.

    An ECR image comes from its repository (its task's execution role is granted
    the pull); any other is pulled by name, with `credentials` when given (the
    execution role is granted read on that secret).
    """
    if image.ecr_repository_arn is not None:
        # Loaded only by an app with an ECR image.
        from aws_cdk import aws_ecr as ecr  # noqa: PLC0415

        repository = ecr.Repository.from_repository_arn(
            scope, "ImageRepository", image.ecr_repository_arn
        )
        return ecs.ContainerImage.from_ecr_repository(repository, image.ecr_tag_or_digest)
    credentials = (
        import_secret(scope, "RegistryCredentials", image.credentials)
        if image.credentials is not None
        else None
    )
    return ecs.ContainerImage.from_registry(image.name, credentials=credentials)
