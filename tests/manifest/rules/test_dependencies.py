# ruff: noqa: E501 - exact one-line messages
"""A service's dependencies: mongo is known; any other name is a warning saying it does nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from exosphere_cdk.manifest.load.exo_deploy.loader import load_app
from tests.apps import AppFactory

KNOWN = "known: 'mongo' (sets MONGO, MONGODB_USER and MONGODB_PW)"


def _warnings(app: Path) -> list[str]:
    return [str(p) for p in load_app(app).problems if p.severity == "warning"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("mongodb", ", did you mean 'mongo'?"),
        ("Mongo", ", did you mean 'mongo'?"),
        ("redis", ""),
    ],
)
def test_an_unknown_dependency_is_a_warning_naming_what_is_done_with_it(
    make_app: AppFactory, name: str, hint: str
) -> None:
    app = make_app({"users/service.yml": {"dependencies": {name: {"version": "3.4.0"}}}})
    assert _warnings(app) == [
        f"app/users/service.yml:9: dependencies.{name}: warning: ignored: nothing is deployed or set for dependency '{name}' ({KNOWN}){hint}",
    ]


def test_mongo_is_known(make_app: AppFactory) -> None:
    app = make_app(
        {"users/service.yml": {"dependencies": {"mongo": {"prod": "db.example.com:27017"}}}}
    )
    assert _warnings(app) == []
