"""Rules: the app's databases are what RDS creates, named once, for services that exist."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.data.rds import (
    DB_NAME_RULES,
    ENGINE_MAJORS,
    POSTGRES_FORCES_SSL_FROM,
    RESERVED_USERNAME_PREFIXES,
    RESERVED_USERNAMES,
    RETIRED_CLASS_FAMILIES,
    STORAGE_GIB,
    USERNAME_RULES,
    engine_major_version,
)
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import DATABASE_VARIABLES, Database, LoadedApp
from exosphere_cdk.manifest.model.constraints import DATA_STACK_PART

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
INSTANCE_CLASS = re.compile(r"db\.([a-z0-9-]+)\.([a-z0-9]+)")
#: The most characters of a DNS label: a database's name is one in the private zone.
DNS_LABEL = 63
#: The most characters of a database's name: RDS's limit, or a DNS label's if shorter.
DB_NAME_LONGEST = {engine: min(most, DNS_LABEL) for engine, most in DB_NAME_RULES.items()}


def check(app: LoadedApp) -> list[Problem]:
    if not app.databases:
        return []
    return [
        *data_role(app),
        *[problem for db in app.databases for problem in _database(app, db)],
        *shared_names(app),
        *shared_ids(app),
    ]


def data_role(app: LoadedApp) -> list[Problem]:
    """An app with databases has the stack `<deployment>-data`: no service may be `data`."""
    return [
        svc.source.fallback.problem(
            f"service name '{svc.role}' is the stack of the app's databases"
            f" ({derive.stack_name(app, DATA_STACK_PART)}), expected another name"
        )
        for svc in app.services
        if svc.role == DATA_STACK_PART
    ]


def _database(app: LoadedApp, db: Database) -> list[Problem]:
    return [
        *_name(
            db, "db_name", db.db_name, min(DB_NAME_RULES[db.engine], DNS_LABEL), "database name"
        ),
        *_host_label(db),
        *_name(db, "username", db.username, USERNAME_RULES[db.engine], "master user name"),
        *_reserved_username(db),
        *_engine_version(db),
        *_instance_class(db),
        *_storage(db),
        *_uses(app, db),
        *_forced_ssl(app, db),
    ]


def _host_label(db: Database) -> list[Problem]:
    """A name with `_` is a host name some clients refuse (RFC 952's letters, digits, `-`)."""
    if "_" not in db.db_name or not NAME_PATTERN.fullmatch(db.db_name):
        return []
    return [
        db.source.at("db_name").problem(
            f"database name '{db.db_name}' is also its host name, and some clients refuse a"
            " host name with '_' (letters and digits only are safe)",
            "notice",
        )
    ]


def _forced_ssl(app: LoadedApp, db: Database) -> list[Problem]:
    """RDS's PostgreSQL 15 and later refuse clients without SSL, which the Go era's (on 9.6
    and 10) did not need: a notice, with what verifies the server."""
    major = engine_major_version(db.engine, db.engine_version)
    if app.era == "exo-deploy" or db.engine != "postgres":
        return []
    if not major.isdigit() or int(major) < POSTGRES_FORCES_SSL_FROM:
        return []
    return [
        db.source.at("engine_version").problem(
            f"RDS's PostgreSQL {major} refuses connections without SSL (rds.force_ssl=1):"
            " its clients need sslmode=require or stricter; sslmode=verify-full fails"
            f" through {derive.database_host(app, db)} (the certificate names the instance:"
            f" connect to the output {logical_id(db)}Endpoint for that)",
            "notice",
        )
    ]


def _reserved_username(db: Database) -> list[Problem]:
    name = db.username.lower()
    prefixes = RESERVED_USERNAME_PREFIXES[db.engine]
    if name not in RESERVED_USERNAMES[db.engine] and not name.startswith(prefixes):
        return []
    return [
        db.source.at("username").problem(
            f"invalid master user name '{db.username}' for {db.engine}: RDS reserves it,"
            " expected another name"
        )
    ]


def _engine_version(db: Database) -> list[Problem]:
    majors = ENGINE_MAJORS[db.engine]
    major = engine_major_version(db.engine, db.engine_version)
    if major in majors:
        return []
    return [
        db.source.at("engine_version").problem(
            f"engine version '{db.engine_version}' ({db.engine} {major}) is not one RDS creates"
            f" an instance at, expected a version of {', '.join(majors)}"
        )
    ]


def _instance_class(db: Database) -> list[Problem]:
    found = INSTANCE_CLASS.fullmatch(db.instance_class)
    if found is None:
        message = (
            f"invalid instance class '{db.instance_class}', expected an RDS class like db.t3.micro"
        )
    elif found[1] in RETIRED_CLASS_FAMILIES:
        x86, graviton = RETIRED_CLASS_FAMILIES[found[1]]
        message = (
            f"instance class '{db.instance_class}' is not offered for the current {db.engine}"
            f" versions, did you mean 'db.{x86}.{found[2]}' or 'db.{graviton}.{found[2]}'?"
        )
    else:
        return []
    return [db.source.at("instance_class").problem(message)]


def _storage(db: Database) -> list[Problem]:
    problems: list[Problem] = []
    limits = STORAGE_GIB.get(db.storage_type)
    if limits is None:
        problems.append(
            db.source.at("storage_type").problem(
                f"invalid storage type '{db.storage_type}', expected one of"
                f" {', '.join(STORAGE_GIB)} (io1 and io2 need provisioned IOPS)"
            )
        )
    elif not limits[0] <= db.allocated_storage_gib <= limits[1]:
        problems.append(
            db.source.at("allocated_storage_gib").problem(
                f"invalid value {db.allocated_storage_gib}, expected {limits[0]} to {limits[1]}"
                f" GiB: what RDS allocates with {db.storage_type} storage"
            )
        )
    return problems


def _uses(app: LoadedApp, db: Database) -> list[Problem]:
    problems: list[Problem] = []
    unknown = [p for p in db.variables if p not in DATABASE_VARIABLES]
    if unknown:
        problems.append(
            db.source.at("variables").problem(
                f"unknown variable purpose {', '.join(map(repr, unknown))}, expected some of"
                f" {', '.join(DATABASE_VARIABLES)}"
            )
        )
    roles = {svc.role for svc in app.services}
    problems += [
        db.source.at("roles").problem(
            f"unknown service '{role}', expected one of the app's ({', '.join(sorted(roles))})"
        )
        for role in db.roles or ()
        if role not in roles
    ]
    return problems


def _name(db: Database, field: str, value: str, longest: int, what: str) -> list[Problem]:
    if NAME_PATTERN.fullmatch(value) and len(value) <= longest:
        return []
    return [
        db.source.at(field).problem(
            f"invalid {what} '{value}' for {db.engine}, expected a letter, then letters,"
            f" digits or underscores, at most {longest} characters"
        )
    ]


def shared_names(app: LoadedApp) -> list[Problem]:
    """Each database's name once, and not ExoCom's: it is the database's host name."""
    seen: dict[str, str] = {derive.EXOCOM_SERVICE_NAME: "ExoCom"}
    problems: list[Problem] = []
    for db in app.databases:
        other = seen.setdefault(db.db_name.lower(), f"database '{db.id}'")
        if other != f"database '{db.id}'":
            problems.append(
                db.source.at("db_name").problem(
                    f"database name '{db.db_name}' is also the name of {other} in the private"
                    f" zone ({derive.private_zone(app)}), expected another name"
                )
            )
    return problems


def logical_id(db: Database) -> str:
    """The start of the logical IDs of `db`'s resources and outputs: its id's letters and
    digits (CDK drops the rest)."""
    return re.sub(r"[^A-Za-z0-9]", "", db.id)


def shared_ids(app: LoadedApp) -> list[Problem]:
    """Each database's id once without its punctuation: CDK builds logical IDs from the
    letters and digits only, so `main-db` and `main_db` would collide in the data stack."""
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for db in app.databases:
        letters = logical_id(db)
        other = seen.setdefault(letters, db.id)
        if other != db.id:
            problems.append(
                db.source.fallback.problem(
                    f"database '{db.id}' has the same letters and digits as database"
                    f" '{other}' ({letters}), which its resources are named by, expected"
                    " another name"
                )
            )
    return problems
