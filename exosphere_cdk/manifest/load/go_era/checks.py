"""The Go validators' rules, as this project reports them: the required fields per family and
kind of service, and the dependencies' required settings, each quoting Exosphere's message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exosphere_cdk.manifest.errors import KeyPath
from exosphere_cdk.manifest.load.reading import Run
from exosphere_cdk.manifest.load.yaml_io import Document
from exosphere_cdk.manifest.model.app import Kind

#: The releases of each family, as the messages quote them.
VERSIONS: Mapping[str, str] = {
    "go-f1": "0.23-0.25",
    "go-f2": "0.26-0.31",
    "go-f3": "0.32",
    "go-f4": "0.33-0.34",
    "go-f5": "0.35-0.37",
}
#: The environment's keys (AwsTarget) with the Go field names its messages used.
TARGET_FIELDS = (
    ("url", "URL", "the environment's domain"),
    ("region", "Region", "the AWS region"),
    ("account-id", "AccountID", "the AWS account id"),
    ("ssl-certificate-arn", "SslCertificateArn", "the load balancer's ACM certificate ARN"),
)
#: How each family's message named the environment's section (F3 still said `production`).
TARGET_MESSAGE = {
    "go-f1": "production.{yaml}",
    "go-f2": "production.{go}",
    "go-f3": "production.{go}",
    "go-f4": "remote.{go}",
    "go-f5": "remote.environments.{env}.{go}",
}
_ALL: frozenset[Kind] = frozenset(("public", "private", "worker"))
_PUBLIC: frozenset[Kind] = frozenset(("public",))
_LOAD_BALANCED: frozenset[Kind] = frozenset(("public", "private"))
#: The required keys of service.yml per family: (key path, the Go message's name, kinds).
SERVICE_FIELDS: Mapping[str, Sequence[tuple[str, str, frozenset[Kind]]]] = {
    "go-f1": (
        ("production.url", "production.url", _PUBLIC),
        ("production.cpu", "production.cpu", _ALL),
        ("production.memory", "production.memory", _ALL),
        ("production.public-port", "production.public-port", _LOAD_BALANCED),
        ("production.health-check", "production.health-check", _LOAD_BALANCED),
    ),
    "go-f2": (
        ("production.url", "production.URL", _PUBLIC),
        ("production.cpu", "production.CPU", _ALL),
        ("production.memory", "production.Memory", _ALL),
        ("production.port", "production.Port", _LOAD_BALANCED),
        ("production.health-check", "production.HealthCheck", _LOAD_BALANCED),
    ),
    "go-f3": (
        ("production.port", "production.Port", _PUBLIC),
        ("remote.url", "remote.URL", _PUBLIC),
        ("remote.cpu", "remote.CPU", _ALL),
        ("remote.memory", "remote.Memory", _ALL),
        ("remote.health-check", "remote.HealthCheck", _PUBLIC),
    ),
    "go-f4": (
        ("production.port", "production.Port", _PUBLIC),
        ("production.health-check", "production.HealthCheck", _PUBLIC),
        ("remote.url", "remote.URL", _PUBLIC),
        ("remote.cpu", "remote.CPU", _ALL),
        ("remote.memory", "remote.Memory", _ALL),
    ),
    "go-f5": (
        ("production.port", "production.Port", _PUBLIC),
        ("production.health-check", "production.HealthCheck", _PUBLIC),
        ("remote.cpu", "remote.CPU", _ALL),
        ("remote.memory", "remote.Memory", _ALL),
        ("remote.environments.{env}.url", "remote.environments.{env}.url", _PUBLIC),
    ),
}
#: `template-config` of the built-in remote dependencies (`requirements.yml` @v0.37.0).
TEMPLATE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "exocom": ("version",),
    "rds": (
        "engine",
        "engine-version",
        "allocated-storage",
        "instance-class",
        "db-name",
        "username",
        "storage-type",
        "password-secret-name",
    ),
}
#: F2/F3's `config.rds` (the engine is the dependency's name, its version the engine's).
RDS_FIELDS = (
    "allocated-storage",
    "instance-class",
    "db-name",
    "username",
    "password-secret-name",
    "storage-type",
)


def written(data: Any, path: KeyPath) -> bool:
    """Whether `path` holds a value in `data` (parsed YAML): not missing or null (an empty
    string is a value, which its key's spec refuses where it must not be empty)."""
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return False
        data = data[part]
    return data is not None


def missing(
    run: Run, doc: Document, path: KeyPath, *, era: str, expected: str, go_message: str
) -> None:
    """A required key that is not written, with Exosphere's message for it."""
    run.add(
        doc,
        path,
        f'required key missing, expected {expected} (Exosphere {VERSIONS[era]}: "{go_message}")',
    )


def target(run: Run, doc: Document, era: str, at: KeyPath, env: str) -> None:
    """The deployed environment's url, region, account-id and ssl-certificate-arn."""
    for yaml, go, meaning in TARGET_FIELDS:
        if not written(doc.data, (*at, yaml)):
            name = TARGET_MESSAGE[era].format(yaml=yaml, go=go, env=env)
            message = f"application.yml missing required field '{name}'"
            missing(run, doc, (*at, yaml), era=era, expected=meaning, go_message=message)


def service(run: Run, doc: Document, era: str, kind: Kind, *, location: str, env: str) -> None:
    """The keys the Go validator required of a service of this kind."""
    for key, go, kinds in SERVICE_FIELDS[era]:
        path = tuple(key.format(env=env).split("."))
        if kind not in kinds or written(doc.data, path):
            continue
        if key == "production.port" and written(doc.data, ("production", "public-port")):
            continue  # F2 0.26-0.29's name of the port
        message = (
            f"{location.rstrip('/')}/service.yml missing required field '{go.format(env=env)}'"
        )
        missing(run, doc, path, era=era, expected=f"it for a {kind} service", go_message=message)


def template_config(
    run: Run, doc: Document, era: str, at: KeyPath, *, kind: str, config: Mapping[str, str]
) -> bool:
    """A remote dependency's required `template-config` keys; whether all are there."""
    complete = True
    for field in TEMPLATE_FIELDS.get(kind, ()):
        if field not in config or config[field] == "":
            complete = False
            message = (
                f"remote dependency of type '{kind}' missing required field"
                f" 'template-config.{field}'"
            )
            missing(
                run,
                doc,
                (*at, "template-config", field),
                era=era,
                expected=f"{kind}'s {field}",
                go_message=message,
            )
    return complete
