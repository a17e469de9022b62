"""Rules: a service's command, secrets and mongo address, as written."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules.base import service_file

#: A Secrets Manager secret's full ARN (the 6-character suffix AWS adds included).
SECRET_ARN_RE = re.compile(
    r"^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$"
)

#: What `shlex.split` (POSIX) splits: unquoted text, `\x`, `'...'`, and `"..."` in which
#: `\x` is one piece. Nothing is given back, so the match is linear in the command
#: (shlex itself takes a minute for a 1 MB word).
_SHELL_BALANCED = re.compile(r"""(?:[^'"\\]++|\\[\s\S]|'[^']*+'|"(?:[^"\\]++|\\[\s\S])*+")*+""")
_SHELL_DOUBLE_QUOTED = re.compile(r"""(?:[^"\\]++|\\[\s\S])*+""")


def shell_split_problem(command: str) -> str | None:
    """Why `shlex.split(command)` fails, in its words (lowercase), or None when it splits."""
    end = _SHELL_BALANCED.match(command)
    assert end is not None  # the pattern matches the empty string
    at = end.end()
    if at == len(command):
        return None
    if command[at] == '"':
        inside = _SHELL_DOUBLE_QUOTED.match(command, at + 1)
        assert inside is not None
        if inside.end() < len(command):  # stopped at a backslash ending the command
            return "no escaped character"
        return "no closing quotation"
    if command[at] == "'":
        return "no closing quotation"
    return "no escaped character"  # a backslash ending the command


def check(app: LoadedApp) -> list[Problem]:
    return [*commands(app), *secret_arns(app), *mongo_addresses(app)]


def commands(app: LoadedApp) -> list[Problem]:
    """`startup.command` is split like a POSIX shell; one a shell cannot split is an error."""
    problems: list[Problem] = []
    for svc in app.services:
        command = svc.service.startup.command
        if not command:
            continue
        problem = shell_split_problem(command)
        if problem is not None:
            problems.append(
                Problem(
                    service_file(app, svc),
                    "startup.command",
                    f"cannot split '{command}' like a POSIX shell ({problem}),"
                    " expected balanced quotes",
                )
            )
    return problems


def secret_arns(app: LoadedApp) -> list[Problem]:
    """A secret given as an ARN must be a whole secret ARN (its JSON key goes in json-key)."""
    problems: list[Problem] = []
    for svc in app.services:
        for name, ref in svc.service.production.secrets.items():
            if ref.name.startswith("arn:") and not SECRET_ARN_RE.match(ref.name):
                path = f"production.secrets.{name}"
                problems.append(
                    Problem(
                        service_file(app, svc),
                        f"{path}.name" if ref.json_key is not None else path,
                        f"invalid secret ARN '{ref.name}', expected"
                        " 'arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>'"
                        " (a JSON key goes in json-key)",
                    )
                )
    return problems


def mongo_addresses(app: LoadedApp) -> list[Problem]:
    """A service using mongo without `dependencies.mongo.prod` learns no address (a notice)."""
    problems: list[Problem] = []
    for svc in app.services:
        mongo = svc.service.dependencies.get("mongo")
        if mongo is not None and not mongo.prod:
            problems.append(
                Problem(
                    service_file(app, svc),
                    "dependencies.mongo",
                    "no prod address: the service gets no MONGO address"
                    " (set dependencies.mongo.prod, e.g. 'db.example.com:27017')",
                    "notice",
                )
            )
    return problems
