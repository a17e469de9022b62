"""What every era's loader does alike: read the app's files, find its service folders, finish."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.errors import (
    AppFolderError,
    KeyPath,
    ManifestError,
    Problem,
    Severity,
    UsageError,
    display_path,
    dotted,
    sort_problems,
)
from exosphere_cdk.manifest.load.ami_pins import read_pins
from exosphere_cdk.manifest.load.converter import describe
from exosphere_cdk.manifest.load.files import (
    build_context_problems,
    dockerfile_in,
    file_kind,
)
from exosphere_cdk.manifest.load.files import escape as _escape
from exosphere_cdk.manifest.load.files import resolve as _resolve
from exosphere_cdk.manifest.load.files import unreadable as _unreadable
from exosphere_cdk.manifest.load.yaml_io import Document, load_yaml
from exosphere_cdk.manifest.model.app import DOCKERFILE, LoadedApp
from exosphere_cdk.manifest.model.constraints import LOCAL
from exosphere_cdk.manifest.rules import check_app

APP_FILE = "application.yml"
SERVICE_FILE = "service.yml"
#: The longest `location` taken (Linux's PATH_MAX is 4096; real ones are a few words).
LOCATION_MAX = 1024


class Run:
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
        """The manifest `path`, unless it is a symbolic link out of `root` (the app folder);
        a file this run has read already is not read again."""
        known = self.docs.get(display_path(path))
        if known is not None:
            return known
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
        return attrs.evolve(problem, line=doc.line_of(undotted(problem.path)))


def undotted(path: str) -> KeyPath:
    """`a.b[2]` as the key path ("a", "b", 2)."""
    parts: list[str | int] = []
    for segment in path.split(".") if path else []:
        name, *indexes = segment.split("[")
        parts.append(name)
        parts.extend(int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit())
    return tuple(parts)


def app_folder(app_dir: str | Path) -> Path:
    """The folder `app_dir` as given by a user: AppFolderError when it names no folder."""
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
    return directory


def deployable(env: str) -> None:
    """UsageError when `env` is Exosphere's development environment, which is never deployed."""
    if env == LOCAL:
        raise UsageError(
            f"environment '{LOCAL}' is Exosphere's development environment (exo run, on a"
            " developer's machine) and is never deployed: expected another environment of"
            " application.yml (default: production)"
        )


def unsupported_version_message(version: str) -> str:
    """An ExoCom version that is no release we deploy: the releases, and the nearest."""
    guess = exocom.nearest_version(version)
    hint = f", did you mean '{guess}'?" if guess else ""
    return (
        f"unsupported ExoCom version '{version}', expected a released ExoCom"
        f" ({exocom.supported_versions_text()}){hint}"
    )


def read_app(run: Run, directory: Path) -> Document:
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


def service_folder(
    run: Run, app_doc: Document, app_dir: Path, ref_location: str, loc_path: KeyPath
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
    return _folder(run, app_doc, ref_location, loc_path, folder)


def _folder(
    run: Run, app_doc: Document, ref_location: str, loc_path: KeyPath, folder: Path
) -> Path | None:
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
        run.add(app_doc, loc_path, f"{found}, expected a service folder at {display_path(folder)}")
        return None
    return folder


def read_service(
    run: Run,
    app_doc: Document,
    app_dir: Path,
    location: str,
    loc_path: KeyPath,
    *,
    dockerfiles: Sequence[str] = (DOCKERFILE,),
) -> tuple[Document, Path] | None:
    """The service.yml of the folder `location` names, and the folder (resolved); the
    build context of its Dockerfile (the first of `dockerfiles` it has) is checked.
    None (reported) when it cannot be read."""
    folder = service_folder(run, app_doc, app_dir, location, loc_path)
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
            f"cannot read the folder '{location}' ({unreadable}), expected a readable"
            " service folder",
        )
        return None
    if not service_path.is_file():
        kind = file_kind(service_path)
        if kind is None:
            message = f"no {SERVICE_FILE} in '{location}', expected {display_path(service_path)}"
        else:
            message = (
                f"{SERVICE_FILE} in '{location}' is {kind}, expected a file at"
                f" {display_path(service_path)}"
            )
        run.add(app_doc, loc_path, message)
        return None
    doc = run.read(service_path, root)
    if doc is None:
        return None
    dockerfile = dockerfile_in(folder, dockerfiles)
    if resolved not in run.contexts and dockerfile is not None:
        run.contexts.add(resolved)
        # the image's build context
        run.problems.extend(build_context_problems(resolved, root, dockerfile))
    return doc, resolved


def finish(run: Run, app: LoadedApp, value_problems: list[Problem]) -> LoadedApp:
    """The app with its AMI pins, checked by the rules: ManifestError with every problem when
    one is an error, else the app with its warnings and notices."""
    incomplete = run.has_errors
    run.problems.extend(value_problems)
    pins, pin_problems = read_pins(app.directory, app.env_name, app.aws.region)
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
