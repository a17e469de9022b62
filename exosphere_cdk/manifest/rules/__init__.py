"""The checks of a loaded app: one module per concern, each `check(app) -> list[Problem]`.

They read the era-neutral app (model.app) and report at the keys its `Source`
gives. `RULES` lists them once (the loader sorts their problems by severity,
file and line afterwards). A new rule goes into the module of its concern, or
into a new module added to `RULES`. A single value against its field's own
constraint is the field's spec (load.values), not a rule.
"""

from __future__ import annotations

from collections.abc import Callable

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules import (
    capacity,
    databases,
    dependencies,
    exocom,
    grammars,
    images,
    instances,
    messages,
    quotas,
    regions,
    routing,
    secrets,
    services,
    settings,
)
from exosphere_cdk.manifest.rules.base import name_shared_roles

Rule = Callable[[LoadedApp], list[Problem]]

#: Every rule, once: the app's settings and region, its services and their dependencies, its
#: databases, their routes and messages, ExoCom's release, instance types, capacity, AWS's
#: quotas and name limits, images, the grammars of image references and paths, and secrets.
RULES: tuple[Rule, ...] = (
    settings.check,
    regions.check,
    services.check,
    dependencies.check,
    databases.check,
    routing.check,
    messages.check,
    exocom.check,
    instances.check,
    capacity.check,
    quotas.check,
    images.check,
    grammars.check,
    secrets.check,
)


def check_app(app: LoadedApp) -> list[Problem]:
    """Every problem of `app` (errors, warnings, notices), rule by rule; a problem of a
    service.yml several roles share is one line naming them (base.name_shared_roles)."""
    return name_shared_roles(app, [problem for rule in RULES for problem in rule(app)])
