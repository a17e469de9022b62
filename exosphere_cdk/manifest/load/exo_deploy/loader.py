"""Load an Exosphere application folder into a checked LoadedApp, or report every problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.design.derive import derive_slug
from exosphere_cdk.manifest.errors import (
    AppFolderError,
    KeyPath,
    ManifestError,
    Problem,
    Severity,
    did_you_mean,
    display_path,
    dotted,
    sort_problems,
)
from exosphere_cdk.manifest.load.converter import describe, structure_doc
from exosphere_cdk.manifest.load.exo_deploy.schema import (
    Application,
    Bus,
    Environment,
    Service,
    ServiceRef,
    Services,
)
from exosphere_cdk.manifest.load.files import build_context_problems, file_kind
from exosphere_cdk.manifest.load.files import escape as _escape
from exosphere_cdk.manifest.load.files import resolve as _resolve
from exosphere_cdk.manifest.load.files import unreadable as _unreadable
from exosphere_cdk.manifest.load.yaml_io import Document, load_yaml
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import BUS_TYPES, SLUG_MAX, SLUG_PATTERN
from exosphere_cdk.manifest.rules import check_app

APP_FILE = "application.yml"
SERVICE_FILE = "service.yml"
SLUG_RE = re.compile(SLUG_PATTERN)
#: Keys of service.yml used only by `exo run` on a developer's machine.
LOCAL_ONLY_KEYS = ("docker", "restart")
#: The longest `location` taken (Linux's PATH_MAX is 4096; real ones are a few words).
LOCATION_MAX = 1024


class _Run:
    """The problems of one load, and the documents they point into."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: The documents read, by file as shown.
        self.docs: dict[str, Document] = {}
        #: Every file read (or tried), in that order.
        self.files: list[str] = []
        #: The build contexts checked: a folder two roles share is checked once.
        self.contexts: set[Path] = set()

    def add(self, doc: Document, path: KeyPath, message: str, severity: Severity = "error") -> None:
        self.problems.append(
            Problem(doc.file, dotted(path), message, severity, line=doc.line_of(path))
        )

    def read(self, path: Path, root: Path) -> Document | None:
        """The manifest `path`, unless it is a symbolic link out of `root` (the app folder)."""
        self.files.append(display_path(path))
        escape = _escape(path, root)
        if escape is not None:
            self.problems.append(Problem(display_path(path), "", escape))
            return None
        try:
            doc = load_yaml(path, display_path(path))
        except ManifestError as exc:
            self.problems.extend(exc.problems)
            return None
        if not isinstance(doc.data, Mapping):
            self.problems.append(
                Problem(doc.file, "", f"found {describe(doc.data)}, expected a mapping", line=1)
            )
            return None
        self.docs[doc.file] = doc
        return doc

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def with_line(self, problem: Problem) -> Problem:
        """`problem` with the line of its key, when the checks did not know it."""
        doc = self.docs.get(problem.file)
        if problem.line is not None or doc is None:
            return problem
        return attrs.evolve(problem, line=doc.line_of(_undotted(problem.path)))


def _undotted(path: str) -> KeyPath:
    parts: list[str | int] = []
    for segment in path.split(".") if path else []:
        name, *indexes = segment.split("[")
        parts.append(name)
        parts.extend(int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit())
    return tuple(parts)


def load_directory(app_dir: str | Path, env: str = "production") -> LoadedApp:
    """The app in `app_dir` as given by a user: AppFolderError when it names no folder."""
    directory = Path(app_dir)
    try:
        exists, is_dir = directory.exists(), directory.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a loop, a NUL
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AppFolderError(f"cannot read the folder {app_dir}: {why.lower()}") from None
    if not exists:
        raise AppFolderError(f"no such folder: {app_dir}")
    if not is_dir:
        raise AppFolderError(f"not a folder: {app_dir}")
    return load_app(directory, env)


def load_app(directory: Path, env: str = "production") -> LoadedApp:
    """Load the app in `directory` for environment `env`.

    Raises ManifestError with every problem (errors, and the warnings and
    notices found with them) when there is at least one error; otherwise the
    warnings and notices are in `LoadedApp.problems`.
    """
    directory = directory.absolute()
    if not directory.is_dir():
        raise ManifestError(
            [Problem(display_path(directory), "", "no such folder, expected an application folder")]
        )
    app_path = directory / APP_FILE
    unreadable = _unreadable(app_path)
    if unreadable is not None:
        raise ManifestError(
            [
                Problem(
                    display_path(app_path),
                    "",
                    f"cannot read the app's folder ({unreadable}), expected a readable folder",
                )
            ]
        )
    if not app_path.is_file():
        kind = file_kind(app_path)
        message = (
            "file not found, expected the app's manifest"
            if kind is None
            else f"is {kind}, expected the app's manifest (a file)"
        )
        raise ManifestError([Problem(display_path(app_path), "", message)])
    run = _Run()
    doc = run.read(app_path, directory.resolve())
    if doc is None:
        raise ManifestError(run.problems)
    application, problems = structure_doc(doc, Application)
    run.problems.extend(problems)
    declared: Services | None
    if application is not None:
        declared = application.services
    else:  # report the services' problems too, when their part of the file is sound
        declared, _ = structure_doc(doc, Services, ("services",))

    services: list[LoadedService] = []
    if declared is not None:  # in role order, so that problems come in that order too
        refs = [(role, True, ref) for role, ref in declared.public.items()]
        refs += [(role, False, ref) for role, ref in declared.private.items()]
        for role, public, ref in sorted(refs, key=lambda r: (r[0], not r[1])):
            loaded = _load_service(run, doc, directory, role=role, ref=ref, public=public)
            if loaded is not None:
                services.append(loaded)
    if application is None:
        raise ManifestError(run.problems)

    app = LoadedApp(
        directory=directory,
        application=application,
        env_name=env,
        environment=_environment(run, doc, application, env),
        services=tuple(sorted(services, key=lambda s: (s.role, not s.public))),
        slug=_slug(run, doc, application),
        exocom_version=_bus(run, doc, application),
    )
    checked = check_app(app)
    if run.has_errors:
        # Some services or sections are missing or defaulted: keep only the
        # checks' errors (their warnings, e.g. unmatched messages, would be noise).
        checked = [p for p in checked if p.is_error]
    files = run.files
    problems_all = sort_problems((run.with_line(p) for p in [*run.problems, *checked]), files)
    if any(p.is_error for p in problems_all):
        raise ManifestError(problems_all)
    return attrs.evolve(app, problems=problems_all)


def _environment(run: _Run, doc: Document, application: Application, env: str) -> Environment:
    environments = application.environments
    if not environments:
        return Environment()
    if env not in environments:
        names = sorted(str(name) for name in environments)
        guess = did_you_mean(env, names)
        hint = f", did you mean '{guess}'?" if guess else ""
        run.add(
            doc,
            ("environments",),
            f"no environment '{env}', expected one of: {', '.join(names)}{hint}",
        )
        return Environment()
    environment, problems = structure_doc(doc, Environment, ("environments", env))
    run.problems.extend(problems)
    if environment is None:
        return Environment()
    if environment.providers.aws.remote_state_store is not None:
        run.add(
            doc,
            ("environments", env, "providers", "aws", "remote-state-store"),
            "has no meaning under CloudFormation: the stacks are the state; ignored",
            "notice",
        )
    return environment


def _bus(run: _Run, doc: Document, application: Application) -> str:
    """ExoCom's version from `bus:` or `dependencies:`; reports what is wrong with them."""
    found: list[tuple[Bus, KeyPath]] = []
    if application.bus is not None:
        found.append((application.bus, ("bus",)))
    found.extend((bus, ("dependencies", i)) for i, bus in enumerate(application.dependencies))
    if not found:
        run.add(
            doc,
            ("bus",),
            "required key missing, expected 'bus: {type: exocom, version: X}' "
            "(or Exosphere 0.22's 'dependencies: [{type: exocom, version: X}]')",
        )
        return ""
    if application.bus is not None and application.dependencies:
        run.add(
            doc,
            ("dependencies",),
            "found both bus and dependencies, expected one of them "
            "(dependencies is Exosphere 0.22's form of bus)",
        )
    for bus, path in found:
        if bus.type not in BUS_TYPES:
            run.add(doc, (*path, "type"), f"unsupported bus type '{bus.type}', expected 'exocom'")
        elif exocom.family(bus.version) is None:
            run.add(doc, (*path, "version"), unsupported_version_message(bus.version))
    buses = [bus for bus, _ in found if bus.type == "exocom"]
    if len(application.dependencies) > 1 and len(buses) > 1:
        run.add(
            doc,
            ("dependencies",),
            f"found {len(buses)} exocom entries, expected one",
        )
    return buses[0].version if buses else ""


def unsupported_version_message(version: str) -> str:
    """`bus.version` that is no ExoCom release we deploy: the releases, and the nearest."""
    guess = exocom.nearest_version(version)
    hint = f", did you mean '{guess}'?" if guess else ""
    return (
        f"unsupported ExoCom version '{version}', expected a released ExoCom"
        f" ({exocom.supported_versions_text()}){hint}"
    )


def _slug(run: _Run, doc: Document, application: Application) -> str:
    if application.slug is not None:
        if not SLUG_RE.match(application.slug):
            run.add(
                doc,
                ("slug",),
                f"invalid slug '{application.slug}', expected lowercase letters, digits "
                f"and '-', starting with a letter, at most {SLUG_MAX} characters "
                "(it starts every stack name)",
            )
        return application.slug
    slug = derive_slug(application.name)
    if not SLUG_RE.match(slug):
        run.add(
            doc,
            ("name",),
            f"cannot make a stack name prefix from '{application.name}', expected a name "
            "starting with a letter, or a 'slug' key (lowercase letters, digits and '-')",
        )
    return slug


def _load_service(
    run: _Run, app_doc: Document, app_dir: Path, *, role: str, ref: ServiceRef, public: bool
) -> LoadedService | None:
    ref_path: KeyPath = ("services", "public" if public else "private", role)
    if ref.location is None:
        if ref.docker_image is None:
            run.add(
                app_doc,
                ref_path,
                "neither location nor docker_image, expected a service folder in "
                "'location' or an image in 'docker_image'",
            )
            return None
        if ref.messages is None:
            run.add(
                app_doc,
                ref_path,
                f"no service.yml, so ExoCom cannot know the messages of '{role}' (it would"
                " refuse every message the service sends), expected 'messages: {sends: [...],"
                " receives: [...]}' here (or a location with a service.yml)",
            )
            return None
        named = Service(messages=ref.messages)
        return LoadedService(role=role, public=public, ref=ref, service=named, directory=None)
    loc_path: KeyPath = (*ref_path, "location")
    if ref.messages is not None:
        run.add(
            app_doc,
            (*ref_path, "messages"),
            f"the service's messages are in {ref.location}'s service.yml, expected them in one"
            " place (messages here are for a service without a service.yml)",
        )
    if "\0" in ref.location:
        run.add(app_doc, loc_path, "holds a NUL character, expected a folder path")
        return None
    if len(ref.location) > LOCATION_MAX:
        run.add(
            app_doc,
            loc_path,
            f"a path of {len(ref.location):,} characters, expected a folder path of at most"
            f" {LOCATION_MAX:,}",
        )
        return None
    root = app_dir.resolve()
    location = Path(ref.location)
    folder = app_dir / location
    resolved = _resolve(folder)
    if isinstance(resolved, str):
        run.add(
            app_doc,
            loc_path,
            f"'{ref.location}' cannot be followed ({resolved}), expected a service folder",
        )
        return None
    if location.is_absolute() or not resolved.is_relative_to(root):
        run.add(
            app_doc,
            loc_path,
            f"'{ref.location}' is outside the application folder, expected a folder inside it",
        )
        return None
    if resolved == root:
        run.add(
            app_doc,
            loc_path,
            f"'{ref.location}' is the application folder, expected a service folder inside it",
        )
        return None
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # a name over 255 bytes: ENAMETOOLONG
        run.add(
            app_doc,
            loc_path,
            f"'{ref.location}' cannot be read ({(exc.strerror or 'an error').lower()}),"
            " expected a service folder",
        )
        return None
    if not is_folder:
        kind = file_kind(folder)
        found = (
            f"folder '{ref.location}' not found" if kind is None else f"'{ref.location}' is {kind}"
        )
        run.add(
            app_doc,
            loc_path,
            f"{found}, expected a service folder at {display_path(folder)}",
        )
        return None
    service_path = folder / SERVICE_FILE
    unreadable = _unreadable(service_path)
    if unreadable is not None:
        run.add(
            app_doc,
            loc_path,
            f"cannot read the folder '{ref.location}' ({unreadable}), expected a readable"
            " service folder",
        )
        return None
    if not service_path.is_file():
        kind = file_kind(service_path)
        if kind is None:
            message = (
                f"no {SERVICE_FILE} in '{ref.location}', expected {display_path(service_path)}"
            )
        else:
            message = (
                f"{SERVICE_FILE} in '{ref.location}' is {kind}, expected a file at"
                f" {display_path(service_path)}"
            )
        run.add(app_doc, loc_path, message)
        return None
    doc = run.read(service_path, root)
    if doc is None:
        return None
    dockerfile = folder / "Dockerfile"
    if resolved not in run.contexts and (dockerfile.is_symlink() or dockerfile.is_file()):
        run.contexts.add(resolved)
        run.problems.extend(build_context_problems(resolved, root))  # the image's build context
    service, problems = structure_doc(doc, Service)
    run.problems.extend(problems)
    raw: Mapping[str, Any] = doc.data
    for key in LOCAL_ONLY_KEYS:
        if key in raw:
            run.add(doc, (key,), "local development only (exo run); ignored by deploy", "notice")
    if service is None:
        return None
    return LoadedService(role=role, public=public, ref=ref, service=service, directory=resolved)
