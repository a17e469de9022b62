"""The app in a folder, read by the loader of its manifest era, told by its shape.

Exosphere's manifests changed shape across releases; each era's loader turns its own
shape into the one app model (model.app). Two eras are read: exo-deploy's (Exosphere
0.21 and 0.22, `manifest.load.exo_deploy`) and the Go era's five families (0.23 to
0.37, `manifest.load.go_era`). The keys of application.yml tell them apart; a manifest
whose keys belong to two families is refused in one line saying what was expected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.errors import KeyPath, ManifestError, Problem, dotted
from exosphere_cdk.manifest.load import reading
from exosphere_cdk.manifest.load.exo_deploy import loader as exo_deploy
from exosphere_cdk.manifest.load.yaml_io import Document
from exosphere_cdk.manifest.model.app import ERAS, LoadedApp

EXO_DEPLOY = "exo-deploy"
F1, F2, F3, F4, F5 = "go-f1", "go-f2", "go-f3", "go-f4", "go-f5"
#: The families a top-level key of application.yml belongs to, before its content is read.
KEY_FAMILIES: Mapping[str, frozenset[str]] = {
    "environments": frozenset({EXO_DEPLOY}),
    "bus": frozenset({EXO_DEPLOY}),
    "slug": frozenset({EXO_DEPLOY}),
    "author": frozenset({EXO_DEPLOY}),
    "dependencies": frozenset({EXO_DEPLOY, F1}),
    "development": frozenset({F2}),
    "production": frozenset({F1, F2}),
    "local": frozenset({F3, F4, F5}),
    "remote": frozenset({F3, F4, F5}),
    "shared-directories": frozenset({F5}),
}
#: Of several families that fit, the one read (its loader then says what is missing).
PREFERRED = (F5, F4, F2, F3, F1, EXO_DEPLOY)


@frozen
class Marker:
    """A key of application.yml and the families it belongs to."""

    path: KeyPath
    line: int
    families: frozenset[str]


def load_directory(app_dir: str | Path, env: str = "production") -> LoadedApp:
    """The app in `app_dir` as given by a user: AppFolderError when it names no folder."""
    return load_app(reading.app_folder(app_dir), env)


def load_app(directory: Path, env: str = "production") -> LoadedApp:
    """The app in `directory` for environment `env`; ManifestError with every problem."""
    reading.deployable(env)
    run = reading.Run()  # the era's loader reuses the application.yml read here
    era = era_of(directory, run)
    if era == EXO_DEPLOY:
        return exo_deploy.load_app(directory, env, run)
    # Imported for a Go-era app only: its schemas and tables are a tenth of a second of
    # every synthesis's start-up otherwise.
    from exosphere_cdk.manifest.load.go_era import loader as go_era  # noqa: PLC0415

    return go_era.load_app(directory, env, era, run)


def era_of(directory: Path, run: reading.Run | None = None) -> str:
    """The family of the app in `directory` (`ERAS`); ManifestError when its application.yml
    cannot be read, or mixes families."""
    doc = reading.read_app(reading.Run() if run is None else run, directory.absolute())
    return family(doc)


def family(doc: Document) -> str:
    """The family application.yml's keys belong to; ManifestError in one line when they
    belong to no one family."""
    candidates = frozenset(ERAS)
    seen: list[Marker] = []
    for marker in sorted(markers(doc), key=lambda m: m.line):
        narrowed = candidates & marker.families
        if not narrowed:
            raise ManifestError([_mixed(doc, marker, candidates, seen)])
        candidates = narrowed
        seen.append(marker)
    return next(f for f in PREFERRED if f in candidates)


def _mixed(doc: Document, marker: Marker, read_as: frozenset[str], seen: list[Marker]) -> Problem:
    chosen = next(f for f in PREFERRED if f in read_as)
    evidence = [m for m in seen if chosen in m.families]
    keys = "/".join(dict.fromkeys(dotted(m.path) for m in evidence))
    lines = ", ".join(str(m.line) for m in evidence)
    message = (
        f"a key of the {_names(marker.families)} in a manifest read as the {ERAS[chosen]}"
        f" ({keys} at line{'s' if len(evidence) > 1 else ''} {lines}): expected one family"
    )
    return Problem(doc.file, dotted(marker.path), message, line=marker.line)


def _names(families: frozenset[str]) -> str:
    """`Go era F5 (Exosphere 0.35-0.37 and master)`, or `Go era F3, F4 or F5`."""
    ordered = [f for f in ERAS if f in families]
    if len(ordered) == 1:
        return ERAS[ordered[0]]
    short = [ERAS[f].split(" (")[0] for f in ordered]
    return ", ".join(short[:-1]) + " or " + short[-1]


def markers(doc: Document) -> Iterator[Marker]:
    """Each top-level key that tells families apart, with what its content tells."""
    data: Mapping[str, Any] = doc.data
    for name, value in data.items():
        families = KEY_FAMILIES.get(str(name))
        if families is None:
            continue
        line = doc.line_of((name,)) or 0
        yield Marker((name,), line, _refined(str(name), value, families))
    services = data.get("services")
    if isinstance(services, Mapping) and "worker" in services:
        line = doc.line_of(("services", "worker")) or 0
        yield Marker(("services", "worker"), line, frozenset({F1, F2}))


def _refined(name: str, value: Any, families: frozenset[str]) -> frozenset[str]:
    """The families of a key, narrowed by what it holds."""
    if name == "dependencies" and isinstance(value, list):
        entries = [e for e in value if isinstance(e, Mapping)]
        if any("type" in e for e in entries):
            return frozenset({EXO_DEPLOY})
        if any("name" in e for e in entries):
            return frozenset({F1})
    if name == "production" and isinstance(value, Mapping) and "dependencies" in value:
        return frozenset({F2})
    if name == "local" and isinstance(value, Mapping):
        deps = value.get("dependencies")
        if isinstance(deps, list):
            return frozenset({F3})
        if isinstance(deps, Mapping):
            return frozenset({F4, F5})
    if name == "remote" and isinstance(value, Mapping):
        return _remote(value, families)
    return families


def _remote(remote: Mapping[str, Any], families: frozenset[str]) -> frozenset[str]:
    if "environments" in remote:
        return frozenset({F5})
    deps = remote.get("dependencies")
    if isinstance(deps, list):
        return frozenset({F3})
    if isinstance(deps, Mapping) or {"environment", "secrets"} & set(remote):
        return frozenset({F4})
    if {"url", "region", "account-id", "ssl-certificate-arn"} & set(remote):
        return frozenset({F3, F4})
    return families
