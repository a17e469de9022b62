"""The design of a Go-era app: its databases, the peers' variables, ExoCom's translations per
release, soft memory; and the rules that read them."""

from __future__ import annotations

import json

import attrs
import pytest

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.data.exocom import MessageTranslation, Route
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import (
    DatabaseDesign,
    design,
    go_era_hosts_replaced,
    peer_variables,
    service_environment,
    service_secrets,
)
from exosphere_cdk.manifest.design.capacity import SOFT_MEMORY_NOTE, notes
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService, Secret
from exosphere_cdk.manifest.rules import check_app
from exosphere_cdk.manifest.rules.databases import check as check_databases
from tests.apps import go_database, go_era_app

TRANSLATION = MessageTranslation(public="greeting.request", internal="ask.greeting")


@pytest.fixture(scope="module")
def app() -> LoadedApp:
    return go_era_app()


def _service(app: LoadedApp, role: str) -> LoadedService:
    return next(s for s in app.services if s.role == role)


# ---------------------------------------------------------------- databases


def test_a_database_is_designed_from_the_model(app: LoadedApp) -> None:
    plan = design(app)
    assert plan.data is not None
    assert (plan.data.name, plan.data.description) == ("hello-data", "hello: RDS databases")
    assert plan.data.databases[0] == DatabaseDesign(
        id="main-db",
        engine="postgres",
        engine_version="17.6",
        instance_class="db.t3.micro",
        allocated_storage_gib=20,
        storage_type="gp3",
        db_name="maindb",
        username="hello",
        password=Secret(name="hello/db", json_key="password"),
        port=5432,
        service_name="maindb",
        host="maindb.hello.internal",
        log_exports=("postgresql", "upgrade"),
        logs_written=("postgresql", "upgrade"),
        backup_retention_days=7,
        multi_az=False,
    )
    assert plan.data.databases[1].port == 3306
    # every MySQL log is exported (Control Tower's CT.RDS.PR.14), only its error log written
    assert plan.data.databases[1].log_exports == ("audit", "error", "general", "slowquery")
    assert plan.data.databases[1].logs_written == ("error",)


def test_an_app_without_databases_has_no_data_stack(app: LoadedApp) -> None:
    bare = attrs.evolve(app, databases=())
    assert design(bare).data is None
    assert "hello-data" not in derive.stack_names(bare)
    # a Go-era app gives its certificate: no dns stack (it would hold no resource)
    assert derive.shared_stack_names(app) == [
        "hello-network",
        "hello-zone",
        "hello-platform",
        "hello-exocom",
        "hello-data",
        "hello-monitoring",
    ]


def test_services_get_the_variables_their_databases_name(app: LoadedApp) -> None:
    web, greeter = (service_environment(app, _service(app, r)) for r in ("web", "greeter"))
    assert {k: web[k] for k in ("MAIN_DB_HOST", "MAIN_DB_PORT", "DB_NAME", "DB_USER")} == {
        "MAIN_DB_HOST": "maindb.hello.internal",
        "MAIN_DB_PORT": "5432",
        "DB_NAME": "maindb",
        "DB_USER": "hello",
    }
    assert web["USERS_HOST"] == "users.hello.internal"
    assert "USERS_HOST" not in greeter
    assert service_secrets(app, _service(app, "web")) == {
        "DB_PASSWORD": Secret(name="hello/db", json_key="password"),
        "USERS_PASSWORD": Secret(name="hello/users"),
    }
    by_role = {s.role: s.databases for s in design(app).services}
    assert by_role == {"web": ("main-db", "users"), "greeter": ("main-db",), "mailer": ("main-db",)}


def test_a_purpose_not_named_is_not_passed(app: LoadedApp) -> None:
    only_host = attrs.evolve(app, databases=(go_database(variables={"address": "PG"}),))
    web = _service(only_host, "web")
    environment = service_environment(only_host, web)
    assert environment["PG"] == "maindb.hello.internal"
    assert "DB_NAME" not in environment
    assert service_secrets(only_host, web) == {}


# ---------------------------------------------------------------- peers


def test_peers_get_the_public_services_origins(app: LoadedApp) -> None:
    assert peer_variables(app, _service(app, "greeter")) == {
        "WEB_EXTERNAL_ORIGIN": "https://hello.example.com",
        "WEB_INTERNAL_ORIGIN": "https://hello.example.com",
    }
    # a service gets no variable of its own; private services and workers give none
    assert peer_variables(app, _service(app, "web")) == {}


def test_a_role_becomes_a_constant_as_the_go_code_did_it() -> None:
    assert derive.peer_prefix("api-v2") == "API_V2"
    assert derive.peer_prefix("web") == "WEB"


def test_no_peer_variables_unless_asked_or_without_a_domain(app: LoadedApp) -> None:
    greeter = _service(app, "greeter")
    assert peer_variables(attrs.evolve(app, peer_variables=False), greeter) == {}
    assert peer_variables(attrs.evolve(app, domain=None), greeter) == {}


def test_0_32_gives_a_public_service_its_own_origin_only(app: LoadedApp) -> None:
    own = attrs.evolve(app, peer_variables=False, own_origin=True)
    assert peer_variables(own, _service(app, "web")) == {
        "WEB_EXTERNAL_ORIGIN": "https://hello.example.com"
    }
    assert peer_variables(own, _service(app, "greeter")) == {}
    assert peer_variables(attrs.evolve(own, domain=None), _service(app, "web")) == {}


def test_a_users_exocom_host_is_replaced_with_a_warning(app: LoadedApp) -> None:
    lines = [str(p) for p in check_app(app) if p.severity != "notice"]
    assert lines == [
        "manifests/hello/greeter/service.yml: production.environment.EXOCOM_HOST: warning:"
        " for greeter: 'EXOCOM_HOST' is set by the deployment:"
        " 'exocom.production-hello.local' is replaced by 'exocom.hello.internal'",
        "manifests/hello/greeter/service.yml: production.environment.MAIN_DB_URL: warning:"
        " for greeter: 'MAIN_DB_URL' names a host of the Go era's internal zone:"
        " 'postgres://hello@maindb.production-hello.local:5432/maindb' is replaced by"
        " 'postgres://hello@maindb.hello.internal:5432/maindb'",
    ]
    assert service_environment(app, _service(app, "greeter"))["EXOCOM_HOST"] == (
        "exocom.hello.internal"
    )


def test_the_exo_deploy_era_still_refuses_exocom_host(app: LoadedApp) -> None:
    lines = [str(p) for p in check_app(attrs.evolve(app, era="exo-deploy"))]
    assert lines == [
        "manifests/hello/greeter/service.yml: production.environment.EXOCOM_HOST: for greeter:"
        " 'EXOCOM_HOST' is set by the deployment, expected another name (reserved:"
        " EXOCOM_HOST, EXOCOM_PORT, ROLE, MONGO, MONGODB_USER, MONGODB_PW)"
    ]


# ---------------------------------------------------------------- ExoCom


def _routes(version: str) -> object:
    app = go_era_app(version)
    environment = design(app).exocom.environment
    return json.loads(environment[app.exocom.routes_variable])


def test_exocom_0_26_reads_message_translations_in_its_list() -> None:
    routes = {r["role"]: r for r in _routes("0.26.4")}  # type: ignore[attr-defined]
    assert routes["greeter"]["messageTranslations"] == [
        {"public": "greeting.request", "internal": "ask.greeting"}
    ]
    assert "messageTranslations" not in routes["web"]


def test_exocom_0_27_reads_translations_in_its_map() -> None:
    routes = _routes("0.27.0")
    assert routes["greeter"] == {  # type: ignore[index]
        "receives": ["ask.greeting"],
        "sends": ["greeting.reply"],
        "translations": [{"public": "greeting.request", "internal": "ask.greeting"}],
    }
    assert routes["web"]["translations"] == []  # type: ignore[index]


def test_the_bus_names_follow_the_translations(app: LoadedApp) -> None:
    on_bus = derive.bus_messages(app)
    assert on_bus.receivers["greeting.request"] == ("greeter",)
    assert "ask.greeting" not in on_bus.receivers
    route = Route(role="r", receives=("a",), sends=("b",), written=(TRANSLATION,))
    family = exocom.family("0.24.0")
    assert family is not None
    assert exocom.bus_name(family, route, "ask.greeting", "sends") == "greeting.request"
    assert exocom.bus_name(family, route, "other", "sends") == "other"


def test_written_translations_come_before_the_namespaces() -> None:
    route = Route(
        role="products",
        receives=("mongo.find", "mongo.list"),
        sends=(),
        namespace="mongo",
        written=(MessageTranslation(public="products.search", internal="mongo.find"),),
    )
    assert route.translations() == (
        MessageTranslation(public="products.search", internal="mongo.find"),
        MessageTranslation(public="products.list", internal="mongo.list"),
    )


def test_exocom_before_0_24_refuses_written_translations() -> None:
    app = go_era_app("0.23.0")
    errors = [str(p) for p in check_app(app) if p.severity == "error"]
    assert errors == [
        # (at the namespace, the exo-deploy era's way of writing a translation)
        "manifests/hello/application.yml: services.private.greeter.namespace: ExoCom 0.23.0"
        " reads no message translations (it translates by namespace only), expected none, or"
        " ExoCom 0.24.0 or later"
    ]
    # and its routes carry none
    assert "translations" not in json.dumps(_routes("0.23.0"))


# ---------------------------------------------------------------- memory


def test_a_reservation_is_what_capacity_counts_and_notes(app: LoadedApp) -> None:
    assert [s.memory_is_reservation for s in design(app).services] == [True, False, False]
    assert SOFT_MEMORY_NOTE in notes(app)
    assert SOFT_MEMORY_NOTE not in notes(attrs.evolve(app, services=app.services[1:]))


# ---------------------------------------------------------------- database rules


def _lines(app: LoadedApp) -> list[str]:
    """The errors and warnings (main-db's PostgreSQL 17 has a notice: forced SSL)."""
    return [str(p) for p in check_databases(app) if p.severity != "notice"]


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"db_name": "my-db"},
            "invalid database name 'my-db' for postgres, expected a letter, then letters,"
            " digits or underscores, at most 63 characters",
        ),
        # CreateDBInstance's MasterUsername, checked 2026-12-03: "Must be 1 to 16 letters,
        # numbers, or underscores. First character must be a letter." (every engine)
        (
            {"engine": "mysql", "engine_version": "8.4.6", "username": "u" * 17},
            f"invalid master user name '{'u' * 17}' for mysql, expected a letter, then"
            " letters, digits or underscores, at most 16 characters",
        ),
        (
            {"username": "u" * 17},
            f"invalid master user name '{'u' * 17}' for postgres, expected a letter, then"
            " letters, digits or underscores, at most 16 characters",
        ),
        (
            {"username": "rdsadmin"},
            "invalid master user name 'rdsadmin' for postgres: RDS reserves it, expected"
            " another name",
        ),
        (
            {"engine": "mysql", "engine_version": "8.0.40", "username": "RdsReplAdmin"},
            "invalid master user name 'RdsReplAdmin' for mysql: RDS reserves it, expected"
            " another name",
        ),
        (
            {"username": "pg_admin"},
            "invalid master user name 'pg_admin' for postgres: RDS reserves it, expected"
            " another name",
        ),
        (
            {"engine_version": "9.6.3"},
            "engine version '9.6.3' (postgres 9.6) is not one RDS creates an instance at,"
            " expected a version of 13, 14, 15, 16, 17, 18",
        ),
        (
            {"engine": "mysql", "engine_version": "5.7.44", "username": "admin"},
            "engine version '5.7.44' (mysql 5.7) is not one RDS creates an instance at,"
            " expected a version of 8.0, 8.4",
        ),
        (
            {"instance_class": "db.t2.micro"},
            "instance class 'db.t2.micro' is not offered for the current postgres versions,"
            " did you mean 'db.t3.micro' or 'db.t4g.micro'?",
        ),
        (
            {"instance_class": "db.m4.large"},
            "instance class 'db.m4.large' is not offered for the current postgres versions,"
            " did you mean 'db.m5.large' or 'db.m6g.large'?",
        ),
        (
            {"engine": "mysql", "engine_version": "8.4.6", "db_name": "d" * 64},
            f"invalid database name '{'d' * 64}' for mysql, expected a letter, then letters,"
            " digits or underscores, at most 63 characters",
        ),
        (
            {"storage_type": "io1"},
            "invalid storage type 'io1', expected one of gp2, gp3, standard (io1 and io2 need"
            " provisioned IOPS)",
        ),
        (
            {"allocated_storage_gib": 10},
            "invalid value 10, expected 20 to 65536 GiB: what RDS allocates with gp3 storage",
        ),
        (
            {"instance_class": "t3.micro"},
            "invalid instance class 't3.micro', expected an RDS class like db.t3.micro",
        ),
        (
            {"variables": {"host": "H"}},
            "unknown variable purpose 'host', expected some of address, port, db_name,"
            " username, password",
        ),
        (
            {"roles": ("api",)},
            "unknown service 'api', expected one of the app's (greeter, mailer, web)",
        ),
        (
            {"db_name": "exocom"},
            "database name 'exocom' is also the name of ExoCom in the private zone"
            " (hello.internal), expected another name",
        ),
    ],
)
def test_a_database_rds_would_refuse_is_an_error(
    app: LoadedApp, changes: dict[str, object], line: str
) -> None:
    bad = attrs.evolve(app, databases=(go_database(**changes),))
    assert _lines(bad) == [f"application.yml: remote.dependencies.main-db: {line}"]


def test_rds_postgres_15_and_later_forcing_ssl_is_a_notice(app: LoadedApp) -> None:
    assert [str(p) for p in check_databases(app)] == [
        "application.yml: remote.dependencies.main-db: notice: RDS's PostgreSQL 17 refuses"
        " connections without SSL (rds.force_ssl=1): its clients need sslmode=require or"
        " stricter; sslmode=verify-full fails through maindb.hello.internal (the certificate"
        " names the instance: connect to the output maindbEndpoint for that)"
    ]
    for version in ("13.20", "14.15"):
        older = attrs.evolve(app, databases=(go_database(engine_version=version),))
        assert check_databases(older) == []


def test_a_database_name_with_an_underscore_is_a_notice(app: LoadedApp) -> None:
    underscored = attrs.evolve(
        app, databases=(go_database(db_name="main_db", engine_version="14.15"),)
    )
    assert [str(p) for p in check_databases(underscored)] == [
        "application.yml: remote.dependencies.main-db: notice: database name 'main_db' is"
        " also its host name, and some clients refuse a host name with '_' (letters and"
        " digits only are safe)"
    ]


def test_two_database_ids_cannot_differ_only_in_punctuation(app: LoadedApp) -> None:
    # CDK strips the punctuation from logical IDs: synthesis would fail with exit 70
    twice = attrs.evolve(app, databases=(go_database(), go_database(id="main_db", db_name="other")))
    assert _lines(twice) == [
        "application.yml: remote.dependencies.main-db: database 'main_db' has the same"
        " letters and digits as database 'main-db' (maindb), which its resources are named"
        " by, expected another name"
    ]


def test_the_supported_versions_pass(app: LoadedApp) -> None:
    for version in ("13.20", "16.4", "17.6", "18.1"):
        assert _lines(attrs.evolve(app, databases=(go_database(engine_version=version),))) == []


def test_two_databases_cannot_share_a_name(app: LoadedApp) -> None:
    twice = attrs.evolve(app, databases=(go_database(), go_database(id="copy")))
    assert _lines(twice) == [
        "application.yml: remote.dependencies.main-db: database name 'maindb' is also the name"
        " of database 'main-db' in the private zone (hello.internal), expected another name"
    ]


def test_a_service_named_data_is_refused_only_with_databases(app: LoadedApp) -> None:
    data = attrs.evolve(app.services[1], role="data")
    with_data = attrs.evolve(app, services=(*app.services, data))
    assert [p.message for p in check_databases(with_data) if p.severity == "error"] == [
        "service name 'data' is the stack of the app's databases (hello-data), expected"
        " another name"
    ]
    assert check_databases(attrs.evolve(with_data, databases=())) == []


def test_a_host_of_the_go_eras_internal_zone_is_a_warning(app: LoadedApp) -> None:
    web = next(s for s in app.services if s.role == "web")
    written = {
        "MAIN_DB": "maindb.production-hello.local",
        "OTHER_APP": "maindb.production-other.local",
        "GREETER": "greeter.hello.local",
        "ELSEWHERE": "db.example.local",
        "PLAIN": "maindb",
    }
    services = tuple(attrs.evolve(s, environment=written) if s is web else s for s in app.services)
    lines = [str(p) for p in check_app(attrs.evolve(app, services=services)) if "web" in p.file]
    assert lines == [
        "manifests/hello/web/service.yml: production.environment.MAIN_DB: warning:"
        " 'MAIN_DB' names a host of the Go era's internal zone:"
        " 'maindb.production-hello.local' is replaced by 'maindb.hello.internal'",
        "manifests/hello/web/service.yml: production.environment.OTHER_APP: warning:"
        " 'maindb.production-other.local' is a host of the Go era's internal zone, which this"
        " deployment does not have, expected 'maindb.hello.internal'",
        "manifests/hello/web/service.yml: production.environment.GREETER: warning:"
        " 'greeter.hello.local' is a host of the Go era's internal zone, which this"
        " deployment does not have, and a service has no name inside the VPC here"
        " (docs/architecture.md)",
    ]


@pytest.mark.parametrize(
    ("written", "deployed"),
    [
        # v0.37.0's rds README: `<DEP_ID>_HOST: <db-name>.<env>-<app>.local`
        ("maindb.production-hello.local", "maindb.hello.internal"),
        # v0.26.3's POSTGRES / MYSQL: `<db-name>.<app>.local`; DNS ignores case
        ("MainDB.Hello.local", "maindb.hello.internal"),
        ("users.hello.local:3306", "users.hello.internal:3306"),
        (
            "postgres://hello@maindb.production-hello.local:5432/maindb?sslmode=require",
            "postgres://hello@maindb.hello.internal:5432/maindb?sslmode=require",
        ),
        ("http://exocom.production-hello.local/health", "http://exocom.hello.internal/health"),
        # a peer, another zone, another app, a longer name, not a host: left as written
        ("greeter.hello.local", "greeter.hello.local"),
        ("maindb.example.local", "maindb.example.local"),
        ("maindb.production-other.local", "maindb.production-other.local"),
        ("a.maindb.hello.local", "a.maindb.hello.local"),
        ("maindb.hello.localhost", "maindb.hello.localhost"),
    ],
)
def test_the_go_eras_database_and_exocom_hosts_are_ours(
    app: LoadedApp, written: str, deployed: str
) -> None:
    assert go_era_hosts_replaced(app, written) == deployed
    assert go_era_hosts_replaced(attrs.evolve(app, era="exo-deploy"), written) == written
