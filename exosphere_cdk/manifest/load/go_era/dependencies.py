"""The Go era's dependencies: ExoCom's version, and the `rds` databases, per family."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.design.derive import go_secrets_store
from exosphere_cdk.manifest.errors import KeyPath, dotted
from exosphere_cdk.manifest.load.go_era import checks, translate
from exosphere_cdk.manifest.load.go_era import schema as go
from exosphere_cdk.manifest.load.reading import Run, unsupported_version_message
from exosphere_cdk.manifest.load.yaml_io import Document
from exosphere_cdk.manifest.model.app import Database, Source, Where
from exosphere_cdk.manifest.model.spec import as_json_schema

#: F2/F3's dependency names: ExoCom, or a database of that engine.
LIST_NAMES = ("exocom", *go.RDS_ENGINES)
#: F2's `rds.db-name` (`only alphanumeric characters and hyphens allowed in rds.db-name`).
DB_NAME_RE = as_json_schema(r"^[a-zA-Z0-9-]+$")
#: Database's values → their key in `template-config` (F4, F5) or in F2/F3's `config.rds`.
DATABASE_KEYS = {
    "engine": "engine",
    "engine_version": "engine-version",
    "allocated_storage_gib": "allocated-storage",
    "instance_class": "instance-class",
    "db_name": "db-name",
    "username": "username",
    "storage_type": "storage-type",
    "password": "password-secret-name",
}


@frozen
class Found:
    """A dependency as written: its id or name, its entry, its key path, the roles it is for."""

    id: str
    entry: go.ListDependency | go.RemoteDependency
    path: KeyPath
    roles: tuple[str, ...] | None


def app_dependencies(era: str, application: Any) -> Iterator[Found]:
    """The app's deployed dependencies where its family writes them."""
    if era == "go-f1":
        for i, f1 in enumerate(application.dependencies):
            yield Found(
                f1.name,
                go.ListDependency(name=f1.name, version=f1.version),
                ("dependencies", i),
                None,
            )
        return
    place: KeyPath = ("production",) if era == "go-f2" else ("remote",)
    section = application.production if era == "go-f2" else application.remote
    yield from _found(section.dependencies, (*place, "dependencies"), None)


def service_dependencies(era: str, role: str, svc: Any) -> Iterator[Found]:
    """A service's own deployed dependencies (F2 `production.dependencies`, F3-F5 `remote.`)."""
    if era == "go-f1":
        return
    section = svc.production if era == "go-f2" else svc.remote
    place: KeyPath = ("production" if era == "go-f2" else "remote", "dependencies")
    yield from _found(section.dependencies, place, (role,))


def _found(
    deps: tuple[go.ListDependency, ...] | Mapping[str, go.RemoteDependency],
    at: KeyPath,
    roles: tuple[str, ...] | None,
) -> Iterator[Found]:
    if isinstance(deps, tuple):
        for i, dep in enumerate(deps):
            yield Found(dep.name, dep, (*at, i), roles)
    else:
        for name, remote in deps.items():
            yield Found(name, remote, (*at, name), roles)


def kind(found: Found) -> str:
    """`exocom`, `rds`, or the unknown name or type as written."""
    entry = found.entry
    if isinstance(entry, go.RemoteDependency):
        return entry.type
    return "rds" if entry.name in go.RDS_ENGINES else entry.name


def exocom_version(run: Run, doc: Document, era: str, found: list[Found]) -> tuple[str, str]:
    """ExoCom's version and the key path of its entry; reports a missing or unknown one."""
    buses = [f for f in found if kind(f) == "exocom"]
    if not buses:
        place = (
            "dependencies"
            if era == "go-f1"
            else ("production.dependencies" if era == "go-f2" else "remote.dependencies")
        )
        example = (
            "'exocom: {type: exocom, template-config: {version: X}}'"
            if era in ("go-f4", "go-f5")
            else "'- {name: exocom, version: X}'"
        )
        run.add(doc, tuple(place.split(".")), f"no exocom dependency, expected {example} here")
        return "", place
    bus = buses[0]
    if len(buses) > 1:
        run.add(
            doc, buses[1].path, f"a second exocom dependency, expected one ({dotted(bus.path)})"
        )
    entry = bus.entry
    version_path: KeyPath = (*bus.path, *translate.exocom_version_key(era))
    if isinstance(entry, go.RemoteDependency):
        version = entry.template_config.get("version")
    else:
        version = entry.version
    if not version:
        go_message = (
            "remote dependency of type 'exocom' missing required field 'template-config.version'"
        )
        checks.missing(
            run, doc, version_path, era=era, expected="ExoCom's version", go_message=go_message
        )
        return "", dotted(bus.path)
    if exocom.family(version) is None:
        run.add(doc, version_path, unsupported_version_message(version))
    return version, dotted(bus.path)


def unknown(run: Run, doc: Document, era: str, found: Found, section: str) -> None:
    """A dependency no template of the family deploys: an error naming the known ones; in
    F1, exo run's (a notice)."""
    name = kind(found)
    if name in ("exocom", "rds"):
        return
    if era == "go-f1":
        run.add(
            doc,
            found.path,
            f"ignored: '{name}' is started by exo run only, exo deploy"
            " deployed only exocom (F1 had no database templates)",
            "notice",
        )
    elif isinstance(found.entry, go.ListDependency):
        run.add(
            doc,
            (*found.path, "name"),
            f"unknown {section} dependency '{name}', expected one of: {', '.join(LIST_NAMES)}",
        )
    # F4/F5's type is refused by its spec (one of exocom, rds)


def database(
    run: Run, doc: Document, era: str, found: Found, *, slug: str, env: str
) -> Database | None:
    """The database of an `rds` dependency, or None (reported) when a setting is missing."""
    entry = found.entry
    if isinstance(entry, go.RemoteDependency):
        config: dict[str, str] = dict(entry.template_config)
        at: KeyPath = (*found.path, "template-config")
        complete = checks.template_config(run, doc, era, found.path, kind="rds", config=config)
        variables = None
    else:
        config, at, complete, variables = _list_rds(run, doc, era, found, entry)
    if not complete:
        return None
    if not _valid(run, doc, at, config):
        return None
    file = Where(doc.file, "", found.roles[0] if found.roles else None)
    keys = {name: file.key(*at, key) for name, key in DATABASE_KEYS.items()}
    if isinstance(entry, go.ListDependency):
        keys["engine"] = file.key(*found.path, "name")
        keys["engine_version"] = file.key(*found.path, "version")
    source = Source(file=file, keys=keys, fallback=file.key(*found.path))
    return translate.database(
        id_=found.id,
        config=config,
        password=config["password-secret-name"],
        variables=variables,
        roles=found.roles,
        store=go_secrets_store(slug, env),
        source=source,
    )


def _list_rds(
    run: Run, doc: Document, era: str, found: Found, entry: go.ListDependency
) -> tuple[dict[str, str], KeyPath, bool, dict[str, str] | None]:
    """F2/F3's `config.rds` as template-config's keys, whether complete, and its variables."""
    at: KeyPath = (*found.path, "config", "rds")
    rds = entry.config.rds or go.Rds()
    password = rds.password_secret_name or rds.password_env_var
    values = {
        "engine": entry.name,
        "engine-version": entry.version,
        "allocated-storage": rds.allocated_storage,
        "instance-class": rds.instance_class,
        "db-name": rds.db_name,
        "username": rds.username,
        "storage-type": rds.storage_type,
        "password-secret-name": password,
    }
    complete = True
    if not entry.version:
        complete = False
        checks.missing(
            run,
            doc,
            (*found.path, "version"),
            era=era,
            expected=f"{entry.name}'s engine version",
            go_message="the RDS module's engine_version is the dependency's version",
        )
    for field in checks.RDS_FIELDS:
        if not values[field]:
            complete = False
            checks.missing(
                run,
                doc,
                (*at, field),
                era=era,
                expected=f"the database's {field}",
                go_message=f"missing required field 'rds.{field}'",
            )
    names = rds.service_env_var_names
    variables = None
    if names is not None:
        given = {"db_name": names.db_name, "username": names.username, "password": names.password}
        variables = {purpose: name for purpose, name in given.items() if name}
    return {k: v for k, v in values.items() if v}, at, complete, variables


def _valid(run: Run, doc: Document, at: KeyPath, config: Mapping[str, str]) -> bool:
    """engine, allocated-storage and db-name are values a database can have."""
    valid = True
    if config["engine"] not in go.RDS_ENGINES:
        valid = False
        run.add(
            doc,
            (*at, "engine"),
            f"invalid engine '{config['engine']}', expected one of: {', '.join(go.RDS_ENGINES)}",
        )
    storage = config["allocated-storage"]
    if not storage.isdigit() or int(storage) < 1:
        valid = False
        run.add(
            doc,
            (*at, "allocated-storage"),
            f"invalid value '{storage}', expected the storage in GiB (a whole number)",
        )
    if not DB_NAME_RE.match(config["db-name"]):
        valid = False
        run.add(
            doc,
            (*at, "db-name"),
            f"invalid db-name '{config['db-name']}', expected letters,"
            " digits and '-' (Exosphere: \"only alphanumeric characters and hyphens allowed"
            ' in rds.db-name")',
        )
    return valid
