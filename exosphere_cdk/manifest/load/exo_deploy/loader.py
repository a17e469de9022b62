"""Load an Exosphere application folder into a checked LoadedApp, or report every problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.errors import (
    AppFolderError,
    KeyPath,
    ManifestError,
    Problem,
    Severity,
    UsageError,
    did_you_mean,
    display_path,
    dotted,
    sort_problems,
)
from exosphere_cdk.manifest.load.ami_pins import read_pins
from exosphere_cdk.manifest.load.converter import describe, structure_doc
from exosphere_cdk.manifest.load.exo_deploy import translate
from exosphere_cdk.manifest.load.exo_deploy.manifests import Manifests, WrittenService
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
from exosphere_cdk.manifest.load.slug import derive_slug
from exosphere_cdk.manifest.load.values import reference_problems, spec_problems, value_problem
from exosphere_cdk.manifest.load.yaml_io import Document, load_yaml
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import (
    DEPLOYED_ENV_PATTERN,
    ENV_MAX,
    LOCAL,
    PRODUCTION,
    SLUG_PATTERN,
)
from exosphere_cdk.manifest.model.spec import spec_of
from exosphere_cdk.manifest.rules import check_app

APP_FILE = "application.yml"
SERVICE_FILE = "service.yml"
SLUG_RE = re.compile(SLUG_PATTERN)
DEPLOYED_ENV_RE = re.compile(DEPLOYED_ENV_PATTERN)
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
    deployable(env)
    run = _Run()
    manifests = _read(run, directory.absolute(), env)
    app = translate.loaded_app(manifests)
    incomplete = run.has_errors
    run.problems.extend(_value_problems(app, manifests))
    pins, pin_problems = read_pins(directory.absolute(), env, app.aws.region)
    run.problems.extend(pin_problems)
    app = attrs.evolve(app, ami_pins=pins)
    checked = check_app(app)
    if incomplete:
        # Some services or sections are missing or defaulted: keep only the
        # checks' errors (their warnings, e.g. unmatched messages, would be noise).
        checked = [p for p in checked if p.is_error]
    problems = sort_problems((run.with_line(p) for p in [*run.problems, *checked]), run.files)
    if any(p.is_error for p in problems):
        raise ManifestError(problems)
    return attrs.evolve(app, problems=problems)


def deployable(env: str) -> None:
    """UsageError when `env` is Exosphere's development environment, which is never deployed."""
    if env == LOCAL:
        raise UsageError(
            f"environment '{LOCAL}' is Exosphere's development environment (exo run, on a"
            " developer's machine) and is never deployed: expected another environment of"
            " application.yml (default: production)"
        )


def read_manifests(directory: Path, env: str = "production") -> Manifests:
    """The manifests of the app in `directory` as read, before any rule (ManifestError when
    they cannot be read as this era's)."""
    run = _Run()
    manifests = _read(run, directory.absolute(), env)
    if run.has_errors:
        raise ManifestError(sort_problems(run.problems, run.files))
    return manifests


def _read(run: _Run, directory: Path, env: str) -> Manifests:
    doc = _read_app(run, directory)
    application, problems = structure_doc(doc, Application)
    run.problems.extend(problems)
    services = _read_services(run, doc, directory, application)
    if application is None:
        raise ManifestError(run.problems)
    version, bus_path = _bus(run, doc, application)
    environment = _environment(run, doc, application, env)
    _environment_services(run, doc, env, environment, services)
    return Manifests(
        directory=directory,
        application=application,
        env_name=env,
        environment=environment,
        services=tuple(services),
        slug=_slug(run, doc, application),
        exocom_version=version,
        bus_path=bus_path,
        production_domain=(
            environment.domain if env == PRODUCTION else _production_domain(application)
        ),
    )


def _production_domain(application: Application) -> str | None:
    """Production's domain as written (it is checked when production is deployed)."""
    production = application.environments.get(PRODUCTION)
    domain = production.get("domain") if isinstance(production, Mapping) else None
    return domain if isinstance(domain, str) else None


def _environment_services(
    run: _Run, doc: Document, env: str, environment: Environment, services: list[WrittenService]
) -> None:
    """The environment's `urls`: for its public services, outside production."""
    urls: KeyPath = ("environments", env, "urls")
    if env == PRODUCTION and environment.urls:
        run.add(
            doc,
            urls,
            "production's urls are each public service's production.url in its service.yml,"
            " expected them there (urls is for the other environments)",
        )
        return
    public = [w.role for w in services if w.public]
    private = {w.role for w in services if not w.public}
    for role in environment.urls:
        if role in private:
            message = f"ignored: '{role}' is a private service, which gets no load balancer route"
            run.add(doc, (*urls, role), message, "warning")
        elif role not in public:
            guess = did_you_mean(role, public)
            hint = f"did you mean '{guess}'?" if guess else f"expected one of: {', '.join(public)}"
            run.add(doc, (*urls, role), f"no public service '{role}', {hint}")


def _read_app(run: _Run, directory: Path) -> Document:
    """application.yml of the app folder `directory`; ManifestError when it cannot be read."""
    if not directory.is_dir():
        raise ManifestError(
            [Problem(display_path(directory), "", "no such folder, expected an application folder")]
        )
    app_path = directory / APP_FILE
    unreadable = _unreadable(app_path)
    if unreadable is not None:
        message = f"cannot read the app's folder ({unreadable}), expected a readable folder"
        raise ManifestError([Problem(display_path(app_path), "", message)])
    if not app_path.is_file():
        kind = file_kind(app_path)
        message = (
            "file not found, expected the app's manifest"
            if kind is None
            else f"is {kind}, expected the app's manifest (a file)"
        )
        raise ManifestError([Problem(display_path(app_path), "", message)])
    doc = run.read(app_path, directory.resolve())
    if doc is None:
        raise ManifestError(run.problems)
    return doc


def _read_services(
    run: _Run, doc: Document, directory: Path, application: Application | None
) -> list[WrittenService]:
    """Every service the app declares, in role order (so that problems come in that order)."""
    declared: Services | None
    if application is not None:
        declared = application.services
    else:  # report the services' problems too, when their part of the file is sound
        declared, _ = structure_doc(doc, Services, ("services",))
    if declared is None:
        return []
    if not declared.public and not declared.private:
        run.add(doc, ("services",), "no services, expected at least one under public or private")
    refs = [(role, True, ref) for role, ref in declared.public.items()]
    refs += [(role, False, ref) for role, ref in declared.private.items()]
    written = []
    for role, public, ref in sorted(refs, key=lambda r: (r[0], not r[1])):
        loaded = _load_service(run, doc, directory, role=role, ref=ref, public=public)
        if loaded is not None:
            written.append(loaded)
    return written


def _value_problems(app: LoadedApp, manifests: Manifests) -> list[Problem]:
    """Each written value against its spec, template references, and what only this era has."""
    file = app.source.file
    env = file.key("environments", app.env_name)
    application, environment = manifests.application, manifests.environment
    problems = [
        *spec_problems(file.key("services"), application.services),
        *spec_problems(env, environment),
        *reference_problems(file, application, skip=frozenset({"environments"})),
        *reference_problems(env, environment),
    ]
    for w, svc in zip(manifests.services, app.services, strict=True):
        if w.directory is not None:  # a docker_image only: its entry is application.yml's
            problems += _service_value_problems(w, svc)
    return problems


def _service_value_problems(w: WrittenService, svc: LoadedService) -> list[Problem]:
    """A service.yml's values against their specs, and what only this era's keys can say."""
    at = svc.source.file
    problems = [*spec_problems(at, w.service), *reference_problems(at, w.service)]
    if not w.service.production.aws.essential:
        message = "ignored: a service's only container is always essential"
        problems.append(at.key("production", "aws", "essential").problem(message, "notice"))
    if svc.image.kind != "registry" or w.ref.docker_image:
        return problems
    for key in ("author", "type"):
        text = translate.name_component_problem(getattr(w.service, key) or "", svc.image.value)
        if text is not None:
            problems.append(at.key(key).problem(text))
    if not (w.service.author and w.service.type):
        problems.append(
            at.key("author" if not w.service.author else "type").problem(
                "cannot tell which image to run, expected a Dockerfile in the service"
                f" folder, docker_image in {translate.entry_path(w.role, w.public)} of"
                " application.yml, or author and type here"
            )
        )
    return problems


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
    if env != PRODUCTION and not DEPLOYED_ENV_RE.match(env):
        run.add(
            doc,
            ("environments", env),
            f"environment name '{env}' starts the name of every stack and resource of the"
            f" environment, expected lowercase letters, digits and '-', starting with a"
            f" letter, at most {ENV_MAX} characters",
        )
    environment, problems = structure_doc(doc, Environment, ("environments", env))
    run.problems.extend(problems)
    if environment is None:
        return Environment()
    _provider_notes(run, doc, env, environment)
    return environment


def _provider_notes(run: _Run, doc: Document, env: str, environment: Environment) -> None:
    """What the environment's AWS settings say that is ignored, deprecated or doubled."""
    aws = environment.providers.aws
    at: KeyPath = ("environments", env, "providers", "aws")
    if aws.remote_state_store is not None:
        run.add(
            doc,
            (*at, "remote-state-store"),
            "has no meaning under CloudFormation: the stacks are the state; ignored",
            "notice",
        )
    if aws.account is not None and aws.account_id is not None:
        run.add(
            doc,
            (*at, "account"),
            "found both account-id and account (its former name), expected account-id only",
        )
    elif aws.account is not None:
        run.add(
            doc,
            (*at, "account"),
            "deprecated: the key is account-id (Exosphere's name), expected account-id",
            "warning",
        )


def _bus(run: _Run, doc: Document, application: Application) -> tuple[str, str]:
    """ExoCom's version from `bus:` or `dependencies:`, and the key path of its entry;
    reports what is wrong with them."""
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
        return "", "bus"
    if application.bus is not None and application.dependencies:
        run.add(
            doc,
            ("dependencies",),
            "found both bus and dependencies, expected one of them "
            "(dependencies is Exosphere 0.22's form of bus)",
        )
    for bus, path in found:
        if not spec_of(Bus, "type").accepts(bus.type):
            run.add(doc, (*path, "type"), f"unsupported bus type '{bus.type}', expected 'exocom'")
        elif exocom.family(bus.version) is None:
            run.add(doc, (*path, "version"), unsupported_version_message(bus.version))
    buses = [(bus, path) for bus, path in found if bus.type == "exocom"]
    if len(application.dependencies) > 1 and len(buses) > 1:
        run.add(
            doc,
            ("dependencies",),
            f"found {len(buses)} exocom entries, expected one",
        )
    if not buses:
        return "", dotted(found[0][1])
    return buses[0][0].version, dotted(buses[0][1])


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
        message = value_problem(spec_of(Application, "slug"), application.slug)
        if message is not None:
            run.add(doc, ("slug",), message)
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


def _image_only(
    run: _Run, app_doc: Document, ref_path: KeyPath, *, role: str, ref: ServiceRef, public: bool
) -> WrittenService | None:
    """A service the app names by its image alone: its messages must be in its entry."""
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
    return WrittenService(role=role, public=public, ref=ref, service=named, directory=None)


def _service_folder(
    run: _Run, app_doc: Document, app_dir: Path, ref_location: str, loc_path: KeyPath
) -> Path | None:
    """The folder `location` names, inside the app folder; None (reported) when it is not one."""
    if "\0" in ref_location:
        run.add(app_doc, loc_path, "holds a NUL character, expected a folder path")
        return None
    if len(ref_location) > LOCATION_MAX:
        run.add(
            app_doc,
            loc_path,
            f"a path of {len(ref_location):,} characters, expected a folder path of at most"
            f" {LOCATION_MAX:,}",
        )
        return None
    root = app_dir.resolve()
    location = Path(ref_location)
    folder = app_dir / location
    resolved = _resolve(folder)
    if isinstance(resolved, str):
        run.add(
            app_doc,
            loc_path,
            f"'{ref_location}' cannot be followed ({resolved}), expected a service folder",
        )
        return None
    if location.is_absolute() or not resolved.is_relative_to(root):
        run.add(
            app_doc,
            loc_path,
            f"'{ref_location}' is outside the application folder, expected a folder inside it",
        )
        return None
    if resolved == root:
        run.add(
            app_doc,
            loc_path,
            f"'{ref_location}' is the application folder, expected a service folder inside it",
        )
        return None
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # a name over 255 bytes: ENAMETOOLONG
        run.add(
            app_doc,
            loc_path,
            f"'{ref_location}' cannot be read ({(exc.strerror or 'an error').lower()}),"
            " expected a service folder",
        )
        return None
    if not is_folder:
        kind = file_kind(folder)
        found = (
            f"folder '{ref_location}' not found" if kind is None else f"'{ref_location}' is {kind}"
        )
        run.add(
            app_doc,
            loc_path,
            f"{found}, expected a service folder at {display_path(folder)}",
        )
        return None
    return folder


def _load_service(
    run: _Run, app_doc: Document, app_dir: Path, *, role: str, ref: ServiceRef, public: bool
) -> WrittenService | None:
    ref_path: KeyPath = ("services", "public" if public else "private", role)
    if ref.location is None:
        return _image_only(run, app_doc, ref_path, role=role, ref=ref, public=public)
    loc_path: KeyPath = (*ref_path, "location")
    if ref.messages is not None:
        run.add(
            app_doc,
            (*ref_path, "messages"),
            f"the service's messages are in {ref.location}'s service.yml, expected them in one"
            " place (messages here are for a service without a service.yml)",
        )
    folder = _service_folder(run, app_doc, app_dir, ref.location, loc_path)
    if folder is None:
        return None
    root = app_dir.resolve()
    resolved = folder.resolve()
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
    return WrittenService(role=role, public=public, ref=ref, service=service, directory=resolved)
