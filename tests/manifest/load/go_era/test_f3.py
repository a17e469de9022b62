"""The Go era's F3 (Exosphere 0.32): every key read, defaulted and checked."""

from __future__ import annotations

from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.model.app import Secret
from tests.manifest.load.go_era.apps import DELETE, GoApp, base_services


def test_each_key_is_read(go_app: GoApp) -> None:
    translation = {"public": "users.list", "internal": "list"}
    changes = {
        "application.yml": {"services": {"users": {"message-translation": [translation]}}},
        "users/service.yml": {
            "environment": {
                "default": {"MODE": "any", "LOG": "1"},
                "local": {"MODE": "local"},
                "remote": {"MODE": "remote"},
                "secrets": ["DB_KEY"],
            }
        },
    }
    app = go_app.load("go-f3", changes)
    assert (app.era, app.exocom_version, app.domain) == ("go-f3", "0.26.4", "demo.example.com")
    assert not app.peer_variables  # 0.32 gave a public service only its own external origin
    web, users = base_services(app)
    assert web.source.at("health_check_path").path == "remote.health-check"
    assert users.translations == (MessageTranslation(public="users.list", internal="list"),)
    assert dict(users.environment) == {"MODE": "remote", "LOG": "1"}
    assert dict(users.secrets) == {"DB_KEY": Secret(name="demo/secrets", json_key="DB_KEY")}
    assert [f"{p.path}: {p.severity}" for p in app.problems] == ["environment.local: notice"]


def test_required_keys_quote_production_as_0_32_did(go_app: GoApp) -> None:
    changes = {
        "application.yml": {"remote": {"region": DELETE}},
        "web/service.yml": {"remote": {"health-check": DELETE}},
    }
    assert go_app.errors("go-f3", changes) == [
        "app/application.yml:2: remote.region: required key missing, expected the AWS region"
        " (Exosphere 0.32: \"application.yml missing required field 'production.Region'\")",
        "app/web/service.yml:9: remote.health-check: required key missing, expected it for a"
        ' public service (Exosphere 0.32: "./web/service.yml missing required field'
        " 'remote.HealthCheck'\")",
    ]


def test_a_postgres_dependency(go_app: GoApp) -> None:
    rds = {
        "allocated-storage": 20,
        "instance-class": "db.t3.micro",
        "db-name": "users",
        "username": "u",
        "password-secret-name": "PW",
        "storage-type": "gp2",
    }
    deps = [
        {"name": "exocom", "version": "0.26.4"},
        {"name": "postgres", "version": "16.4", "config": {"rds": rds}},
    ]
    app = go_app.load("go-f3", {"application.yml": {"remote": {"dependencies": deps}}})
    (db,) = app.databases
    assert (db.engine, db.engine_version, db.db_name) == ("postgres", "16.4", "users")
    assert db.source.at("db_name").path == "remote.dependencies[1].config.rds.db-name"
