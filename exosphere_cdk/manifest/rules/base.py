"""What the rules modules share: the file and key path a problem is about."""

from __future__ import annotations

from exosphere_cdk.manifest.errors import display_path
from exosphere_cdk.manifest.model import LoadedApp, LoadedService


def app_file(app: LoadedApp) -> str:
    """application.yml as the user should read it."""
    return display_path(app.directory / "application.yml")


def service_file(app: LoadedApp, svc: LoadedService) -> str:
    """The service's service.yml, or application.yml for a docker_image-only service."""
    if svc.directory is None:
        return app_file(app)
    return display_path(svc.directory / "service.yml")


def ref_path(svc: LoadedService) -> str:
    """`services.public.web`: the service's entry in application.yml."""
    return f"services.{'public' if svc.public else 'private'}.{svc.role}"


def messages_path(svc: LoadedService) -> str:
    """Where the service's messages are written: `messages` of its service.yml, or
    `services.<visibility>.<role>.messages` of application.yml."""
    return "messages" if svc.directory is not None else f"{ref_path(svc)}.messages"


def aws_path(app: LoadedApp, key: str) -> str:
    """`environments.<env>.providers.aws.<key>`."""
    return f"environments.{app.env_name}.providers.aws.{key}"


#: The application.yml keys of the three clusters' instance types.
CLUSTER_KEYS = ("public-cluster-size", "private-cluster-size", "exocom-cluster-size")


def cluster_size(app: LoadedApp, key: str) -> str | None:
    """The value of one of CLUSTER_KEYS as written (None when absent)."""
    aws = app.aws
    return {
        "public-cluster-size": aws.public_cluster_size,
        "private-cluster-size": aws.private_cluster_size,
        "exocom-cluster-size": aws.exocom_cluster_size,
    }[key]
