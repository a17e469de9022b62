"""Load a Go-era app folder (Exosphere 0.23 to 0.37, one of five families) into a checked app."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from exosphere_cdk.manifest.errors import (
    KeyPath,
    ManifestError,
    Problem,
    UsageError,
    sort_problems,
)
from exosphere_cdk.manifest.load import reading
from exosphere_cdk.manifest.load.converter import structure_doc
from exosphere_cdk.manifest.load.files import GO_ERA_DOCKERFILES, dockerfile_in
from exosphere_cdk.manifest.load.go_era import checks, dependencies, translate
from exosphere_cdk.manifest.load.go_era import schema as go
from exosphere_cdk.manifest.load.reading import Run, deployable, read_app, read_service
from exosphere_cdk.manifest.load.slug import derive_slug
from exosphere_cdk.manifest.load.values import (
    reference_problems,
    spec_problems,
    value_problem,
    walk,
)
from exosphere_cdk.manifest.load.yaml_io import Document
from exosphere_cdk.manifest.model.app import ERAS, Database, Kind, LoadedApp, Where
from exosphere_cdk.manifest.model.constraints import PRODUCTION, SLUG_PATTERN
from exosphere_cdk.manifest.model.spec import SPEC, Spec, as_json_schema

SLUG_RE = as_json_schema(SLUG_PATTERN)
APP_NAME_RE = as_json_schema(go.APP_NAME_PATTERN)
#: Each family's application.yml and service.yml.
APPLICATIONS: Mapping[str, type] = {
    "go-f1": go.F1Application,
    "go-f2": go.F2Application,
    "go-f3": go.F3Application,
    "go-f4": go.F4Application,
    "go-f5": go.F5Application,
}
SERVICES: Mapping[str, type] = {
    "go-f1": go.F1Service,
    "go-f2": go.F2Service,
    "go-f3": go.F3Service,
    "go-f4": go.F4Service,
    "go-f5": go.F5Service,
}
#: The kinds service.yml's `type` takes (master's `private` in F5).
TYPES: Mapping[str, tuple[str, ...]] = {
    "go-f2": ("public", "worker"),
    "go-f3": ("public", "worker"),
    "go-f4": ("public", "worker"),
    "go-f5": ("public", "worker", "private"),
}
GROUPS: tuple[Kind, ...] = ("public", "private", "worker")


@frozen
class Entry:
    """A service's entry in application.yml."""

    role: str
    #: From the app's grouping (F1, F2 to 0.30); None: service.yml's `type`.
    kind: Kind | None
    ref: Any
    path: KeyPath


@frozen
class Written:
    """A service as its manifests give it, before it is made neutral."""

    entry: Entry
    kind: Kind
    directory: Path
    service: Any
    doc: Document


def load_app(directory: Path, env: str, era: str, run: Run | None = None) -> LoadedApp:
    """Load the Go-era app in `directory`, read as family `era`, for environment `env`.

    ManifestError with every problem when one is an error; UsageError (exit 2) for an
    environment the app does not have.
    """
    deployable(env)
    run = Run() if run is None else run
    directory = directory.absolute()
    doc = read_app(run, directory)
    application, problems = structure_doc(doc, APPLICATIONS[era])
    run.problems.extend(problems)
    if application is None:
        raise ManifestError(sort_problems(run.problems, run.files))
    environments, target_at = _environment(run, doc, era, application, env)
    slug = _slug(run, doc, era, application.name)
    written = [
        w
        for entry in _entries(run, doc, era, application)
        if (w := _service(run, doc, directory, era, entry=entry, env=env)) is not None
    ]
    found = list(dependencies.app_dependencies(era, application))
    version, bus_at = dependencies.exocom_version(run, doc, era, found)
    databases = _databases(run, doc, era, application, written, slug=slug, env=env)
    target, variables, secrets = translate.app_values(era, application, env)
    view = translate.AppView(
        era=era,
        directory=directory,
        name=application.name,
        slug=slug,
        env=env,
        environments=environments,
        target=target,
        exocom_version=version,
        exocom_at=bus_at,
        variables=variables,
        secrets=secrets,
        services=tuple(_view(era, w, env) for w in written),
        databases=databases,
    )
    checks.target(run, doc, era, target_at, env)
    app = translate.loaded_app(view)
    return reading.finish(run, app, _value_problems(doc, era, application, written, app))


# ---------------------------------------------------------------- the app


def _environment(
    run: Run, doc: Document, era: str, application: Any, env: str
) -> tuple[tuple[str, ...], KeyPath]:
    """The app's environments and the key path of the deployed one; UsageError for one the
    app does not have."""
    if era != "go-f5":
        if env != PRODUCTION:
            raise UsageError(
                f"the {ERAS[era]} deploys one environment, production (its manifests have no"
                f" other): expected -c env={PRODUCTION}, not '{env}'"
            )
        return (PRODUCTION,), ("production",) if era in ("go-f1", "go-f2") else ("remote",)
    ids = tuple(application.remote.environments)
    if not ids:
        run.add(doc, ("remote", "environments"), "no environment, expected at least one")
        return (env,), ("remote", "environments", env)
    if env not in ids:
        raise UsageError(
            f"Invalid remote environment id: {env}. Valid remote environment ids:"
            f" {', '.join(ids)} (the ids of remote.environments in application.yml)"
        )
    return ids, ("remote", "environments", env)


def _slug(run: Run, doc: Document, era: str, name: str) -> str:
    """The stack name prefix from the app's name (the Go era's names are already one)."""
    if era in ("go-f1", "go-f2") and not APP_NAME_RE.match(name):
        run.add(
            doc,
            ("name",),
            f"'{name}' would be refused from Exosphere 0.28 on, expected {go.APP_NAME_EXPECTED}",
            "warning",
        )
    slug = derive_slug(name)
    if not SLUG_RE.match(slug):
        run.add(
            doc,
            ("name",),
            f"cannot make a stack name prefix from '{name}', expected a name starting with a"
            " letter",
        )
    return slug


# ---------------------------------------------------------------- the services


def _entries(run: Run, doc: Document, era: str, application: Any) -> list[Entry]:
    """Every service the app declares, in role order."""
    if era == "go-f1":
        groups = application.services
        entries = [
            Entry(role, group, ref, ("services", group, role))
            for group in GROUPS
            for role, ref in getattr(groups, group).items()
        ]
    elif era == "go-f2":
        entries = _f2_entries(run, doc, application.services)
    else:
        entries = [
            Entry(role, None, ref, ("services", role)) for role, ref in application.services.items()
        ]
    if not entries:
        run.add(doc, ("services",), "no services, expected at least one")
    return sorted(entries, key=lambda e: e.role)


def _f2_entries(run: Run, doc: Document, services: Mapping[str, Any]) -> list[Entry]:
    """F2's services: grouped by protection level to 0.30, by role in 0.31."""
    grouped = bool(services) and set(services) <= set(GROUPS)
    places: list[tuple[str, Kind | None, KeyPath]] = []
    if grouped:
        for group in GROUPS:
            by_role = services.get(group)
            if by_role is not None and not isinstance(by_role, Mapping):
                run.add(doc, ("services", group), "expected a mapping of services by role")
                continue
            places += [(str(role), group, ("services", group, role)) for role in by_role or {}]
    else:
        places = [(role, None, ("services", role)) for role in services]
    entries = []
    for role, kind, path in places:
        message = value_problem(go.SERVICE_KEY_SPEC, role)
        if message is not None:
            run.add(doc, path, message)
        ref, problems = structure_doc(doc, go.ServiceData, path)
        run.problems.extend(problems)
        if ref is not None:
            entries.append(Entry(str(role), kind, ref, path))
    return entries


def _service(
    run: Run, doc: Document, directory: Path, era: str, *, entry: Entry, env: str
) -> Written | None:
    """A service's service.yml, read in its family's schema; None (reported) when it cannot be."""
    ref = entry.ref
    if ref.location is None:
        message = (
            "docker-image without location: the Go era read service.yml from inside the image,"
            " expected a location holding the service's service.yml"
            if ref.docker_image
            else "neither location nor docker-image, expected a service folder in 'location'"
        )
        run.add(doc, entry.path, message)
        return None
    found = read_service(
        run, doc, directory, ref.location, (*entry.path, "location"), dockerfiles=GO_ERA_DOCKERFILES
    )
    if found is None:
        return None
    service_doc, folder = found
    service, problems = structure_doc(service_doc, SERVICES[era])
    run.problems.extend(problems)
    if service is None:
        return None
    kind = entry.kind or _kind(run, service_doc, era, service.type)
    if kind is None:
        return None
    _image(run, doc, entry, folder)
    checks.service(run, service_doc, era, kind, location=ref.location, env=env)
    return Written(entry, kind, folder, service, service_doc)


def _kind(run: Run, doc: Document, era: str, written: str | None) -> Kind | None:
    """service.yml's `type` as a kind; None (reported) when it is not one of the family's."""
    types = TYPES[era]
    if written in types:
        return translate.KINDS[written]
    exosphere = (
        f"Invalid value '{written or ''}' in service.yml field 'type'. Must be one of:"
        f" {', '.join(types)}"
    )
    if written is None:
        checks.missing(
            run,
            doc,
            ("type",),
            era=era,
            expected="the kind of service: " + " or ".join(types),
            go_message=exosphere,
        )
    else:
        run.add(
            doc,
            ("type",),
            f"invalid type '{written}', expected one of: {', '.join(types)}"
            f' (Exosphere {checks.VERSIONS[era]}: "{exosphere}")',
        )
    return None


#: The files a Go-era service folder's image is built from, as a message names them.
_EITHER = " or ".join(GO_ERA_DOCKERFILES)


def _image(run: Run, doc: Document, entry: Entry, folder: Path) -> None:
    """A Dockerfile.prod or Dockerfile in the folder, or an image to pull: a notice for
    exo-deploy's leftover."""
    ref = entry.ref
    dockerfile = dockerfile_in(folder, GO_ERA_DOCKERFILES) is not None
    if ref.docker_image_leftover is not None:
        used = not dockerfile and ref.docker_image is None
        what = (
            f"read as the service's image, since the folder has no {_EITHER}" if used else "ignored"
        )
        run.add(
            doc,
            (*entry.path, "docker_image"),
            f"exo-deploy's key, not read by the Go era's"
            f" exo deploy (its key is docker-image): {what}",
            "notice",
        )
    if not dockerfile and ref.docker_image is None and ref.docker_image_leftover is None:
        run.add(
            doc,
            (*entry.path, "location"),
            f"no {_EITHER} in '{ref.location}' and no docker-image, expected one of them there"
            " (the Go era's exo deploy built Dockerfile.prod; we build it, else Dockerfile) or"
            " the image to run in docker-image",
        )


def _view(era: str, w: Written, env: str) -> translate.ServiceView:
    return translate.service_view(
        era,
        w.entry.role,
        w.kind,
        w.entry.ref,
        w.service,
        directory=w.directory,
        env=env,
        grouped=w.entry.kind is not None,
    )


# ---------------------------------------------------------------- dependencies


def _databases(
    run: Run,
    doc: Document,
    era: str,
    application: Any,
    written: list[Written],
    *,
    slug: str,
    env: str,
) -> tuple[Database, ...]:
    """The app's and the services' `rds` dependencies, one database per id (a service's own
    is for that service; the same id in several services is one database for them all)."""
    found: dict[str, Database] = {}
    places = [(doc, f) for f in dependencies.app_dependencies(era, application)]
    for w in written:
        places += [
            (w.doc, f) for f in dependencies.service_dependencies(era, w.entry.role, w.service)
        ]
    for at, dep in places:
        section = "production" if era == "go-f2" else "remote"
        dependencies.unknown(run, at, era, dep, section)
        if dependencies.kind(dep) != "rds":
            continue
        made = dependencies.database(run, at, era, dep, slug=slug, env=env)
        if made is None:
            continue
        seen = found.get(made.id)
        if seen is None:
            found[made.id] = made
        elif seen.roles is not None and made.roles is not None:
            found[made.id] = attrs.evolve(seen, roles=(*seen.roles, *made.roles))
        else:
            found[made.id] = attrs.evolve(seen, roles=None)
    return tuple(found[key] for key in sorted(found))


# ---------------------------------------------------------------- single values


def _value_problems(
    doc: Document, era: str, application: Any, written: list[Written], app: LoadedApp
) -> list[Problem]:
    """Each value against its spec, template references, and a notice for each key the Go
    era's exo deploy did not read."""
    file = Where(doc.file, "")
    problems = [
        *spec_problems(file, application, into_lists=True),
        *reference_problems(file, application),
        *ignored_problems(file, application),
    ]
    for w in written:
        at = Where(w.doc.file, "", w.entry.role)
        entry = file.key(*w.entry.path)
        if era == "go-f2":  # F2's entries are raw in its application class
            problems += spec_problems(entry, w.entry.ref, into_lists=True)
            problems += ignored_problems(entry, w.entry.ref)
        problems += [
            *spec_problems(at, w.service, into_lists=True),
            *reference_problems(at, w.service),
            *ignored_problems(at, w.service),
        ]
    problems += _set_by_us(doc, era, written, app.env_name)
    return problems


def ignored_problems(at: Where, obj: Any) -> list[Problem]:
    """A notice for each key written that the Go era's exo deploy did not read (`IGNORED`)."""
    return [
        here.problem(spec.doc.removesuffix(" (a notice)"), "notice")
        for _, here, a, value in walk(at, obj, into_lists=True)
        if value is not None and (spec := a.metadata.get(SPEC, Spec())).doc.startswith(go.IGNORED)
    ]


def _set_by_us(doc: Document, era: str, written: list[Written], env: str) -> list[Problem]:
    """A notice for each variable the Go era's apps set for ExoCom and we set ourselves."""
    places: list[tuple[Document, str | None, str | None]] = [
        (doc, translate.APP_KEYS[era]["variables"], None)
    ]
    for w in written:
        places.append((w.doc, translate.SERVICE_KEYS[era]["environment"], w.entry.role))
        if era in ("go-f1", "go-f2", "go-f3"):
            places.append((w.doc, "environment.default", w.entry.role))
    problems = []
    for at_doc, table_path, role in places:
        if table_path is None:
            continue
        path = tuple(table_path.format(env=env).split("."))
        data: Any = at_doc.data
        for part in path:
            data = data.get(part) if isinstance(data, Mapping) else None
        for name in translate.SET_BY_US:
            if isinstance(data, Mapping) and name in data:
                where = Where(at_doc.file, "", role).key(*path, name)
                problems.append(
                    where.problem(
                        f"ignored: {name} is set by exosphere-cdk to ExoCom's address in the app's"
                        " private zone (the Go era's `.local` names are not made here)",
                        "notice",
                    )
                )
    return problems
