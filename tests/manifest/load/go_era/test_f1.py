"""The Go era's F1 (Exosphere 0.23-0.25): every key read, defaulted and checked."""

from __future__ import annotations

from exosphere_cdk.manifest.data.exocom import MessageTranslation
from exosphere_cdk.manifest.model.app import Secret
from tests.manifest.load.go_era.apps import DELETE, GoApp, base_services


def test_each_key_is_read(go_app: GoApp) -> None:
    translation = {"public": "users.list", "internal": "list"}
    changes = {
        "application.yml": {
            "services": {"worker": {"users": {"message-translation": [translation]}}},
        },
        "users/service.yml": {
            "environment": {
                "default": {"MODE": "any"},
                "production": {"MODE": "production"},
                "secrets": ["DB_KEY"],
            }
        },
    }
    app = go_app.load("go-f1", changes)
    assert (app.era, app.exocom_version, app.domain, app.aws.account) == (
        "go-f1",
        "0.25.0",
        "demo.example.com",
        "123456789012",
    )
    assert not app.peer_variables
    web, users = base_services(app)
    assert web.source.at("port").path == "production.public-port"
    assert users.translations == (MessageTranslation(public="users.list", internal="list"),)
    assert dict(users.environment) == {"MODE": "production"}
    assert dict(users.secrets) == {"DB_KEY": Secret(name="demo/secrets", json_key="DB_KEY")}
    assert app.source.at("version").path == "dependencies[0].version"


def test_memory_is_a_hard_limit_as_0_23_to_0_25_set_it(go_app: GoApp) -> None:
    # their ecs-task-definition/task-definition.tf wrote `"memory": ${var.memory}` (v0.25.0);
    # v0.26.3 made it `memoryReservation`
    web, users = base_services(go_app.load("go-f1"))
    assert (web.memory_is_reservation, users.memory_is_reservation) == (False, False)


def test_other_dependencies_were_exo_run_s(go_app: GoApp) -> None:
    deps = [{"name": "exocom", "version": "0.25.0"}, {"name": "mongo", "version": "3.4.0"}]
    app = go_app.load("go-f1", {"application.yml": {"dependencies": deps}})
    assert [str(p) for p in app.problems] == [
        "app/application.yml:5: dependencies[1]: notice: ignored: 'mongo' is started by exo run"
        " only, exo deploy deployed only exocom (F1 had no database templates)",
    ]
    assert app.databases == ()


def test_required_keys_use_the_yaml_names(go_app: GoApp) -> None:
    changes = {
        "application.yml": {"production": {"account-id": DELETE}},
        "users/service.yml": {"production": {"memory": DELETE}},
    }
    assert go_app.errors("go-f1", changes) == [
        "app/application.yml:5: production.account-id: required key missing, expected the AWS"
        ' account id (Exosphere 0.23-0.25: "application.yml missing required field'
        " 'production.account-id'\")",
        "app/users/service.yml:6: production.memory: required key missing, expected it for a"
        ' worker service (Exosphere 0.23-0.25: "./users/service.yml missing required field'
        " 'production.memory'\")",
    ]
