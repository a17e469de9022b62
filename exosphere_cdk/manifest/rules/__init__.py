"""The checks of a loaded app: one module per concern, each `check(app) -> list[Problem]`.

`RULES` lists them once, in the order their problems are reported (the
loader sorts them by severity and file afterwards). A new rule goes into the
module of its concern, or into a new module added to `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules import (
    capacity,
    dependencies,
    exocom,
    fields,
    images,
    instances,
    quotas,
    references,
    regions,
    secrets,
    services,
)
from exosphere_cdk.manifest.rules.base import name_shared_roles

Rule = Callable[[LoadedApp], list[Problem]]

#: Every rule, once: values, the region, ExoCom's release, instance types, capacity, AWS's quotas
#: and name limits, images, services, their dependencies, references and secrets.
RULES: tuple[Rule, ...] = (
    fields.check,
    regions.check,
    exocom.check,
    instances.check,
    capacity.check,
    quotas.check,
    images.check,
    services.check,
    dependencies.check,
    references.check,
    secrets.check,
)


def check_app(app: LoadedApp) -> list[Problem]:
    """Every problem of `app` (errors, warnings, notices), rule by rule; a problem of a
    service.yml several roles share is one line naming them (base.name_shared_roles)."""
    return name_shared_roles(app, [problem for rule in RULES for problem in rule(app)])
