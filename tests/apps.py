"""Small Exosphere apps written to a temporary folder (the `make_app` fixture builds on them)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import (
    Database,
    LoadedApp,
    Messages,
    Secret,
    Source,
    Where,
)

#: A valid app: `web` (public) asks `users` (private) for users.
BASE: dict[str, Any] = {
    "application.yml": {
        "name": "demo",
        "bus": {"type": "exocom", "version": "0.21.8"},
        "environments": {"production": {"domain": "demo.example.com"}},
        "services": {
            "public": {"web": {"location": "./web"}},
            "private": {"users": {"location": "./users"}},
        },
    },
    "web/service.yml": {
        "type": "web",
        "author": "demo",
        "messages": {"sends": ["users.list"], "receives": ["users.listed"]},
        "production": {"url": "demo.example.com", "aws": {"public-port": 3000}},
    },
    "users/service.yml": {
        "type": "users",
        "author": "demo",
        "messages": {"receives": ["users.list"], "sends": ["users.listed"]},
    },
}

#: Both the zone and the certificate given: no dns stack (it would hold only imports).
IMPORTED_DNS = {
    "application.yml": {
        "environments": {
            "production": {
                "providers": {
                    "aws": {
                        "region": "us-east-1",
                        "hosted-zone-id": "Z0123456789ABCDEFGHIJ",
                        "certificate-arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                    }
                }
            }
        }
    }
}

#: Only the certificate given (as every Go-era environment does): the zone stack's zone,
#: and no dns stack.
IMPORTED_CERTIFICATE = {
    "application.yml": {
        "environments": {
            "production": {
                "providers": {
                    "aws": {
                        "region": "us-east-1",
                        "certificate-arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                    }
                }
            }
        }
    }
}

#: A change that removes a key (or a whole file).
DELETE = "<delete>"


def merged(base: Any, change: Any) -> Any:
    """`base` with `change` merged in (mappings recursively; DELETE removes a key)."""
    if isinstance(base, Mapping) and isinstance(change, Mapping):
        out = dict(base)
        for key, value in change.items():
            if value == DELETE:
                out.pop(key, None)
            else:
                out[key] = merged(base.get(key), value)
        return out
    return copy.deepcopy(change)


def write_app(root: Path, changes: Mapping[str, Any] | None = None) -> Path:
    """Write BASE with `changes` (per file: a dict to merge, a str to write as is) to root/app."""
    app = root / "app"
    files: dict[str, Any] = dict(BASE)
    for name, change in (changes or {}).items():
        if isinstance(change, str):
            files[name] = change
        else:
            files[name] = merged(files.get(name, {}), change)
    for name, content in files.items():
        if content == DELETE:
            continue
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False))
    return app


def problem_lines(app: Path, env: str = "production") -> list[str]:
    """The problems of loading `app`, one line each (fails when the app is valid)."""
    try:
        loaded = load_app(app, env)
    except ManifestError as exc:
        return [str(p) for p in exc.problems]
    raise AssertionError(f"expected problems, loaded {loaded.slug} with {loaded.problems}")


AppFactory = Callable[[Mapping[str, Any] | None], Path]


#: The imported certificate of `go_era_app` (the Go era's ssl-certificate-arn).
GO_CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/go-era"


def go_database(**changes: Any) -> Database:
    """A Go-era `rds` dependency as the loader gives it: postgres `main-db`, every service."""
    where = Where("application.yml", "remote.dependencies.main-db", None)
    values: dict[str, Any] = {
        "id": "main-db",
        "engine": "postgres",
        "engine_version": "17.6",
        "allocated_storage_gib": 20,
        "instance_class": "db.t3.micro",
        "db_name": "maindb",
        "username": "hello",
        "storage_type": "gp3",
        "password": Secret(name="hello/db", json_key="password"),
        "variables": {
            "address": "MAIN_DB_HOST",
            "port": "MAIN_DB_PORT",
            "db_name": "DB_NAME",
            "username": "DB_USER",
            "password": "DB_PASSWORD",
        },
        "roles": None,
        "source": Source(file=where, keys={}, fallback=where),
    }
    return Database(**{**values, **changes})


def go_era_app(exocom_version: str = "0.26.4") -> LoadedApp:
    """manifests/hello as a Go-era app would load (until the Go-era loader lands): a postgres
    for every service and a mysql for `web`, peer variables, web's memory a reservation,
    greeter's `ask.greeting` translated to the bus's `greeting.request`, a worker `mailer`
    (no port), the certificate imported."""
    app = load_app(Path(__file__).resolve().parents[1] / "manifests" / "hello", "production")
    web, greeter = sorted(app.services, key=lambda s: s.role != "web")
    greeter = attrs.evolve(
        greeter,
        messages=Messages(receives=("ask.greeting",), sends=("greeting.reply",)),
        translations=(MessageTranslation(public="greeting.request", internal="ask.greeting"),),
        # as the Go era's users wrote them (v0.37.0's exocom and rds READMEs)
        environment={
            "EXOCOM_HOST": "exocom.production-hello.local",
            "MAIN_DB_URL": "postgres://hello@maindb.production-hello.local:5432/maindb",
        },
    )
    mailer = attrs.evolve(
        greeter,
        role="mailer",
        kind="worker",
        messages=Messages(),
        translations=(),
        environment={},
    )
    mysql = go_database(
        id="users",
        engine="mysql",
        engine_version="8.4.6",
        db_name="users",
        username="admin",
        storage_type="gp2",
        password=Secret(name="hello/users"),
        variables={"address": "USERS_HOST", "password": "USERS_PASSWORD"},
        roles=("web",),
    )
    return attrs.evolve(
        app,
        era="go-f5",
        exocom_version=exocom_version,
        peer_variables=True,
        databases=(go_database(), mysql),
        aws=attrs.evolve(app.aws, certificate_arn=GO_CERTIFICATE_ARN),
        services=(attrs.evolve(web, memory_is_reservation=True), greeter, mailer),
    )
