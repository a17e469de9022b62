"""Rules: no CloudFormation dynamic reference or CDK token from a manifest.

A string written into a template as `{{resolve:secretsmanager:…}}` or
`{{resolve:ssm:…}}` is resolved by CloudFormation at deploy time with the
deploying role's rights, and the value lands in plain text wherever the string
went (a task definition's environment, a command): any secret the deploy role
can read would reach the author's container. A string holding a CDK token
(`${Token[…]}`, `#{Token[…]}`) is taken by the CDK for one of its own values,
or fails the synthesis. Every string of the loaded model is refused when it
holds either, at its key path; a value its key's pattern already refuses is
left to that error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.spec import KEY, SPEC, Spec
from exosphere_cdk.manifest.rules.base import app_file, service_file

#: CloudFormation's dynamic reference, as loosely as CloudFormation might read it.
DYNAMIC_REFERENCE = re.compile(r"\{\{\s*resolve\s*:", re.IGNORECASE)
#: The CDK's string and list tokens (`${Token[TOKEN.123]}`, `#{Token[TOKEN.123]}`).
CDK_TOKEN = re.compile(r"[$#]\{\s*Token\s*\[", re.IGNORECASE)

DYNAMIC_REFERENCE_MESSAGE = (
    "holds a CloudFormation dynamic reference ('{{resolve:…'), which CloudFormation would"
    " resolve with the deploying role's rights: use production.secrets for secrets"
)
CDK_TOKEN_MESSAGE = (
    "holds a CDK token ('{sign}{{Token[…'), expected plain text: use production.secrets for secrets"
)


def reference_problem(text: str) -> str | None:
    """What is wrong with `text` as a string bound for a template; None when nothing is."""
    if DYNAMIC_REFERENCE.search(text):
        return DYNAMIC_REFERENCE_MESSAGE
    token = CDK_TOKEN.search(text)
    if token:
        return CDK_TOKEN_MESSAGE.format(sign=token.group(0)[0])
    return None


def check(app: LoadedApp) -> list[Problem]:
    problems: list[Problem] = []
    file = app_file(app)
    for path, text in _strings(app.application, "", skip=frozenset({"environments"})):
        problems += _problem(file, path, text)
    for path, text in _strings(app.environment, f"environments.{app.env_name}"):
        problems += _problem(file, path, text)
    for svc in app.services:
        if svc.directory is None:
            continue  # an empty Service: its ref is part of application.yml
        for path, text in _strings(svc.service, ""):
            problems += _problem(service_file(app, svc), path, text)
    return problems


def _problem(file: str, path: str, text: str) -> list[Problem]:
    message = reference_problem(text)
    return [] if message is None else [Problem(file, path, message)]


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
