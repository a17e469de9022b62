"""Load an Exosphere application folder into a checked LoadedApp, or report every problem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.errors import (
    KeyPath,
    ManifestError,
    Problem,
    did_you_mean,
    dotted,
    sort_problems,
)
from exosphere_cdk.manifest.load import reading
from exosphere_cdk.manifest.load.converter import structure_doc
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
from exosphere_cdk.manifest.load.reading import (
    Run,
    deployable,
    read_app,
    read_service,
    unsupported_version_message,
)
from exosphere_cdk.manifest.load.slug import derive_slug
from exosphere_cdk.manifest.load.values import reference_problems, spec_problems, value_problem
from exosphere_cdk.manifest.load.yaml_io import Document
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import (
    DEPLOYED_ENV_PATTERN,
    ENV_MAX,
    PRODUCTION,
    SLUG_PATTERN,
)
from exosphere_cdk.manifest.model.spec import as_json_schema, spec_of

SLUG_RE = as_json_schema(SLUG_PATTERN)
DEPLOYED_ENV_RE = as_json_schema(DEPLOYED_ENV_PATTERN)
#: Keys of service.yml used only by `exo run` on a developer's machine.
LOCAL_ONLY_KEYS = ("docker", "restart")


def load_directory(app_dir: str | Path, env: str = "production") -> LoadedApp:
    """The app in `app_dir` as given by a user: AppFolderError when it names no folder."""
    return load_app(reading.app_folder(app_dir), env)


def load_app(directory: Path, env: str = "production", run: Run | None = None) -> LoadedApp:
    """Load the app in `directory` for environment `env`.

    Raises ManifestError with every problem (errors, and the warnings and
    notices found with them) when there is at least one error; otherwise the
    warnings and notices are in `LoadedApp.problems`.
    """
    deployable(env)
    run = Run() if run is None else run
    manifests = _read(run, directory.absolute(), env)
    app = translate.loaded_app(manifests)
    return reading.finish(run, app, _value_problems(app, manifests))


def read_manifests(directory: Path, env: str = "production") -> Manifests:
    """The manifests of the app in `directory` as read, before any rule (ManifestError when
    they cannot be read as this era's)."""
    run = Run()
    manifests = _read(run, directory.absolute(), env)
    if run.has_errors:
        raise ManifestError(sort_problems(run.problems, run.files))
    return manifests


def _read(run: Run, directory: Path, env: str) -> Manifests:
    doc = read_app(run, directory)
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
    run: Run, doc: Document, env: str, environment: Environment, services: list[WrittenService]
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


def _read_services(
    run: Run, doc: Document, directory: Path, application: Application | None
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


def _environment(run: Run, doc: Document, application: Application, env: str) -> Environment:
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


def _provider_notes(run: Run, doc: Document, env: str, environment: Environment) -> None:
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


def _bus(run: Run, doc: Document, application: Application) -> tuple[str, str]:
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


def _slug(run: Run, doc: Document, application: Application) -> str:
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
    run: Run, app_doc: Document, ref_path: KeyPath, *, role: str, ref: ServiceRef, public: bool
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


def _load_service(
    run: Run, app_doc: Document, app_dir: Path, *, role: str, ref: ServiceRef, public: bool
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
    found = read_service(run, app_doc, app_dir, ref.location, loc_path)
    if found is None:
        return None
    doc, resolved = found
    service, problems = structure_doc(doc, Service)
    run.problems.extend(problems)
    raw: Mapping[str, Any] = doc.data
    for key in LOCAL_ONLY_KEYS:
        if key in raw:
            run.add(doc, (key,), "local development only (exo run); ignored by deploy", "notice")
    if service is None:
        return None
    return WrittenService(role=role, public=public, ref=ref, service=service, directory=resolved)
