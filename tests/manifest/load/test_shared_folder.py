# ruff: noqa: E501 - exact one-line messages
"""Two roles sharing one service folder: a problem names the roles it is about (issue 19, item 7)."""

from __future__ import annotations

import os
from typing import Any

from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory, problem_lines

PLAIN = (
    "in plain text: the task definition shows it to whoever may describe it; use production.secrets"
)


def _shared(
    service: dict[str, Any], roles: tuple[str, ...] = ("users", "users2")
) -> dict[str, Any]:
    private = {role: {"location": "./users"} for role in roles}
    return {"application.yml": {"services": {"private": private}}, "users/service.yml": service}


def test_a_warning_found_for_both_roles_is_one_line_naming_both(make_app: AppFactory) -> None:
    service = {
        "production": {"environment": {"DB_PASSWORD": "x"}},
        "dependencies": {"mongo": {"version": "3.4.0"}},
    }
    app = load_app(make_app(_shared(service)))
    lines = [str(p) for p in app.problems if p.file.endswith("users/service.yml")]
    assert lines == [
        f"app/users/service.yml:10: production.environment.DB_PASSWORD: warning: for users and users2: a secret by its name (PASSWORD), {PLAIN}",
        "app/users/service.yml:12: dependencies.mongo: notice: for users and users2: no prod address: the service gets no MONGO address (set dependencies.mongo.prod, e.g. 'db.example.com:27017')",
    ]


def test_three_roles_are_listed_by_name(make_app: AppFactory) -> None:
    service = {"production": {"environment": {"API_TOKEN": "x"}}}
    app = load_app(make_app(_shared(service, ("users", "b-users", "a-users"))))
    lines = [str(p) for p in app.problems if "API_TOKEN" in p.path]
    assert lines == [
        f"app/users/service.yml:10: production.environment.API_TOKEN: warning: for a-users, b-users and users: a secret by its name (TOKEN), {PLAIN}",
    ]


def test_an_error_found_for_both_roles_names_both(make_app: AppFactory) -> None:
    service = {"startup": {"command": "sh -c 'node a.js"}}
    assert [line for line in problem_lines(make_app(_shared(service))) if "startup" in line] == [
        "app/users/service.yml:9: startup.command: for users and users2: cannot split 'sh -c 'node a.js' like a POSIX shell (no closing quotation), expected balanced quotes",
    ]


def test_a_folder_of_one_role_names_no_role(make_app: AppFactory) -> None:
    app = load_app(
        make_app({"users/service.yml": {"production": {"environment": {"DB_PASSWORD": "x"}}}})
    )
    assert [str(p) for p in app.problems if "DB_PASSWORD" in p.path] == [
        f"app/users/service.yml:10: production.environment.DB_PASSWORD: warning: a secret by its name (PASSWORD), {PLAIN}",
    ]
    assert all(type(p.file) is str for p in app.problems)


def test_a_build_context_two_roles_share_is_checked_once(make_app: AppFactory) -> None:
    app = make_app(
        {**_shared({}), "users/Dockerfile": "FROM node:20\n", "users/.dockerignore": "x\n"}
    )
    os.mkfifo(app / "users" / "pipe")
    assert problem_lines(app) == [
        "app/users/pipe: is a FIFO, expected a file, a folder or a symbolic link in the image's"
        " build context (or list it in .dockerignore)",
    ]
