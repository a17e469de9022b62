"""The exo-deploy era's manifests as the era-neutral app (model.app), with their key paths.

This is the one place that knows where the exo-deploy era writes each value
(`production.aws.cpu` of service.yml, `environments.<env>.providers.aws.*` of
application.yml): the rules quote those keys through `Source`.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from exosphere_cdk.manifest.design.derive import environment_url
from exosphere_cdk.manifest.errors import display_path
from exosphere_cdk.manifest.load.exo_deploy.manifests import Manifests, WrittenService
from exosphere_cdk.manifest.load.exo_deploy.schema import (
    AlarmThresholds,
    AwsProvider,
    Service,
    ServiceRef,
)
from exosphere_cdk.manifest.model.app import (
    Alarms,
    AwsSettings,
    Image,
    LoadedApp,
    LoadedService,
    Messages,
    Mongo,
    Secret,
    Source,
    Where,
)
from exosphere_cdk.manifest.model.constraints import PRODUCTION
from exosphere_cdk.manifest.model.spec import KEY
from exosphere_cdk.manifest.rules.grammars import COMPONENT_RULE, NAME_COMPONENT
from exosphere_cdk.manifest.rules.quotas import IMAGE_NAME_CHARS

#: Where service.yml writes each value of a service (model.app.LoadedService's names).
SERVICE_KEYS = {
    "messages": "messages",
    "command": "startup.command",
    "dependencies": "dependencies",
    "mongo": "dependencies.mongo",
    "production": "production",
    "url": "production.url",
    "environment": "production.environment",
    "secrets": "production.secrets",
    "cpu": "production.aws.cpu",
    "memory": "production.aws.memory",
    "port": "production.aws.public-port",
    "health_check_path": "production.aws.health-check-path",
    "min_tasks": "production.aws.min-tasks",
    "max_tasks_given": "production.aws.max-tasks",
    "cpu_target": "production.aws.cpu-target",
    "read_only_root": "production.aws.read-only-root",
    "user": "production.aws.user",
    "listener_priority": "production.aws.listener-priority",
    "alarms": "production.aws.alarms",
}
#: Where application.yml writes each value of a service's entry (the era's translations
#: are its namespace's).
ENTRY_KEYS = {
    "location": "location",
    "image_name": "docker_image",
    "namespace": "namespace",
    "translations": "namespace",
}


def app_file(directory: Path) -> str:
    """application.yml as the user should read it."""
    return display_path(directory / "application.yml")


def entry_path(role: str, public: bool) -> str:
    """`services.public.web`: the service's entry in application.yml."""
    return f"services.{'public' if public else 'private'}.{role}"


def dashify(text: str) -> str:
    """Lowercase, every character that is not a letter or digit replaced by '-'."""
    return re.sub(r"[^a-z0-9]", "-", text.lower())


def name_component_problem(value: str, image: str) -> str | None:
    """What is wrong with `value` (a service's author or type) as the name component it
    makes of `image` (`<author>/<type>`), or None."""
    component = dashify(value)
    if not value or len(component) > IMAGE_NAME_CHARS or NAME_COMPONENT.fullmatch(component):
        return None
    return (
        f"'{value}' makes '{component}' of the image name '{image}', expected"
        f" {COMPONENT_RULE} (or a Dockerfile, or docker_image in application.yml)"
    )


def image(ref: ServiceRef, service: Service, directory: Path | None) -> Image:
    """A Dockerfile in the service folder, else `docker_image`, else `<author>/<type>`.

    For a service with none of the three (reported by the loader) this is the
    registry name `/`, never deployed.
    """
    if directory is not None and (directory / "Dockerfile").is_file():
        return Image("asset", str(directory))
    if ref.docker_image:
        return Image("registry", ref.docker_image)
    return Image("registry", f"{dashify(service.author or '')}/{dashify(service.type or '')}")


def service_source(manifests: Manifests, written: WrittenService) -> Source:
    """Where the values of one service are written (`image`: the name of a pulled image;
    `url`: the environment's `urls.<role>` when it gives one)."""
    app_dir, ref, role, directory = (
        manifests.directory,
        written.ref,
        written.role,
        written.directory,
    )
    entry = Where(app_file(app_dir), entry_path(role, written.public))
    env_url = None
    if manifests.env_name != PRODUCTION and role in manifests.environment.urls:
        env_url = Where(entry.file, "").key("environments", manifests.env_name, "urls", role)
    keys = {name: entry.key(key) for name, key in ENTRY_KEYS.items()}
    keys["image"] = keys["image_name"]
    if directory is None:  # a docker_image only: its messages are in its entry
        keys["messages"] = entry.key("messages")
        if env_url is not None:
            keys["url"] = env_url
        return Source(file=Where(entry.file, ""), keys=keys, fallback=entry)
    file = Where(display_path(directory / "service.yml"), "", role)
    keys.update({name: file.key(*key.split(".")) for name, key in SERVICE_KEYS.items()})
    if not ref.docker_image:  # `<author>/<type>`
        keys["image"] = file.key("type")
    if env_url is not None:
        keys["url"] = env_url
    return Source(file=file, keys=keys, fallback=entry)


def alarms(thresholds: AlarmThresholds) -> Alarms:
    return Alarms(
        cpu_percent=thresholds.cpu_percent,
        memory_percent=thresholds.memory_percent,
        server_errors_percent=thresholds.server_errors_percent,
        p99_ms=thresholds.p99_ms,
        unhealthy_hosts=thresholds.unhealthy_hosts,
    )


def url(manifests: Manifests, written: WrittenService) -> str | None:
    """The service's url in the deployed environment: production's `production.url`; in
    another environment its `urls.<role>`, else production's url moved into its domain
    (derive.environment_url), else production's url as written (the rules then say
    whether it fits the environment's domain)."""
    written_url = written.service.production.url
    if manifests.env_name == PRODUCTION:
        return written_url
    given = manifests.environment.urls.get(written.role)
    if given is not None:
        return given
    if written_url is None:
        return None
    domain = manifests.environment.domain
    moved = environment_url(written_url, manifests.production_domain, domain)
    return written_url if moved is None else moved


def loaded_service(manifests: Manifests, written: WrittenService) -> LoadedService:
    """One service in era-neutral terms."""
    role, public, directory = written.role, written.public, written.directory
    ref, service = written.ref, written.service
    production = service.production
    aws = production.aws
    mongo = service.dependencies.get("mongo")
    return LoadedService(
        role=role,
        kind="public" if public else "private",
        directory=directory,
        image=image(ref, service, directory),
        image_name=ref.docker_image,
        messages=Messages(sends=service.messages.sends, receives=service.messages.receives),
        namespace=ref.namespace,
        command=service.startup.command,
        cpu=aws.cpu,
        memory=aws.memory,
        port=aws.public_port,
        url=url(manifests, written),
        health_check_path=aws.health_check_path,
        min_tasks=aws.min_tasks,
        max_tasks_given=aws.max_tasks,
        cpu_target=aws.cpu_target,
        read_only_root=aws.read_only_root,
        user=aws.user,
        listener_priority=aws.listener_priority,
        alarms=alarms(aws.alarms),
        environment=dict(production.environment),
        secrets={
            name: Secret(name=ref.name, json_key=ref.json_key)
            for name, ref in production.secrets.items()
        },
        dependencies=tuple(service.dependencies),
        mongo=None if mongo is None else Mongo(address=mongo.prod, secret=mongo.secret),
        source=service_source(manifests, written),
    )


def aws_settings(aws: AwsProvider) -> AwsSettings:
    """The AWS settings: the fields of the same names (remote-state-store has no meaning);
    the account is `account-id`, else its former name `account`."""
    names = {a.name for a in attrs.fields(AwsSettings)}
    values = {name: getattr(aws, name) for name in names}
    values["account"] = aws.account_id or aws.account
    return AwsSettings(**values)


def app_source(directory: Path, env: str, bus: str, account: str | None = None) -> Source:
    """Where the app's own values are written; `bus` is the key path of the bus entry,
    `account` the key the account was written with (`account-id`, or `account`)."""
    file = Where(app_file(directory), "")
    environment = file.key("environments", env)
    keys = {
        "name": file.key("name"),
        "slug": file.key("slug"),
        "services": file.key("services"),
        "public_services": file.key("services", "public"),
        "bus": file.key(*bus.split(".")),
        "version": file.key(*bus.split("."), "version"),
        "environment": environment,
        "domain": environment.key("domain"),
        "urls": environment.key("urls"),
    }
    aws = environment.key("providers", "aws")
    for a in attrs.fields(AwsProvider):
        keys[f"aws.{a.name}"] = aws.key(a.metadata.get(KEY, a.name))
    if account is not None:  # the key the account was read from
        keys["aws.account"] = aws.key(account)
    return Source(file=file, keys=keys, fallback=file)


def account_key(manifests: Manifests) -> str | None:
    """The key the environment's account is written with, if any."""
    aws = manifests.environment.providers.aws
    if aws.account_id is not None:
        return "account-id"
    return "account" if aws.account is not None else None


def loaded_app(manifests: Manifests) -> LoadedApp:
    """The app in era-neutral terms."""
    environment = manifests.environment
    return LoadedApp(
        directory=manifests.directory,
        name=manifests.application.name,
        env_name=manifests.env_name,
        domain=environment.domain,
        aws=aws_settings(environment.providers.aws),
        services=tuple(loaded_service(manifests, w) for w in manifests.services),
        slug=manifests.slug,
        exocom_version=manifests.exocom_version,
        source=app_source(
            manifests.directory, manifests.env_name, manifests.bus_path, account_key(manifests)
        ),
        environments=tuple(str(name) for name in manifests.application.environments),
    )
