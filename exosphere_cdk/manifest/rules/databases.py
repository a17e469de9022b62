"""Rules: the app's databases are what RDS creates, named once, for services that exist."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import DATABASE_VARIABLES, Database, LoadedApp
from exosphere_cdk.manifest.model.constraints import DATA_STACK_PART

#: The most characters RDS allows in a database's name and its master user's, by engine
#: (both: a letter, then letters, digits or underscores).
DB_NAME_RULES = {"postgres": 63, "mysql": 64}
USERNAME_RULES = {"postgres": 63, "mysql": 32}
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: The storage types a Go-era `rds` can ask for (io1 and io2 need IOPS it has no key for),
#: and the storage RDS allows with each for PostgreSQL and MySQL, GiB.
STORAGE_GIB = {"gp2": (20, 65536), "gp3": (20, 65536), "standard": (5, 3072)}
INSTANCE_CLASS = re.compile(r"db\.[a-z0-9-]+\.[a-z0-9]+")


def check(app: LoadedApp) -> list[Problem]:
    if not app.databases:
        return []
    return [
        *data_role(app),
        *[problem for db in app.databases for problem in _database(app, db)],
        *shared_names(app),
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
    problems = [
        *_name(db, "db_name", db.db_name, DB_NAME_RULES[db.engine], "database name"),
        *_name(db, "username", db.username, USERNAME_RULES[db.engine], "master user name"),
    ]
    if not INSTANCE_CLASS.fullmatch(db.instance_class):
        problems.append(
            db.source.at("instance_class").problem(
                f"invalid instance class '{db.instance_class}', expected an RDS class"
                " like db.t3.micro"
            )
        )
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
