"""Rules: images (each rule a pure function of the loaded app)."""

from __future__ import annotations

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model import LoadedApp


def check(app: LoadedApp) -> list[Problem]:
    return []
