"""What the rules modules share: the file and key path a problem is about."""

from __future__ import annotations

import attrs

from exosphere_cdk.manifest.errors import Problem, display_path
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService


def app_file(app: LoadedApp) -> str:
    """application.yml as the user should read it."""
    return display_path(app.directory / "application.yml")


class ServiceFile(str):
    """A service's service.yml as shown, knowing the role it was checked for.

    Two roles may share one folder: a problem found for each is then one
    problem naming both (`name_shared_roles`), not the same line twice.
    """

    role: str

    def __new__(cls, file: str, role: str) -> ServiceFile:
        self = super().__new__(cls, file)
        self.role = role
        return self


def service_file(app: LoadedApp, svc: LoadedService) -> str:
    """The service's service.yml, or application.yml for a docker_image-only service."""
    if svc.directory is None:
        return app_file(app)
    return ServiceFile(display_path(svc.directory / "service.yml"), svc.role)


def name_shared_roles(app: LoadedApp, problems: list[Problem]) -> list[Problem]:
    """`problems` with those of a service.yml that several roles share naming their roles.

    The same problem found for several of the roles is one problem, naming them
    all (`for users and users2: ...`).
    """
    roles: dict[str, list[str]] = {}
    for svc in app.services:
        if svc.directory is not None:
            roles.setdefault(display_path(svc.directory / "service.yml"), []).append(svc.role)
    shared = {file for file, names in roles.items() if len(names) > 1}
    kept: list[Problem] = []
    about: dict[tuple[object, ...], list[str]] = {}
    for problem in problems:
        role = getattr(problem.file, "role", None)
        if role is None or problem.file not in shared:
            kept.append(problem)
            continue
        same = (str(problem.file), problem.path, problem.message, problem.severity, problem.line)
        if same not in about:
            about[same] = []
            kept.append(problem)
        if role not in about[same]:
            about[same].append(role)
    out: list[Problem] = []
    for problem in kept:
        role = getattr(problem.file, "role", None)
        file = str(problem.file)
        if role is None or file not in shared:
            out.append(attrs.evolve(problem, file=file))
            continue
        names = about[(file, problem.path, problem.message, problem.severity, problem.line)]
        who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        out.append(attrs.evolve(problem, file=file, message=f"for {who}: {problem.message}"))
    return out


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
