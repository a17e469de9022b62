"""The Go era's F2 (Exosphere 0.26-0.31): every key read, defaulted and checked."""

from __future__ import annotations

from typing import Any

import pytest

from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import LoadedApp, Secret
from tests.conftest import MANIFESTS
from tests.manifest.load.go_era.apps import DELETE, GoApp, service

EXAMPLE = MANIFESTS / "go-f2"


@pytest.fixture(scope="module")
def example() -> LoadedApp:
    return load_app(EXAMPLE)


def _rds(**changes: Any) -> dict[str, Any]:
    rds = {
        "allocated-storage": 20,
        "instance-class": "db.t3.micro",
        "db-name": "todo",
        "username": "todo",
        "password-secret-name": "DB_PASSWORD",
        "storage-type": "gp2",
    }
    rds.update(changes)
    return {key: value for key, value in rds.items() if value is not DELETE}


def _with_database(entry: dict[str, Any]) -> dict[str, Any]:
    exocom = {"name": "exocom", "version": "0.26.3"}
    return {"application.yml": {"production": {"dependencies": [exocom, entry]}}}


def test_the_example_is_read_as_f2(example: LoadedApp) -> None:
    assert (example.era, example.environments, example.slug) == (
        "go-f2",
        ("production",),
        "go-todo",
    )
    assert (example.exocom_version, example.domain, example.peer_variables) == (
        "0.26.3",
        "todo.example.com",
        False,
    )
    assert (example.aws.region, example.aws.account) == ("us-west-2", "123456789012")
    assert example.aws.certificate_arn == (
        "arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    )


def test_the_example_s_services(example: LoadedApp) -> None:
    web, store = service(example, "web"), service(example, "store")
    assert (web.kind, web.port, web.health_check_path, web.url) == (
        "public",
        3000,
        "/health",
        "todo.example.com",
    )
    assert (store.kind, store.port, store.cpu, store.memory) == ("worker", None, 128, 256)
    assert web.memory_is_reservation
    # environment.default, then environment.production over it
    assert dict(web.environment) == {"LOG_LEVEL": "warn"}
    assert dict(web.secrets) == {
        "SESSION_KEY": Secret(name="go-todo/secrets", json_key="SESSION_KEY")
    }
    assert web.source.at("environment").path == "environment.production"
    assert web.source.at("cpu").path == "production.cpu"
    assert store.source.fallback.path == "services.worker.store"


def test_the_example_s_postgres(example: LoadedApp) -> None:
    (db,) = example.databases
    assert (db.id, db.engine, db.engine_version, db.allocated_storage_gib, db.roles) == (
        "postgres",
        "postgres",
        "17.6",
        20,
        None,
    )
    assert db.password == Secret(name="go-todo/secrets", json_key="TODO_DB_PASSWORD")
    assert dict(db.variables) == {
        "address": "POSTGRES",
        "db_name": "DB_NAME",
        "username": "DB_USER",
        "password": "DB_PASSWORD",
    }
    assert db.source.at("engine_version").path == "production.dependencies[1].version"


def test_the_example_s_notices(example: LoadedApp) -> None:
    assert [p.path for p in example.problems] == [
        "development",
        "production.dependencies[1].version",  # PostgreSQL 17 forces SSL
        "development",
        "development",
    ]
    assert {p.severity for p in example.problems} == {"notice"}


def test_production_is_the_one_environment(go_app: GoApp) -> None:
    with pytest.raises(UsageError) as raised:
        go_app.load("go-f2", env="staging")
    assert str(raised.value) == (
        "the Go era F2 (Exosphere 0.26-0.31) deploys one environment, production (its"
        " manifests have no other): expected -c env=production, not 'staging'"
    )


def test_the_app_s_required_keys_quote_the_go_field_names(go_app: GoApp) -> None:
    changes = {"application.yml": {"production": {"region": DELETE, "ssl-certificate-arn": DELETE}}}
    assert go_app.errors("go-f2", changes) == [
        "app/application.yml:2: production.region: required key missing, expected the AWS"
        ' region (Exosphere 0.26-0.31: "application.yml missing required field'
        " 'production.Region'\")",
        "app/application.yml:2: production.ssl-certificate-arn: required key missing, expected"
        " the load balancer's ACM certificate ARN (Exosphere 0.26-0.31: \"application.yml"
        " missing required field 'production.SslCertificateArn'\")",
    ]


def test_a_public_service_s_required_keys(go_app: GoApp) -> None:
    changes = {"web/service.yml": {"production": {"health-check": DELETE, "url": DELETE}}}
    assert go_app.errors("go-f2", changes) == [
        "app/web/service.yml:6: production.url: required key missing, expected it for a public"
        ' service (Exosphere 0.26-0.31: "./web/service.yml missing required field'
        " 'production.URL'\")",
        "app/web/service.yml:6: production.health-check: required key missing, expected it for"
        ' a public service (Exosphere 0.26-0.31: "./web/service.yml missing required field'
        " 'production.HealthCheck'\")",
    ]


def test_public_port_is_0_26_s_port(go_app: GoApp) -> None:
    changes = {"web/service.yml": {"production": {"port": DELETE, "public-port": 3100}}}
    web = service(go_app.load("go-f2", changes), "web")
    assert web.port == 3100
    assert web.source.at("port").path == "production.public-port"


def test_a_private_service_needs_a_port_and_a_health_check(go_app: GoApp) -> None:
    services = {"worker": DELETE, "private": {"users": {"location": "./users"}}}
    errors = go_app.errors("go-f2", {"application.yml": {"services": services}})
    assert [e.split(": required key missing")[0] for e in errors] == [
        "app/users/service.yml:6: production.port",
        "app/users/service.yml:6: production.health-check",
    ]


def test_a_worker_needs_cpu_and_memory(go_app: GoApp) -> None:
    assert go_app.errors("go-f2", {"users/service.yml": {"production": {"cpu": DELETE}}}) == [
        "app/users/service.yml:6: production.cpu: required key missing, expected it for a worker"
        ' service (Exosphere 0.26-0.31: "./users/service.yml missing required field'
        " 'production.CPU'\")",
    ]


def test_0_31_s_services_by_role_take_service_yml_s_type(go_app: GoApp) -> None:
    services = {
        "public": DELETE,
        "worker": DELETE,
        "web": {"location": "./web"},
        "users": {"location": "./users"},
    }
    changes: dict[str, Any] = {
        "application.yml": {"services": services},
        "web/service.yml": {"type": "public"},
        "users/service.yml": {"type": "worker"},
    }
    app = go_app.load("go-f2", changes)
    assert [(s.role, s.kind) for s in app.services] == [("users", "worker"), ("web", "public")]
    assert service(app, "web").source.fallback.path == "services.web"
    changes["users/service.yml"] = {"type": "private"}
    assert go_app.errors("go-f2", changes) == [
        "app/users/service.yml:9: type: invalid type 'private', expected one of: public, worker"
        " (Exosphere 0.26-0.31: \"Invalid value 'private' in service.yml field 'type'. Must be"
        ' one of: public, worker")',
    ]


def test_an_unknown_production_dependency_names_the_known_ones(go_app: GoApp) -> None:
    assert go_app.errors("go-f2", _with_database({"name": "mongo", "version": "3.4"})) == [
        "app/application.yml:10: production.dependencies[1].name: unknown production dependency"
        " 'mongo', expected one of: exocom, postgres, mysql",
    ]


def test_a_mysql_database_and_0_26_s_password_env_var(go_app: GoApp) -> None:
    rds = _rds(**{"password-secret-name": DELETE, "password-env-var": "MYSQL_PW"})
    app = go_app.load(
        "go-f2", _with_database({"name": "mysql", "version": "8.0", "config": {"rds": rds}})
    )
    (db,) = app.databases
    assert (db.engine, db.engine_version, db.password.json_key) == ("mysql", "8.0", "MYSQL_PW")
    assert dict(db.variables) == {"address": "MYSQL"}


def test_rds_s_required_keys(go_app: GoApp) -> None:
    rds = _rds(**{"instance-class": DELETE, "password-secret-name": DELETE})
    errors = go_app.errors("go-f2", _with_database({"name": "postgres", "config": {"rds": rds}}))
    assert errors == [
        "app/application.yml:10: production.dependencies[1].version: required key missing,"
        " expected postgres's engine version (Exosphere 0.26-0.31: \"the RDS module's"
        " engine_version is the dependency's version\")",
        "app/application.yml:12: production.dependencies[1].config.rds.instance-class: required"
        " key missing, expected the database's instance-class (Exosphere 0.26-0.31: \"missing"
        " required field 'rds.instance-class'\")",
        "app/application.yml:12: production.dependencies[1].config.rds.password-secret-name:"
        " required key missing, expected the database's password-secret-name (Exosphere"
        " 0.26-0.31: \"missing required field 'rds.password-secret-name'\")",
    ]


def test_a_service_s_own_database(go_app: GoApp) -> None:
    entry = {"name": "postgres", "version": "16.4", "config": {"rds": _rds()}}
    app = go_app.load("go-f2", {"users/service.yml": {"production": {"dependencies": [entry]}}})
    (db,) = app.databases
    assert db.roles == ("users",)
    assert db.source.at("db_name").path == "production.dependencies[0].config.rds.db-name"


def test_a_name_the_go_validator_refused_from_0_28_is_a_warning(go_app: GoApp) -> None:
    app = go_app.load("go-f2", {"application.yml": {"name": "SpaceTweet"}})
    assert app.slug == "space-tweet"
    assert [str(p) for p in app.problems] == [
        "app/application.yml:1: name: warning: 'SpaceTweet' would be refused from Exosphere 0.28"
        " on, expected lowercase letters and digits, words joined by single '-' (Exosphere:"
        ' "Only lowercase alphanumeric character(s) separated by a single hyphen are allowed")',
    ]


def test_f2_s_leftovers_are_notices(go_app: GoApp) -> None:
    changes = {
        "web/service.yml": {"tests": "cucumber-js", "user-data": {"mongo": {}}, "startup": {}},
        "application.yml": {"services": {"public": {"web": {"docker_image": "acme/web"}}}},
    }
    app = go_app.load("go-f2", changes)
    assert [f"{p.path}: {p.severity}" for p in app.problems] == [
        "services.public.web.docker_image: notice",
        "tests: notice",
        "user-data: notice",
        "startup: notice",
    ]
    assert service(app, "web").image.kind == "asset"  # the folder's Dockerfile: leftover ignored
