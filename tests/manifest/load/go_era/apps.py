"""Small Go-era apps of each family, written to a temporary folder with a Dockerfile.prod per
service (the file the Go era's exo deploy built)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from tests.apps import DELETE, merged

__all__ = ["BASES", "DELETE", "GoApp", "base_services", "go_app", "service"]

CERT = "arn:aws:acm:us-west-2:123456789012:certificate/abc"
TARGET = {
    "url": "demo.example.com",
    "region": "us-west-2",
    "account-id": "123456789012",
    "ssl-certificate-arn": CERT,
}
_WEB_MESSAGES = {"sends": ["users.list"], "receives": ["users.listed"]}
_USERS_MESSAGES = {"receives": ["users.list"], "sends": ["users.listed"]}
_EXOCOM = {"type": "exocom", "template-config": {"version": "0.27.0"}}

#: A valid app of each family: `web` (public) asks `users` (a worker) for users.
BASES: dict[str, dict[str, Any]] = {
    "go-f1": {
        "application.yml": {
            "name": "demo",
            "dependencies": [{"name": "exocom", "version": "0.25.0"}],
            "production": TARGET,
            "services": {
                "public": {"web": {"location": "./web"}},
                "worker": {"users": {"location": "./users"}},
            },
        },
        "web/service.yml": {
            "messages": _WEB_MESSAGES,
            "production": {
                "url": "demo.example.com",
                "cpu": 128,
                "memory": 256,
                "public-port": 3000,
                "health-check": "/health",
            },
        },
        "users/service.yml": {
            "messages": _USERS_MESSAGES,
            "production": {"cpu": 100, "memory": 200},
        },
    },
    "go-f3": {
        "application.yml": {
            "name": "demo",
            "remote": {**TARGET, "dependencies": [{"name": "exocom", "version": "0.26.4"}]},
            "services": {"web": {"location": "./web"}, "users": {"location": "./users"}},
        },
        "web/service.yml": {
            "type": "public",
            "messages": _WEB_MESSAGES,
            "production": {"port": 3000},
            "remote": {
                "url": "demo.example.com",
                "cpu": 128,
                "memory": 256,
                "health-check": "/health",
            },
        },
        "users/service.yml": {
            "type": "worker",
            "messages": _USERS_MESSAGES,
            "remote": {"cpu": 100, "memory": 200},
        },
    },
    "go-f4": {
        "application.yml": {
            "name": "demo",
            "remote": {**TARGET, "dependencies": {"exocom": _EXOCOM}},
            "services": {"web": {"location": "./web"}, "users": {"location": "./users"}},
        },
        "web/service.yml": {
            "type": "public",
            "dependency-data": {"exocom": _WEB_MESSAGES},
            "production": {"port": 3000, "health-check": "/health"},
            "remote": {"url": "demo.example.com", "cpu": 128, "memory": 256},
        },
        "users/service.yml": {
            "type": "worker",
            "dependency-data": {"exocom": _USERS_MESSAGES},
            "remote": {"cpu": 100, "memory": 200},
        },
    },
    "go-f5": {
        "application.yml": {
            "name": "demo",
            "remote": {
                "dependencies": {"exocom": _EXOCOM},
                "environments": {"production": TARGET},
            },
            "services": {"web": {"location": "./web"}, "users": {"location": "./users"}},
        },
        "web/service.yml": {
            "type": "public",
            "dependency-data": {"exocom": _WEB_MESSAGES},
            "production": {"port": 3000, "health-check": "/health"},
            "remote": {
                "cpu": 128,
                "memory": 256,
                "environments": {"production": {"url": "demo.example.com"}},
            },
        },
        "users/service.yml": {
            "type": "worker",
            "dependency-data": {"exocom": _USERS_MESSAGES},
            "remote": {"cpu": 100, "memory": 200},
        },
    },
}


#: F2 is F1 with ExoCom in production's dependency list and 0.30's `port`.
BASES["go-f2"] = merged(
    BASES["go-f1"],
    {
        "application.yml": {
            "dependencies": DELETE,
            "production": {"dependencies": [{"name": "exocom", "version": "0.26.3"}]},
        },
        "web/service.yml": {"production": {"public-port": DELETE, "port": 3000}},
    },
)


def write(root: Path, era: str, changes: Mapping[str, Any] | None = None) -> Path:
    """BASES[era] with `changes` (per file: a dict merged in, a str written as is, DELETE) in
    root/app, with a one-line Dockerfile.prod in each service folder."""
    app = root / "app"
    files: dict[str, Any] = dict(BASES[era])
    for name, change in (changes or {}).items():
        files[name] = change if isinstance(change, str) else merged(files.get(name), change)
    for name, content in files.items():
        if content == DELETE:
            continue
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text)
        if name.endswith("service.yml"):
            (path.parent / "Dockerfile.prod").write_text("FROM scratch\n")
    return Path("app")


class GoApp:
    """Writes and loads a Go-era app of one family in a temporary working folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def load(
        self, era: str, changes: Mapping[str, Any] | None = None, env: str = "production"
    ) -> LoadedApp:
        return load_app(write(self.root, era, changes), env)

    def problems(
        self, era: str, changes: Mapping[str, Any] | None = None, env: str = "production"
    ) -> list[str]:
        """Every problem of the app, as printed (the app must be invalid)."""
        with pytest.raises(ManifestError) as raised:
            self.load(era, changes, env)
        return [str(p) for p in raised.value.problems]

    def errors(self, era: str, changes: Mapping[str, Any] | None = None) -> list[str]:
        with pytest.raises(ManifestError) as raised:
            self.load(era, changes)
        return [str(p) for p in raised.value.errors]


@pytest.fixture
def go_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GoApp:
    monkeypatch.chdir(tmp_path)
    return GoApp(tmp_path)


def service(app: LoadedApp, role: str) -> LoadedService:
    """The service `role` of `app`."""
    return next(s for s in app.services if s.role == role)


def base_services(app: LoadedApp) -> tuple[LoadedService, LoadedService]:
    """`web` and `users` of an app of BASES, checked for what every family's base gives them."""
    web, users = service(app, "web"), service(app, "users")
    assert (web.kind, web.port, web.health_check_path, web.url, web.cpu, web.memory) == (
        "public",
        3000,
        "/health",
        "demo.example.com",
        128,
        256,
    )
    assert (users.kind, users.port, users.url, users.cpu, users.memory) == (
        "worker",
        None,
        None,
        100,
        200,
    )
    # a hard limit in F1 (0.23-0.25), a reservation from F2 (0.26.3's memoryReservation)
    assert users.memory_is_reservation == (app.era != "go-f1")
    assert (users.messages.receives, web.messages.sends) == (("users.list",), ("users.list",))
    return web, users
