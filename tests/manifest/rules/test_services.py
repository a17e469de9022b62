# ruff: noqa: E501 - exact one-line messages
"""Commands split like a shell, secrets as a name or a full ARN, mongo's address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory, problem_lines


def _users(**values: Any) -> dict[str, Any]:
    return {"users/service.yml": values}


def _notices(app: Path) -> list[str]:
    return [str(p) for p in load_app(app).problems if p.severity == "notice"]


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("node server.js", ["node", "server.js"]),
        ("node  server.js --port 3", ["node", "server.js", "--port", "3"]),
        ("""sh -c "node a.js --name 'x y'\"""", ["sh", "-c", "node a.js --name 'x y'"]),
        ("node a.js --name 'x y'", ["node", "a.js", "--name", "x y"]),
        (r"echo a\ b", ["echo", "a b"]),
        ("  ", None),
    ],
)
def test_command_split_like_a_shell(
    make_app: AppFactory, command: str, words: list[str] | None
) -> None:
    app = load_app(make_app(_users(startup={"command": command})))
    users = next(s for s in app.services if s.role == "users")
    assert derive.container_command(users) == words


def test_unclosed_quote_is_an_error(make_app: AppFactory) -> None:
    app = make_app(_users(startup={"command": "sh -c 'node a.js"}))
    assert problem_lines(app) == [
        "app/users/service.yml:9: startup.command: cannot split 'sh -c 'node a.js' like a POSIX shell (no closing quotation), expected balanced quotes",
    ]


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo/api-AbCdEf"


def test_secret_as_name_or_full_arn_with_or_without_json_key(make_app: AppFactory) -> None:
    secrets = {
        "API_KEY": ARN,
        "DB_PW": {"name": ARN, "json-key": "password"},
        "TOKEN": "demo/token",
    }
    app = load_app(make_app(_users(production={"secrets": secrets})))
    users = next(s for s in app.services if s.role == "users")
    assert {k: (v.name, v.json_key) for k, v in users.secrets.items()} == {
        "API_KEY": (ARN, None),
        "DB_PW": (ARN, "password"),
        "TOKEN": ("demo/token", None),
    }


def test_a_partial_secret_arn_is_an_error(make_app: AppFactory) -> None:
    secrets = {"API_KEY": "arn:aws:secretsmanager:us-east-1:123456789012:demo/api"}
    assert problem_lines(make_app(_users(production={"secrets": secrets}))) == [
        "app/users/service.yml:10: production.secrets.API_KEY: invalid secret ARN 'arn:aws:secretsmanager:us-east-1:123456789012:demo/api', expected 'arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>' (a JSON key goes in json-key)",
    ]


def test_mongo_without_prod_gets_a_notice(make_app: AppFactory) -> None:
    app = make_app(_users(dependencies={"mongo": {"version": "3.4.0"}}))
    assert _notices(app) == [
        "app/users/service.yml:9: dependencies.mongo: notice: no prod address: the service gets no MONGO address (set dependencies.mongo.prod, e.g. 'db.example.com:27017')",
    ]
    with_prod = make_app(
        _users(dependencies={"mongo": {"version": "3.4.0", "prod": "db.example.com:27017"}})
    )
    assert _notices(with_prod) == []


@pytest.mark.parametrize(
    "json_key",
    ["password:AWSPREVIOUS", "password::", ":", "a:b"],
)
def test_a_json_key_with_a_colon_is_an_error(make_app: AppFactory, json_key: str) -> None:
    """ECS splits `<secret>:<json-key>:<version-stage>:<version-id>` at ':' (issue 19)."""
    secrets = {"DB_PW": {"name": "demo/db", "json-key": json_key}}
    assert problem_lines(make_app(_users(production={"secrets": secrets}))) == [
        f"app/users/service.yml:12: production.secrets.DB_PW.json-key: invalid JSON key '{json_key}', expected a key of the secret's JSON, without ':' (ECS splits the secret reference at ':')",
    ]


def test_an_empty_json_key_is_an_error(make_app: AppFactory) -> None:
    secrets = {"DB_PW": {"name": "demo/db", "json-key": ""}}
    assert problem_lines(make_app(_users(production={"secrets": secrets}))) == [
        "app/users/service.yml:12: production.secrets.DB_PW.json-key: invalid JSON key '', expected a key of the secret's JSON, without ':' (ECS splits the secret reference at ':')",
    ]


@pytest.mark.parametrize("json_key", ["password", "db.password", "a b", "ключ", "a/b@c"])
def test_a_json_key_without_a_colon_is_taken(make_app: AppFactory, json_key: str) -> None:
    secrets = {"DB_PW": {"name": "demo/db", "json-key": json_key}}
    app = load_app(make_app(_users(production={"secrets": secrets})))
    users = next(s for s in app.services if s.role == "users")
    assert users.secrets["DB_PW"].json_key == json_key


def test_ecs_exec_into_a_read_only_root_is_refused(make_app: AppFactory) -> None:
    exec_on = {"environments": {"production": {"providers": {"aws": {"ecs-exec": True}}}}}
    read_only = _users(production={"aws": {"read-only-root": True}})
    assert problem_lines(make_app({"application.yml": exec_on, **read_only})) == [
        "app/users/service.yml:10: production.aws.read-only-root: a read-only root file system cannot be used with ECS Exec (environments.production.providers.aws.ecs-exec: true): the SSM agent ECS Exec starts in the container must write to its file system, so every session would fail; expected read-only-root: false, or ecs-exec: false",
    ]
    # either alone is fine
    load_app(make_app(read_only))
    load_app(make_app({"application.yml": exec_on}))
