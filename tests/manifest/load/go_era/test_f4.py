"""The Go era's F4 (Exosphere 0.33-0.34): every key read, defaulted and checked."""

from __future__ import annotations

from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.model.app import Secret
from tests.manifest.load.go_era.apps import CERT, DELETE, GoApp, base_services


def test_each_key_is_read(go_app: GoApp) -> None:
    translation = {"public": "users.list", "internal": "list"}
    changes = {
        "application.yml": {
            "remote": {"environment": {"LOG": "app", "MODE": "a"}, "secrets": ["API_KEY"]},
            "services": {"users": {"dependency-data": {"exocom": {"translations": [translation]}}}},
        },
        "users/service.yml": {
            "remote": {"environment": {"MODE": "users"}, "secrets": ["DB_KEY"]},
        },
    }
    app = go_app.load("go-f4", changes)
    assert (app.era, app.environments, app.exocom_version, app.peer_variables) == (
        "go-f4",
        ("production",),
        "0.27.0",
        True,  # 0.33's deploy gave each service its public peers' origins
    )
    assert (app.domain, app.aws.region, app.aws.account, app.aws.certificate_arn) == (
        "demo.example.com",
        "us-west-2",
        "123456789012",
        CERT,
    )
    _, users = base_services(app)
    assert users.translations == (MessageTranslation(public="users.list", internal="list"),)
    # the app's variables, then the service's
    assert dict(users.environment) == {"LOG": "app", "MODE": "users"}
    assert dict(users.secrets) == {
        key: Secret(name="demo/secrets", json_key=key) for key in ("DB_KEY", "API_KEY")
    }
    assert users.source.at("environment").path == "remote.environment"
    assert app.source.at("aws.account").path == "remote.account-id"


def test_required_keys_quote_remote(go_app: GoApp) -> None:
    changes = {
        "application.yml": {"remote": {"url": DELETE}},
        "web/service.yml": {"remote": {"url": DELETE}},
    }
    assert go_app.errors("go-f4", changes) == [
        "app/application.yml:2: remote.url: required key missing, expected the environment's"
        " domain (Exosphere 0.33-0.34: \"application.yml missing required field 'remote.URL'\")",
        "app/web/service.yml:11: remote.url: required key missing, expected it for a public"
        ' service (Exosphere 0.33-0.34: "./web/service.yml missing required field'
        " 'remote.URL'\")",
    ]


def test_an_rds_dependency(go_app: GoApp) -> None:
    config = {
        "engine": "mysql",
        "engine-version": "8.0",
        "allocated-storage": 20,
        "instance-class": "db.t3.micro",
        "db-name": "users",
        "username": "admin",
        "storage-type": "gp2",
        "password-secret-name": "USERS_DB_PASSWORD",
    }
    rds = {"type": "rds", "template-config": config}
    app = go_app.load("go-f4", {"application.yml": {"remote": {"dependencies": {"users-db": rds}}}})
    (db,) = app.databases
    assert (db.id, db.engine, db.allocated_storage_gib, db.roles) == ("users-db", "mysql", 20, None)
    assert dict(db.variables) == {"address": "USERS_DB"}
    assert db.password == Secret(name="demo/secrets", json_key="USERS_DB_PASSWORD")


def test_f4_s_type_is_public_or_worker(go_app: GoApp) -> None:
    (error,) = go_app.errors("go-f4", {"users/service.yml": {"type": "private"}})
    assert error.endswith('Must be one of: public, worker")')
