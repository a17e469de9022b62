"""The Go era's manifests as the era-neutral app (model.app), with their key paths.

This is the one place that knows where each family of the Go era writes each value
(`remote.cpu` of an F5 service.yml, `production.cpu` of an F2 one, the deployed
environment's `remote.environments.<env>` in F5): the rules quote those keys through
`Source`. A family's `*_view` reads its schema classes into the same flat views,
which `loaded_service` and `loaded_app` turn into the neutral app.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.design.derive import go_secrets_store
from exosphere_cdk.manifest.errors import display_path
from exosphere_cdk.manifest.load.exo_deploy import schema as exo_deploy
from exosphere_cdk.manifest.load.exo_deploy.translate import aws_settings
from exosphere_cdk.manifest.load.files import GO_ERA_DOCKERFILES, dockerfile_in
from exosphere_cdk.manifest.load.go_era import schema as go
from exosphere_cdk.manifest.model.app import (
    Alarms,
    AwsSettings,
    Database,
    Image,
    Kind,
    LoadedApp,
    LoadedService,
    Messages,
    Secret,
    Source,
    Where,
)
from exosphere_cdk.manifest.model.spec import KEY

#: Where each family's service.yml writes each value (model.app.LoadedService's names);
#: `{env}` is the deployed environment.
SERVICE_KEYS: Mapping[str, Mapping[str, str]] = {
    "go-f1": {
        "kind": "type",
        "messages": "messages",
        "url": "production.url",
        "cpu": "production.cpu",
        "memory": "production.memory",
        "port": "production.public-port",
        "health_check_path": "production.health-check",
        "environment": "environment.production",
        "secrets": "environment.secrets",
    },
    "go-f2": {
        "kind": "type",
        "messages": "messages",
        "dependencies": "production.dependencies",
        "url": "production.url",
        "cpu": "production.cpu",
        "memory": "production.memory",
        "port": "production.port",
        "health_check_path": "production.health-check",
        "environment": "environment.production",
        "secrets": "environment.secrets",
    },
    "go-f3": {
        "kind": "type",
        "messages": "messages",
        "dependencies": "remote.dependencies",
        "url": "remote.url",
        "cpu": "remote.cpu",
        "memory": "remote.memory",
        "port": "production.port",
        "health_check_path": "remote.health-check",
        "environment": "environment.remote",
        "secrets": "environment.secrets",
    },
    "go-f4": {
        "kind": "type",
        "messages": "dependency-data.exocom",
        "dependencies": "remote.dependencies",
        "url": "remote.url",
        "cpu": "remote.cpu",
        "memory": "remote.memory",
        "port": "production.port",
        "health_check_path": "production.health-check",
        "environment": "remote.environment",
        "secrets": "remote.secrets",
    },
    "go-f5": {
        "kind": "type",
        "messages": "dependency-data.exocom",
        "dependencies": "remote.dependencies",
        "url": "remote.environments.{env}.url",
        "cpu": "remote.cpu",
        "memory": "remote.memory",
        "port": "production.port",
        "health_check_path": "production.health-check",
        "environment": "remote.environments.{env}.environment-variables",
        "secrets": "remote.environments.{env}.secrets",
    },
}
#: Where each family's application.yml writes a service's entry values (below its entry).
ENTRY_KEYS: Mapping[str, Mapping[str, str]] = {
    **{
        family: {
            "location": "location",
            "image_name": "docker-image",
            "translations": "message-translation",
        }
        for family in ("go-f1", "go-f2", "go-f3")
    },
    **{
        family: {
            "location": "location",
            "image_name": "docker-image",
            "translations": "dependency-data.exocom.translations",
        }
        for family in ("go-f4", "go-f5")
    },
}
#: Where each family's application.yml writes the deployed environment (`AwsTarget`), the
#: app's variables and secrets (None: the family has none).
APP_KEYS: Mapping[str, Mapping[str, str | None]] = {
    "go-f1": {"environment": "production", "variables": None, "secrets": None},
    "go-f2": {"environment": "production", "variables": None, "secrets": None},
    "go-f3": {"environment": "remote", "variables": None, "secrets": None},
    "go-f4": {
        "environment": "remote",
        "variables": "remote.environment",
        "secrets": "remote.secrets",
    },
    "go-f5": {
        "environment": "remote.environments.{env}",
        "variables": "remote.environments.{env}.environment-variables",
        "secrets": "remote.environments.{env}.secrets",
    },
}
#: The variables of the Go era's ExoCom dependency that exosphere-cdk sets itself: a value
#: written for them (the Go era's `exocom.<env>-<app>.local`) is dropped with a notice.
SET_BY_US = ("EXOCOM_HOST", "EXOCOM_PORT")
#: The families whose exo deploy gave each service its peers' `<ROLE>_EXTERNAL_ORIGIN` and
#: `<ROLE>_INTERNAL_ORIGIN` (`endpoints.GetServiceEndpointEnvVars`, from 0.33; 0.32 gave a
#: public service only its own external origin, earlier releases none).
PEER_VARIABLES = ("go-f4", "go-f5")
#: The families whose deploy gave each public service its own external origin only
#: (v0.32.0's `getEndpointEnvVars`: `<ROLE>_EXTERNAL_ORIGIN=https://<remote.url>`).
OWN_ORIGIN = ("go-f3",)
#: The families whose `memory` was ECS's hard `memory` (the service task definition up to
#: v0.26.2, `ecs-task-definition/task-definition.tf`); from v0.26.3 it is a
#: `memoryReservation`. F2 starts at v0.26.0, but its shape is the same before and after
#: v0.26.3: F2 is read as the later.
HARD_MEMORY = ("go-f1",)
#: The variable of a database's address when the manifest names none: the dependency's
#: name in capitals (F2's own rule: `POSTGRES`, `MYSQL`), '-' made '_'.
ADDRESS = "address"


@frozen(kw_only=True)
class ServiceView:
    """A service's values as its family wrote them, before they are made neutral."""

    role: str
    kind: Kind
    directory: Path | None
    entry: go.ServiceRef
    messages: Messages
    translations: tuple[go.MessageTranslation, ...]
    cpu: int | None
    memory: int | None
    port: int | None
    health_check: str | None
    url: str | None
    #: The service's own variables and secret keys, merged as its family merged them.
    environment: Mapping[str, str]
    secrets: tuple[str, ...]
    #: The service's entry below `services` (`public.web` where the family groups them).
    entry_path: tuple[str, ...]
    #: The port's key when it is not the family's usual one (F2's `public-port`).
    port_key: str | None = None


@frozen(kw_only=True)
class AppView:
    """The app's values as its family wrote them."""

    era: str
    directory: Path
    name: str
    slug: str
    env: str
    environments: tuple[str, ...]
    target: go.AwsTarget
    exocom_version: str
    #: The key path of the ExoCom dependency (`production.dependencies[0]`).
    exocom_at: str
    variables: Mapping[str, str]
    secrets: tuple[str, ...]
    services: tuple[ServiceView, ...]
    databases: tuple[Database, ...]


def app_file(directory: Path) -> str:
    return display_path(directory / "application.yml")


def keys(table: Mapping[str, str | None], env: str) -> dict[str, str]:
    """`table` with `{env}` filled in, without the values a family has no key for."""
    return {name: path.format(env=env) for name, path in table.items() if path is not None}


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def image(entry: go.ServiceRef, directory: Path | None) -> Image:
    """The service folder's Dockerfile.prod (as the Go era's exo deploy built it) or
    Dockerfile, else `docker-image`, else exo-deploy's leftover `docker_image` (the
    loader reports a service with none of them)."""
    dockerfile = None if directory is None else dockerfile_in(directory, GO_ERA_DOCKERFILES)
    if directory is not None and dockerfile is not None:
        return Image("asset", str(directory), dockerfile)
    name = entry.docker_image or entry.docker_image_leftover or ""
    return Image("registry", name)


def image_name(entry: go.ServiceRef, directory: Path | None) -> str | None:
    """The image named in application.yml: `docker-image`, or exo-deploy's leftover
    `docker_image` when it is the image pulled (the folder has no Dockerfile.prod or Dockerfile)."""
    if entry.docker_image is not None:
        return entry.docker_image
    if image(entry, directory).kind == "registry":
        return entry.docker_image_leftover
    return None


def entry_source(view: ServiceView, era: str, entry: Where, env: str) -> Source:
    """Where the values of one service are written: its entry in application.yml, and
    its service.yml (`port`: F2's `public-port` where that is the key written)."""
    written = {name: entry.key(*_split(key)) for name, key in ENTRY_KEYS[era].items()}
    if view.entry.docker_image is None and view.entry.docker_image_leftover is not None:
        written["image_name"] = entry.key("docker_image")  # exo-deploy's leftover, read
    written["image"] = written["image_name"]
    if view.directory is None:
        return Source(file=Where(entry.file, ""), keys=written, fallback=entry)
    file = Where(display_path(view.directory / "service.yml"), "", view.role)
    written.update(
        {name: file.key(*_split(key)) for name, key in keys(SERVICE_KEYS[era], env).items()}
    )
    if view.port_key is not None:
        written["port"] = file.key(*_split(view.port_key))
    return Source(file=file, keys=written, fallback=entry)


def _service_defaults() -> dict[str, Any]:
    """What the Go era has no key for, at the exo-deploy era's defaults (one task)."""
    aws = exo_deploy.AwsService()
    return {
        "min_tasks": aws.min_tasks,
        "max_tasks_given": aws.max_tasks,
        "cpu_target": aws.cpu_target,
        "read_only_root": aws.read_only_root,
        "user": aws.user,
        "listener_priority": aws.listener_priority,
        "health_check_path": aws.health_check_path,
        "cpu": aws.cpu,
        "memory": aws.memory,
    }


def merged_environment(app: AppView, view: ServiceView) -> dict[str, str]:
    """The app's variables, then the service's (the Go era's order), without SET_BY_US."""
    merged = {**app.variables, **view.environment}
    return {name: value for name, value in merged.items() if name not in SET_BY_US}


def secrets(app: AppView, view: ServiceView) -> dict[str, Secret]:
    """The service's and the app's secret keys, each one key of the environment's store."""
    store = go_secrets_store(app.slug, app.env)
    return {key: Secret(name=store, json_key=key) for key in (*view.secrets, *app.secrets)}


def loaded_service(app: AppView, view: ServiceView, entry: Where) -> LoadedService:
    """One service in era-neutral terms."""
    defaults = _service_defaults()
    return LoadedService(
        role=view.role,
        kind=view.kind,
        directory=view.directory,
        image=image(view.entry, view.directory),
        image_name=image_name(view.entry, view.directory),
        messages=view.messages,
        namespace=None,
        command=None,
        cpu=view.cpu if view.cpu is not None else defaults["cpu"],
        memory=view.memory if view.memory is not None else defaults["memory"],
        memory_is_reservation=app.era not in HARD_MEMORY,
        port=view.port if view.kind == "public" else None,
        url=view.url if view.kind == "public" else None,
        health_check_path=view.health_check or defaults["health_check_path"],
        min_tasks=defaults["min_tasks"],
        max_tasks_given=defaults["max_tasks_given"],
        cpu_target=defaults["cpu_target"],
        read_only_root=defaults["read_only_root"],
        user=defaults["user"],
        listener_priority=defaults["listener_priority"],
        alarms=Alarms.defaults(),
        environment=merged_environment(app, view),
        secrets=secrets(app, view),
        dependencies=(),
        mongo=None,
        translations=tuple(
            MessageTranslation(public=t.public, internal=t.internal) for t in view.translations
        ),
        source=entry_source(view, app.era, entry, app.env),
    )


def settings(target: go.AwsTarget) -> AwsSettings:
    """The environment's region, account pin and certificate; every other setting at the
    exo-deploy era's default (the Go era had no key for them)."""
    return attrs.evolve(
        aws_settings(exo_deploy.AwsProvider()),
        region=target.region,
        account=target.account_id,
        certificate_arn=target.ssl_certificate_arn,
    )


def app_source(app: AppView) -> Source:
    """Where the app's own values are written."""
    file = Where(app_file(app.directory), "")
    table = keys(APP_KEYS[app.era], app.env)
    environment = file.key(*_split(table["environment"]))
    found = {
        "name": file.key("name"),
        "slug": file.key("name"),
        "services": file.key("services"),
        "public_services": file.key("services"),
        "bus": file.key(*_split(app.exocom_at)),
        "version": file.key(*_split(app.exocom_at), *exocom_version_key(app.era)),
        "environment": environment,
        "domain": environment.key("url"),
        "aws.region": environment.key("region"),
        "aws.account": environment.key("account-id"),
        "aws.certificate_arn": environment.key("ssl-certificate-arn"),
    }
    return Source(file=file, keys=found, fallback=environment)


def exocom_version_key(era: str) -> tuple[str, ...]:
    """The key of ExoCom's version inside its dependency entry."""
    return ("template-config", "version") if era in ("go-f4", "go-f5") else ("version",)


def loaded_app(app: AppView) -> LoadedApp:
    """The app in era-neutral terms."""
    file = Where(app_file(app.directory), "")
    services = tuple(
        loaded_service(app, view, file.key("services", *view.entry_path)) for view in app.services
    )
    return LoadedApp(
        directory=app.directory,
        name=app.name,
        env_name=app.env,
        domain=app.target.url,
        aws=settings(app.target),
        services=services,
        slug=app.slug,
        exocom_version=app.exocom_version,
        source=app_source(app),
        environments=app.environments,
        era=app.era,
        databases=app.databases,
        peer_variables=app.era in PEER_VARIABLES,
        own_origin=app.era in OWN_ORIGIN,
    )


# ---------------------------------------------------------------- databases


def address_variable(name: str) -> str:
    """The variable of a database's address: its dependency's name in capitals."""
    return name.upper().replace("-", "_")


def database(
    *,
    id_: str,
    config: Mapping[str, str],
    password: str,
    variables: Mapping[str, str] | None,
    roles: tuple[str, ...] | None,
    store: str,
    source: Source,
) -> Database:
    """A database from its checked settings (template-config's keys, or F2's rds keys)."""
    given = {ADDRESS: address_variable(id_), **(variables or {})}
    return Database(
        id=id_,
        engine="mysql" if config["engine"] == "mysql" else "postgres",
        engine_version=config["engine-version"],
        allocated_storage_gib=int(config["allocated-storage"]),
        instance_class=config["instance-class"],
        db_name=config["db-name"],
        username=config["username"],
        storage_type=config["storage-type"],
        password=Secret(name=store, json_key=password),
        variables=given,
        roles=roles,
        source=source,
    )


# ---------------------------------------------------------------- reading by key path

#: The Go era's kinds of service, as this model has them (master's `private` included).
KINDS: Mapping[str, Kind] = {"public": "public", "worker": "worker", "private": "private"}
#: The variables of every environment, under the environment's own (F1-F3).
DEFAULT_VARIABLES: Mapping[str, str] = {
    "go-f1": "environment.default",
    "go-f2": "environment.default",
    "go-f3": "environment.default",
}


def value_at(obj: Any, path: str) -> Any:
    """The value at the YAML key path `path` (`remote.environments.production.url`) of a
    schema instance, or None when a section on the way is not written."""
    for part in _split(path):
        if obj is None:
            return None
        if isinstance(obj, Mapping):
            obj = obj.get(part)
            continue
        names = {a.metadata.get(KEY, a.name): a.name for a in attrs.fields(type(obj))}
        obj = getattr(obj, names[part])
    return obj


def service_view(
    era: str, role: str, kind: Kind, entry: go.ServiceRef, svc: Any, **where: Any
) -> ServiceView:
    """A service's values, read where its family writes them (SERVICE_KEYS, ENTRY_KEYS);
    `where`: `directory`, `env`, and `grouped` (its entry is below its kind)."""
    env, grouped = where["env"], where["grouped"]
    table = keys(SERVICE_KEYS[era], env)
    messages = value_at(svc, table["messages"])
    port, port_key = value_at(svc, table["port"]), None
    if port is None and era == "go-f2" and svc.production.public_port is not None:
        port, port_key = svc.production.public_port, "production.public-port"  # 0.26-0.29
    default = DEFAULT_VARIABLES.get(era)
    return ServiceView(
        role=role,
        kind=kind,
        directory=where["directory"],
        entry=entry,
        messages=Messages(sends=messages.sends, receives=messages.receives),
        translations=value_at(entry, ENTRY_KEYS[era]["translations"]),
        cpu=value_at(svc, table["cpu"]),
        memory=value_at(svc, table["memory"]),
        port=port,
        port_key=port_key,
        health_check=value_at(svc, table["health_check_path"]),
        url=value_at(svc, table["url"]),
        environment={
            **(value_at(svc, default) if default else {}),
            **(value_at(svc, table["environment"]) or {}),
        },
        secrets=tuple(value_at(svc, table["secrets"]) or ()),
        entry_path=(kind, role) if grouped else (role,),
    )


def app_values(era: str, application: Any, env: str) -> tuple[Any, dict[str, str], tuple[str, ...]]:
    """The deployed environment (an AwsTarget), the app's variables and its secret keys."""
    table = keys(APP_KEYS[era], env)
    target = value_at(application, table["environment"]) or go.AwsTarget()
    variables = value_at(application, table["variables"]) if "variables" in table else None
    secrets = value_at(application, table["secrets"]) if "secrets" in table else None
    return target, dict(variables or {}), tuple(secrets or ())
