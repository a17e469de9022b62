"""Rules: a service's dependencies are ones exosphere-cdk knows (mongo), with did-you-mean."""

from __future__ import annotations

from exosphere_cdk.manifest.errors import Problem, did_you_mean
from exosphere_cdk.manifest.model.app import LoadedApp

#: The dependencies a service can name, and what each gives it.
KNOWN = {"mongo": "MONGO, MONGODB_USER and MONGODB_PW"}


def check(app: LoadedApp) -> list[Problem]:
    return unknown_dependencies(app)


def unknown_dependencies(app: LoadedApp) -> list[Problem]:
    """A dependency other than mongo does nothing: a warning, with did-you-mean."""
    problems: list[Problem] = []
    for svc in app.services:
        for name in svc.dependencies:
            if name in KNOWN:
                continue
            known = ", ".join(f"'{k}' (sets {gives})" for k, gives in KNOWN.items())
            guess = did_you_mean(name, sorted(KNOWN))
            hint = "" if guess is None else f", did you mean '{guess}'?"
            problems.append(
                svc.source.at("dependencies")
                .key(name)
                .problem(
                    f"ignored: nothing is deployed or set for dependency '{name}'"
                    f" (known: {known}){hint}",
                    "warning",
                )
            )
    return problems
