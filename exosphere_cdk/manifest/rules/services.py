"""Rules: a service's command, secrets, mongo address and root file system, as written."""

from __future__ import annotations

import re

import attrs

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import service_environment
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.constraints import MONGO_ENV, RESERVED_ENV

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
    return [
        *task_counts(app),
        *variable_names(app),
        *replaced_variables(app),
        *go_era_hosts(app),
        *commands(app),
        *secret_arns(app),
        *mongo_addresses(app),
        *exec_into_read_only_roots(app),
    ]


def task_counts(app: LoadedApp) -> list[Problem]:
    """max-tasks at least min-tasks."""
    return [
        svc.source.at("max_tasks_given").problem(
            f"invalid value {svc.max_tasks_given}, expected at least min-tasks ({svc.min_tasks})"
        )
        for svc in app.services
        if svc.max_tasks_given is not None and svc.min_tasks > svc.max_tasks_given
    ]


def variable_names(app: LoadedApp) -> list[Problem]:
    """No variable the deployment sets (the mongo ones only where it sets them), and each
    variable either plain or a secret (the Go era's users set EXOCOM_HOST themselves: there
    a plain one is `replaced_variables`')."""
    problems: list[Problem] = []
    for svc in app.services:
        for section, names in (("environment", svc.environment), ("secrets", svc.secrets)):
            for name in names:
                at = svc.source.at(section).key(name)
                reserved = name in RESERVED_ENV and (svc.mongo is not None or name not in MONGO_ENV)
                if reserved and (section == "secrets" or app.era == "exo-deploy"):
                    problems.append(
                        at.problem(
                            f"'{name}' is set by the deployment, expected another name "
                            f"(reserved: {', '.join(RESERVED_ENV)})"
                        )
                    )
                elif section == "secrets" and name in svc.environment:
                    where = svc.source.at("environment").path
                    problems.append(
                        at.problem(f"'{name}' is also in {where}, expected it in one of them")
                    )
    return problems


def replaced_variables(app: LoadedApp) -> list[Problem]:
    """A Go-era app's plain variable that the deployment sets to another value (the
    EXOCOM_HOST its users wrote, a peer's or a database's variable), or whose Go-era host
    it replaces with its own (`go_era_hosts_replaced`): a warning naming both values, at
    the variable."""
    if app.era == "exo-deploy":
        return []
    problems: list[Problem] = []
    for svc in app.services:
        deployed = service_environment(app, svc)
        set_here = service_environment(app, attrs.evolve(svc, environment={}))
        for name, value in svc.environment.items():
            ours = deployed[name]
            if ours == value:
                continue
            if name in set_here:
                what = f"'{name}' is set by the deployment"
            else:
                what = f"'{name}' names a host of the Go era's internal zone"
            problems.append(
                svc.source.at("environment")
                .key(name)
                .problem(f"{what}: '{value}' is replaced by '{ours}'", "warning")
            )
    return problems


#: A host name in the Go era's internal zone (`<app>.local`, `<env>-<app>.local`).
GO_ERA_HOST = re.compile(r"([A-Za-z0-9_-]+)\.[a-z0-9-]+\.local")


def go_era_hosts(app: LoadedApp) -> list[Problem]:
    """A Go-era app's variable (one the deployment keeps as written) naming a host of a
    `.local` zone, which no deployment here has: a warning naming the host that would
    replace it (a database's, ExoCom's: the zone is not the app's) or saying that a
    service has none. The app's own zone's database and ExoCom hosts are replaced
    (`replaced_variables`); other `.local` hosts are left alone."""
    if app.era == "exo-deploy":
        return []
    ours = derive.go_era_names(app)
    roles = {svc.role for svc in app.services}
    problems: list[Problem] = []
    for svc in app.services:
        deployed = service_environment(app, svc)
        for name, value in svc.environment.items():
            found = GO_ERA_HOST.fullmatch(value)
            if found is None or deployed[name] != value:
                continue
            label = found[1].lower()
            if label in ours:
                expected = f"expected '{ours[label]}'"
            elif label in roles:
                expected = "and a service has no name inside the VPC here (docs/architecture.md)"
            else:
                continue
            problems.append(
                svc.source.at("environment")
                .key(name)
                .problem(
                    f"'{value}' is a host of the Go era's internal zone, which this"
                    f" deployment does not have, {expected}",
                    "warning",
                )
            )
    return problems


def commands(app: LoadedApp) -> list[Problem]:
    """`startup.command` is split like a POSIX shell; one a shell cannot split is an error."""
    problems: list[Problem] = []
    for svc in app.services:
        command = svc.command
        if not command:
            continue
        problem = shell_split_problem(command)
        if problem is not None:
            problems.append(
                svc.source.at("command").problem(
                    f"cannot split '{command}' like a POSIX shell ({problem}),"
                    " expected balanced quotes",
                )
            )
    return problems


def secret_arns(app: LoadedApp) -> list[Problem]:
    """A secret given as an ARN must be a whole secret ARN (its JSON key goes in json-key)."""
    problems: list[Problem] = []
    for svc in app.services:
        for name, ref in svc.secrets.items():
            if ref.name.startswith("arn:") and not SECRET_ARN_RE.match(ref.name):
                at = svc.source.at("secrets").key(name)
                problems.append(
                    (at.key("name") if ref.json_key is not None else at).problem(
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
        mongo = svc.mongo
        if mongo is not None and not mongo.address:
            problems.append(
                svc.source.at("mongo").problem(
                    "no prod address: the service gets no MONGO address"
                    " (set dependencies.mongo.prod, e.g. 'db.example.com:27017')",
                    "notice",
                )
            )
    return problems


def exec_into_read_only_roots(app: LoadedApp) -> list[Problem]:
    """ECS Exec cannot open a session in a container with a read-only root file system.

    ECS Exec starts an SSM agent inside the container, which must create its
    files and folders there; AWS's documentation says a read-only root
    (`readonlyRootFilesystem`) is not supported with ECS Exec, so every session
    would fail. The combination is refused rather than worked around with
    undocumented writable mounts.
    """
    if not app.aws.ecs_exec:
        return []
    switch = app.source.at("aws.ecs_exec").path
    return [
        svc.source.at("read_only_root").problem(
            f"a read-only root file system cannot be used with ECS Exec ({switch}: true):"
            " the SSM agent ECS Exec starts in the container must write to its file system,"
            " so every session would fail; expected read-only-root: false, or ecs-exec: false"
        )
        for svc in app.services
        if svc.read_only_root
    ]
