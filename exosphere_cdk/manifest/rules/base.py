"""What the rules modules share: naming a problem of a file several roles share once."""

from __future__ import annotations

import attrs

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp

#: The app's three instance types, by their names in model.app.AwsSettings.
CLUSTER_SIZES = ("public_cluster_size", "private_cluster_size", "exocom_cluster_size")


def name_shared_roles(app: LoadedApp, problems: list[Problem]) -> list[Problem]:
    """`problems` with those of a service.yml that several roles share naming their roles.

    The same problem found for several of the roles is one problem, naming them
    all (`for users and users2: ...`).
    """
    roles: dict[str, list[str]] = {}
    for svc in app.services:
        if svc.directory is not None:
            roles.setdefault(svc.source.file.file, []).append(svc.role)
    shared = {file for file, names in roles.items() if len(names) > 1}
    kept: list[Problem] = []
    about: dict[tuple[object, ...], list[str]] = {}
    for problem in problems:
        if problem.role is None or problem.file not in shared:
            kept.append(problem)
            continue
        same = (problem.file, problem.path, problem.message, problem.severity, problem.line)
        if same not in about:
            about[same] = []
            kept.append(problem)
        if problem.role not in about[same]:
            about[same].append(problem.role)
    out: list[Problem] = []
    for problem in kept:
        if problem.role is None or problem.file not in shared:
            out.append(attrs.evolve(problem, role=None))
            continue
        names = about[(problem.file, problem.path, problem.message, problem.severity, problem.line)]
        who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        out.append(attrs.evolve(problem, role=None, message=f"for {who}: {problem.message}"))
    return out
