"""The lock files: requirements.lock holds all that running needs and no more than it needs to
install, requirements-dev.lock agrees with it, and each pins every direct dependency."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO


def _pins(name: str) -> dict[str, str]:
    """Package (canonical name) → pinned version, from one lock file."""
    pins: dict[str, str] = {}
    for line in (REPO / name).read_text().splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            pins[canonicalize_name(package)] = version
    return pins


RUNTIME = _pins("requirements.lock")
DEV = _pins("requirements-dev.lock")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _closure(requirements: list[Requirement]) -> set[str]:
    """Every package that installing `requirements` installs, from the installed metadata."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in requirements]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for spec in importlib.metadata.requires(name) or []:
            requirement = Requirement(spec)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in {"", *extras}
            )
            if wanted:
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_the_runtime_lock_is_what_the_dependencies_install() -> None:
    needed = _closure([Requirement(d) for d in PROJECT["dependencies"]])
    assert set(RUNTIME) == needed


def test_the_dev_lock_holds_the_runtime_lock_and_the_dev_extra() -> None:
    assert {name: DEV.get(name) for name in RUNTIME} == RUNTIME
    needed = _closure([Requirement(d) for d in PROJECT["optional-dependencies"]["dev"]])
    assert needed - set(DEV) == set()


def test_each_direct_dependency_is_pinned_at_the_version_of_its_lock() -> None:
    for spec, lock in [
        *((d, RUNTIME) for d in PROJECT["dependencies"]),
        *((d, DEV) for d in PROJECT["optional-dependencies"]["dev"]),
    ]:
        requirement = Requirement(spec)
        (pin,) = re.findall(r"==(\S+)", str(requirement.specifier))
        assert lock[canonicalize_name(requirement.name)] == pin, spec
