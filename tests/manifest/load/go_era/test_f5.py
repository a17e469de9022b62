"""The Go era's F5 (Exosphere 0.35-0.37 and master): every key read, defaulted and checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import Image, LoadedApp, Secret
from tests.conftest import MANIFESTS
from tests.manifest.load.go_era.apps import CERT, DELETE, GoApp, service

EXAMPLE = MANIFESTS / "go-f5"
EXAMPLE_CERT = "arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


@pytest.fixture(scope="module")
def example() -> LoadedApp:
    return load_app(EXAMPLE)


@pytest.fixture(scope="module")
def staging() -> LoadedApp:
    return load_app(EXAMPLE, "staging")


def test_the_example_is_read_as_f5_with_its_environments(example: LoadedApp) -> None:
    assert example.era == "go-f5"
    assert example.environments == ("production", "staging")
    assert example.slug == "go-notes"
    assert example.exocom_version == "0.27.0"
    assert example.peer_variables is True
    assert example.domain == "notes.example.com"
    assert (example.aws.region, example.aws.account, example.aws.certificate_arn) == (
        "us-west-2",
        "123456789012",
        EXAMPLE_CERT,
    )


def test_a_public_service_and_a_worker(example: LoadedApp) -> None:
    web, store = service(example, "web"), service(example, "store")
    assert (web.kind, web.port, web.health_check_path, web.url) == (
        "public",
        3000,
        "/health",
        "notes.example.com",
    )
    assert (store.kind, store.port, store.url) == ("worker", None, None)
    # its folder holds Dockerfile.prod, as a Go-era service folder did
    assert web.image == Image("asset", str((EXAMPLE / "web").absolute()), "Dockerfile.prod")
    assert (web.cpu, web.memory, web.memory_is_reservation) == (128, 256, True)
    assert store.messages.receives == ("notes.create", "notes.list")
    assert web.messages.sends == ("notes.create", "notes.list")


def test_variables_are_the_app_s_then_the_service_s_and_secrets_one_store(
    example: LoadedApp,
) -> None:
    store = service(example, "store")
    assert dict(store.environment) == {"LOG_LEVEL": "warn", "POOL_SIZE": "10"}
    assert dict(store.secrets) == {
        "SESSION_KEY": Secret(name="go-notes/secrets", json_key="SESSION_KEY")
    }


def test_the_store_s_own_database(example: LoadedApp) -> None:
    (db,) = example.databases
    assert (db.id, db.engine, db.engine_version, db.allocated_storage_gib) == (
        "notes-db",
        "postgres",
        "17.6",
        20,
    )
    assert (db.instance_class, db.db_name, db.username, db.storage_type) == (
        "db.t3.micro",
        "notes",
        "notes",
        "gp2",
    )
    assert db.password == Secret(name="go-notes/secrets", json_key="NOTES_DB_PASSWORD")
    assert dict(db.variables) == {"address": "NOTES_DB"}
    assert db.roles == ("store",)
    assert db.source.at("instance_class").path == (
        "remote.dependencies.notes-db.template-config.instance-class"
    )


def test_the_other_environment(staging: LoadedApp) -> None:
    assert (staging.env_name, staging.domain, staging.aws.region) == (
        "staging",
        "notes-staging.example.com",
        "us-east-1",
    )
    assert service(staging, "web").url == "notes-staging.example.com"
    assert dict(service(staging, "store").environment) == {"LOG_LEVEL": "debug", "POOL_SIZE": "2"}
    assert staging.databases[0].password.name == "go-notes-staging/secrets"


def test_the_example_s_notices(example: LoadedApp) -> None:
    assert [str(p) for p in example.problems] == [
        "manifests/go-f5/application.yml:6: local: notice: ignored: exo run's (on a developer's"
        " machine), not read by exo deploy",
        "manifests/go-f5/store/service.yml:12: development: notice: ignored: exo run's (on a"
        " developer's machine), not read by exo deploy",
        "manifests/go-f5/store/service.yml:25:"
        " remote.dependencies.notes-db.template-config.engine-version: notice: RDS's"
        " PostgreSQL 17 refuses connections without SSL (rds.force_ssl=1): its clients need"
        " sslmode=require or stricter; sslmode=verify-full fails through"
        " notes.go-notes.internal (the certificate names the instance: connect to the output"
        " notesdbEndpoint for that)",
        "manifests/go-f5/web/service.yml:12: development: notice: ignored: exo run's (on a"
        " developer's machine), not read by exo deploy",
    ]


def test_an_environment_the_app_does_not_have_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(UsageError) as raised:
        load_app(EXAMPLE, "qa")
    assert raised.value.exit_code == 2
    message = (
        "Invalid remote environment id: qa. Valid remote environment ids: production, staging"
        " (the ids of remote.environments in application.yml)"
    )
    assert str(raised.value) == message
    assert main(["validate", str(EXAMPLE), "--env", "qa"]) == 2
    assert capsys.readouterr().err.strip() == f"exo-cdk: error: {message}"


def test_validate_says_the_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "manifests read as: Go era F5 (Exosphere 0.35-0.37 and master)" in (
        capsys.readouterr().out.splitlines()
    )
    assert main(["validate", str(EXAMPLE), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["era"] == "go-f5"
    assert [s["role"] for s in document["services"]] == ["store", "web"]


def test_defaults(go_app: GoApp) -> None:
    app = go_app.load("go-f5")
    users = service(app, "users")
    assert (users.min_tasks, users.max_tasks, users.health_check_path) == (1, 1, "/")
    assert (users.translations, dict(users.environment), dict(users.secrets)) == ((), {}, {})
    assert (app.databases, app.environments) == ((), ("production",))


def test_translations_from_the_app_s_dependency_data(go_app: GoApp) -> None:
    translation = {"public": "users.list", "internal": "list"}
    app = go_app.load(
        "go-f5",
        {
            "application.yml": {
                "services": {
                    "users": {"dependency-data": {"exocom": {"translations": [translation]}}}
                }
            },
        },
    )
    assert service(app, "users").translations == (
        MessageTranslation(public="users.list", internal="list"),
    )


def test_exocom_host_is_ours(go_app: GoApp) -> None:
    variables = {"EXOCOM_HOST": "exocom.production-demo.local", "LOG": "1"}
    app = go_app.load(
        "go-f5",
        {
            "application.yml": {
                "remote": {"environments": {"production": {"environment-variables": variables}}}
            }
        },
    )
    assert dict(service(app, "web").environment) == {"LOG": "1"}
    assert [str(p) for p in app.problems] == [
        "app/application.yml:15: remote.environments.production.environment-variables.EXOCOM_HOST:"
        " notice: ignored: EXOCOM_HOST is set by exosphere-cdk to ExoCom's address in the app's"
        " private zone (the Go era's `.local` names are not made here)"
    ]


def test_the_environment_s_required_keys(go_app: GoApp) -> None:
    target: dict[str, Any] = {
        "region": DELETE,
        "account-id": DELETE,
        "ssl-certificate-arn": DELETE,
        "url": DELETE,
        "secrets": ["K"],
    }
    changes = {"application.yml": {"remote": {"environments": {"production": target}}}}
    errors = go_app.errors("go-f5", changes)
    at = "app/application.yml:9: remote.environments.production"
    assert errors == [
        f"{at}.url: required key missing, expected the environment's domain (Exosphere"
        " 0.35-0.37: \"application.yml missing required field 'remote.environments.production"
        ".URL'\")",
        f"{at}.region: required key missing, expected the AWS region (Exosphere 0.35-0.37:"
        " \"application.yml missing required field 'remote.environments.production.Region'\")",
        f"{at}.account-id: required key missing, expected the AWS account id (Exosphere"
        " 0.35-0.37: \"application.yml missing required field 'remote.environments.production"
        ".AccountID'\")",
        f"{at}.ssl-certificate-arn: required key missing, expected the load balancer's ACM"
        ' certificate ARN (Exosphere 0.35-0.37: "application.yml missing required field'
        " 'remote.environments.production.SslCertificateArn'\")",
    ]


def test_a_public_service_s_required_keys(go_app: GoApp) -> None:
    errors = go_app.errors(
        "go-f5",
        {
            "web/service.yml": {
                "production": DELETE,
                "remote": {"cpu": DELETE, "environments": DELETE},
            }
        },
    )
    assert errors == [
        "app/web/service.yml: production.port: required key missing, expected it for a public"
        ' service (Exosphere 0.35-0.37: "./web/service.yml missing required field'
        " 'production.Port'\")",
        "app/web/service.yml: production.health-check: required key missing, expected it for a"
        ' public service (Exosphere 0.35-0.37: "./web/service.yml missing required field'
        " 'production.HealthCheck'\")",
        "app/web/service.yml:8: remote.cpu: required key missing, expected it for a public"
        ' service (Exosphere 0.35-0.37: "./web/service.yml missing required field'
        " 'remote.CPU'\")",
        "app/web/service.yml:8: remote.environments.production.url: required key missing,"
        ' expected it for a public service (Exosphere 0.35-0.37: "./web/service.yml missing'
        " required field 'remote.environments.production.url'\")",
    ]


def test_a_worker_needs_cpu_and_memory_only(go_app: GoApp) -> None:
    errors = go_app.errors("go-f5", {"users/service.yml": {"remote": {"memory": DELETE}}})
    assert errors == [
        "app/users/service.yml:8: remote.memory: required key missing, expected it for a worker"
        ' service (Exosphere 0.35-0.37: "./users/service.yml missing required field'
        " 'remote.Memory'\")",
    ]


def test_type_is_public_worker_or_private(go_app: GoApp) -> None:
    assert go_app.errors("go-f5", {"users/service.yml": {"type": "backend"}}) == [
        "app/users/service.yml:1: type: invalid type 'backend', expected one of: public, worker,"
        " private (Exosphere 0.35-0.37: \"Invalid value 'backend' in service.yml field 'type'."
        ' Must be one of: public, worker, private")',
    ]
    app = go_app.load("go-f5", {"users/service.yml": {"type": "private"}})
    assert service(app, "users").kind == "private"


def test_a_missing_type(go_app: GoApp) -> None:
    assert go_app.errors("go-f5", {"users/service.yml": {"type": DELETE}}) == [
        "app/users/service.yml: type: required key missing, expected the kind of service:"
        " public or worker or private (Exosphere 0.35-0.37: \"Invalid value '' in service.yml"
        " field 'type'. Must be one of: public, worker, private\")",
    ]


def test_rds_template_config_is_required(go_app: GoApp) -> None:
    rds = {"type": "rds", "template-config": {"engine": "oracle", "db-name": "x"}}
    changes = {"application.yml": {"remote": {"dependencies": {"db": rds}}}}
    errors = go_app.errors("go-f5", changes)
    missing = [
        "engine-version",
        "allocated-storage",
        "instance-class",
        "username",
        "storage-type",
        "password-secret-name",
    ]
    assert errors == [
        f"app/application.yml:10: remote.dependencies.db.template-config.{field}: required key"
        f" missing, expected rds's {field} (Exosphere 0.35-0.37: \"remote dependency of type"
        f" 'rds' missing required field 'template-config.{field}'\")"
        for field in missing
    ]


def test_rds_values(go_app: GoApp) -> None:
    config = {
        "engine": "oracle",
        "engine-version": "19",
        "allocated-storage": "lots",
        "instance-class": "db.t3.micro",
        "db-name": "my_db",
        "username": "u",
        "storage-type": "gp2",
        "password-secret-name": "P",
    }
    changes = {
        "application.yml": {
            "remote": {"dependencies": {"db": {"type": "rds", "template-config": config}}}
        }
    }
    assert go_app.errors("go-f5", changes) == [
        "app/application.yml:11: remote.dependencies.db.template-config.engine: invalid engine"
        " 'oracle', expected one of: postgres, mysql",
        "app/application.yml:13: remote.dependencies.db.template-config.allocated-storage:"
        " invalid value 'lots', expected the storage in GiB (a whole number)",
        "app/application.yml:15: remote.dependencies.db.template-config.db-name: invalid db-name"
        " 'my_db', expected letters, digits and '-' (Exosphere: \"only alphanumeric characters"
        ' and hyphens allowed in rds.db-name")',
    ]


def test_an_unknown_dependency_type_names_the_known_ones(go_app: GoApp) -> None:
    changes = {"application.yml": {"remote": {"dependencies": {"cache": {"type": "redis"}}}}}
    assert go_app.errors("go-f5", changes) == [
        "app/application.yml:9: remote.dependencies.cache.type: invalid remote dependency type"
        " 'redis', expected one of the Go era's: exocom, rds",
    ]


def test_exocom_is_required_with_a_released_version(go_app: GoApp) -> None:
    assert go_app.errors("go-f5", {"application.yml": {"remote": {"dependencies": DELETE}}}) == [
        "app/application.yml:2: remote.dependencies: no exocom dependency, expected 'exocom:"
        " {type: exocom, template-config: {version: X}}' here",
    ]
    version = {"remote": {"dependencies": {"exocom": {"template-config": {"version": "9.9"}}}}}
    (error,) = go_app.errors("go-f5", {"application.yml": version})
    assert error.startswith(
        "app/application.yml:7: remote.dependencies.exocom.template-config.version: unsupported"
        " ExoCom version '9.9', expected a released ExoCom"
    )


def test_the_app_name_follows_the_go_validator(go_app: GoApp) -> None:
    (error,) = go_app.errors("go-f5", {"application.yml": {"name": "My_App"}})
    assert error == (
        "app/application.yml:1: name: invalid app name 'My_App', expected lowercase letters and"
        " digits, words joined by single '-' (Exosphere: \"Only lowercase alphanumeric"
        ' character(s) separated by a single hyphen are allowed")'
    )


def test_unknown_keys_stay_errors_with_a_hint(go_app: GoApp) -> None:
    assert go_app.errors("go-f5", {"users/service.yml": {"remote": {"cpus": 1}}}) == [
        "app/users/service.yml:11: remote.cpus: unknown key 'cpus', did you mean 'cpu'?",
    ]


def test_a_service_without_a_dockerfile_or_image(go_app: GoApp, tmp_path: Path) -> None:
    go_app.load("go-f5")
    (tmp_path / "app" / "users" / "Dockerfile.prod").unlink()
    with pytest.raises(Exception) as raised:
        load_app(Path("app"))
    assert [str(p) for p in raised.value.errors] == [  # type: ignore[attr-defined]
        "app/application.yml:18: services.users.location: no Dockerfile.prod or Dockerfile in"
        " './users' and no docker-image, expected one of them there (the Go era's exo deploy"
        " built Dockerfile.prod; we build it, else Dockerfile) or the image to run in"
        " docker-image",
    ]


def test_dockerfile_prod_is_built_before_a_dockerfile(go_app: GoApp, tmp_path: Path) -> None:
    # GIVEN a folder with Dockerfile.prod (as every Go-era service had) THEN it is built
    users = service(go_app.load("go-f5"), "users")
    folder = str((tmp_path / "app" / "users").resolve())
    assert users.image == Image("asset", folder, "Dockerfile.prod")
    # WHEN a Dockerfile sits beside it THEN Dockerfile.prod still wins, as exo deploy built it
    (tmp_path / "app" / "users" / "Dockerfile").write_text("FROM scratch\n")
    assert service(load_app(Path("app")), "users").image.dockerfile == "Dockerfile.prod"
    # WHEN only the Dockerfile is left THEN it is built
    (tmp_path / "app" / "users" / "Dockerfile.prod").unlink()
    assert service(load_app(Path("app")), "users").image == Image("asset", folder)


def test_the_build_context_brings_back_dockerfile_prod(go_app: GoApp, tmp_path: Path) -> None:
    # GIVEN a .dockerignore leaving out every Dockerfile*, and a Dockerfile.prod that links
    # out of the app folder
    go_app.load("go-f5")
    users = tmp_path / "app" / "users"
    (users / ".dockerignore").write_text("Dockerfile*\n")
    (tmp_path / "outside").write_text("FROM scratch\n")
    (users / "Dockerfile.prod").unlink()
    (users / "Dockerfile.prod").symlink_to(tmp_path / "outside")
    # THEN the walk sees it: CDK's copy brings back the file it builds, whatever its name
    with pytest.raises(Exception) as raised:
        load_app(Path("app"))
    assert [str(p) for p in raised.value.errors] == [  # type: ignore[attr-defined]
        "app/users/Dockerfile.prod: a symbolic link to outside, outside the application"
        " folder, expected a file inside it (nothing outside the app folder is read or"
        " packaged)",
    ]


def test_location_wins_then_docker_image(go_app: GoApp, tmp_path: Path) -> None:
    # GIVEN a service with both a location holding a Dockerfile and a docker-image
    image = {"application.yml": {"services": {"users": {"docker-image": "acme/users:1.0"}}}}
    app = go_app.load("go-f5", image)
    # THEN the folder is built, as the Go era did (its location won)
    assert service(app, "users").image.kind == "asset"
    # WHEN the folder has no Dockerfile.prod (nor Dockerfile) THEN the image is pulled
    (tmp_path / "app" / "users" / "Dockerfile.prod").unlink()
    users = service(load_app(Path("app")), "users")
    assert users.image == Image("registry", "acme/users:1.0")
    assert users.source.at("image").path == "services.users.docker-image"
    assert app.aws.certificate_arn == CERT


def test_a_service_key_follows_the_go_validator(go_app: GoApp) -> None:
    services = {"users": DELETE, "users_v2": {"location": "./users"}}
    errors = go_app.errors("go-f5", {"application.yml": {"services": services}})
    assert errors[0] == (
        "app/application.yml:17: services.users_v2: invalid service key 'users_v2', expected"
        " letters and digits, words joined by single '-' (Exosphere: \"Only alphanumeric"
        ' character(s) separated by a single hyphen are allowed")'
    )
