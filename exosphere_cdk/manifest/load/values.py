"""Each written value against its field's spec, and no template reference in any string.

Both walk a manifest as its era's schema classes hold it (fields made with
`model.spec.key`), so they serve every era: a loader runs them on what it read,
before it makes the app. Checks of the app as a whole are rules (manifest.rules).

No CloudFormation dynamic reference or CDK token from a manifest: a string
written into a template as `{{resolve:secretsmanager:…}}` is resolved by
CloudFormation at deploy time with the deploying role's rights, and the value
lands in plain text wherever the string went (a task definition's
environment, a command); a CDK token (`${Token[…]}`) is taken by the CDK for
one of its own values, or fails the synthesis. A value its key's pattern
already refuses is left to that error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.load.converter import describe
from exosphere_cdk.manifest.model.app import Where
from exosphere_cdk.manifest.model.constraints import CDK_TOKEN, DYNAMIC_REFERENCE
from exosphere_cdk.manifest.model.spec import KEY, SPEC, Spec

DYNAMIC_REFERENCE_MESSAGE = (
    "holds a CloudFormation dynamic reference ('{{resolve:…'), which CloudFormation would"
    " resolve with the deploying role's rights: use production.secrets for secrets"
)
CDK_TOKEN_MESSAGE = (
    "holds a CDK token ('{sign}{{Token[…'), expected plain text: use production.secrets for secrets"
)


def value_problem(spec: Spec, value: object) -> str | None:
    """What is wrong with one value under `spec`, as a message; None when nothing is."""
    if spec.accepts(value):
        return None
    if spec.enum is None and spec.pattern is None:
        unit = f" {spec.unit}" if spec.unit else ""
        return f"invalid value {value}, expected {spec.minimum} to {spec.maximum}{unit}"
    expected = spec.expected or "one of: " + ", ".join(map(str, spec.enum or ()))
    return f"invalid {spec.noun} {describe(value)}, expected {expected}"


def reference_problem(text: str) -> str | None:
    """What is wrong with `text` as a string bound for a template; None when nothing is."""
    if DYNAMIC_REFERENCE.search(text):
        return DYNAMIC_REFERENCE_MESSAGE
    token = CDK_TOKEN.search(text)
    if token:
        return CDK_TOKEN_MESSAGE.format(sign=token.group(0)[0])
    return None


def walk(
    at: Where, obj: Any, *, into_lists: bool = False
) -> Iterator[tuple[Where, Where, attrs.Attribute[Any], Any]]:
    """Every field of the schema instance `obj` (at `at`) and of the instances in it (in
    sections, mappings and, with `into_lists`, lists): the place of its instance, its own
    place, the field, and its value."""
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        here = at.key(a.metadata.get(KEY, a.name))
        yield at, here, a, value
        if attrs.has(type(value)):
            yield from walk(here, value, into_lists=into_lists)
        elif isinstance(value, Mapping):
            for name, item in value.items():
                if attrs.has(type(item)):
                    yield from walk(here.key(name), item, into_lists=into_lists)
        elif into_lists and isinstance(value, tuple):
            for index, item in enumerate(value):
                if attrs.has(type(item)):
                    yield from walk(here.key(index), item, into_lists=into_lists)


def spec_problems(at: Where, obj: Any, *, into_lists: bool = False) -> list[Problem]:
    """The single-value constraints of the schema instance `obj` and of everything in it
    (the instances in its lists too, with `into_lists`)."""
    problems: list[Problem] = []
    for parent, here, a, value in walk(at, obj, into_lists=into_lists):
        spec: Spec | None = a.metadata.get(SPEC)
        if spec is not None:
            problems += _value(parent if spec.shorthand else here, spec, value)
    return problems


def _value(at: Where, spec: Spec, value: object) -> list[Problem]:
    if isinstance(value, tuple):
        return [p for index, item in enumerate(value) for p in _value(at.key(index), spec, item)]
    if isinstance(value, Mapping):
        names = [] if spec.names is None else [(at.key(n), spec.names, n) for n in value]
        # a mapping of plain values (urls by role): each value against the field's constraint
        items = [(at.key(n), spec, v) for n, v in value.items() if isinstance(v, str | int)]
        return [p for here, s, v in [*names, *items] for p in _value(here, s, v)]
    message = value_problem(spec, value)
    return [] if message is None else [at.problem(message)]


def reference_problems(at: Where, obj: Any, skip: frozenset[str] = frozenset()) -> list[Problem]:
    """A problem for every string of `obj` holding a template reference (`reference_problem`)."""
    problems: list[Problem] = []
    for path, text in _strings(obj, at.path, skip):
        message = reference_problem(text)
        if message is not None:
            problems.append(Where(at.file, path, at.role).problem(message))
    return problems


def _join(path: str, name: object) -> str:
    return f"{path}.{name}" if path else str(name)


def _strings(obj: Any, path: str, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Every string in the attrs instance `obj` (keys of mappings included) with its key path,
    but the raw fields (typed Any: accepted, never read) and the values their Spec refuses."""
    for a in attrs.fields(type(obj)):
        if a.name in skip or a.type in (Any, "Any"):
            continue
        spec: Spec = a.metadata.get(SPEC, Spec())
        at = path if spec.shorthand else _join(path, a.metadata.get(KEY, a.name))
        yield from _values(getattr(obj, a.name), at, spec)


def _values(value: Any, path: str, spec: Spec) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if spec.accepts(value):
            yield path, value
    elif attrs.has(type(value)):
        yield from _strings(value, path)
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _values(item, f"{path}[{index}]", spec)
    elif isinstance(value, Mapping):
        names = spec.names or Spec()
        for name, item in value.items():
            at = _join(path, name)
            if isinstance(name, str) and names.accepts(name):
                yield at, name
            yield from _values(item, at, Spec())
