"""What RDS creates for PostgreSQL and MySQL: names, storage, ports, versions, classes, logs.

Checked against AWS's documentation on 2026-12-03:

- the CreateDBInstance API reference (`MasterUsername`): "Must be 1 to 16 letters,
  numbers, or underscores. First character must be a letter. Can't be a reserved word for
  the chosen database engine." (one rule for every engine; the RDS User Guide's PostgreSQL
  roles page says the same, 1 to 16 for PostgreSQL: Lightsail's 63 is not RDS's);
- the release calendars of RDS for PostgreSQL (13 to 18; 13 in Extended Support since
  2026-03) and RDS for MySQL (8.0 and 8.4; 5.7 only in Extended Support for instances that
  existed): the major versions a new instance can be created at;
- the DB instance classes page: the current classes of PostgreSQL and MySQL instances (the
  t2, m4 and r4 families are not offered by their current versions).
"""

from __future__ import annotations

from collections.abc import Mapping

#: The most characters RDS allows in a database's name, by engine (a letter, then
#: letters, digits or underscores).
DB_NAME_RULES: Mapping[str, int] = {"postgres": 63, "mysql": 64}
#: The most characters RDS allows in a master user's name (CreateDBInstance's
#: `MasterUsername`: 1 to 16 letters, numbers, or underscores, for every engine).
USERNAME_RULES: Mapping[str, int] = {"postgres": 16, "mysql": 16}
#: The master user names RDS refuses: its own administrator (`rdsadmin`) and, for
#: PostgreSQL, its roles and the names PostgreSQL reserves for a role; names starting `pg_`
#: are PostgreSQL's too (RESERVED_USERNAME_PREFIXES).
RESERVED_USERNAMES: Mapping[str, frozenset[str]] = {
    "postgres": frozenset(
        {
            "rdsadmin",
            "rds_superuser",
            "rds_replication",
            "rds_password",
            "rds_iam",
            "rdstopmgr",
            "public",
            "none",
            "current_user",
            "current_role",
            "session_user",
        }
    ),
    "mysql": frozenset({"rdsadmin", "rdsrepladmin"}),
}
RESERVED_USERNAME_PREFIXES: Mapping[str, tuple[str, ...]] = {"postgres": ("pg_",), "mysql": ()}
#: The first PostgreSQL major whose RDS default parameter group forces SSL
#: (`rds.force_ssl=1`): a client without SSL is refused.
POSTGRES_FORCES_SSL_FROM = 15
#: The storage types a Go-era `rds` can ask for (io1 and io2 need IOPS it has no key for),
#: and the storage RDS allows with each for PostgreSQL and MySQL, GiB.
STORAGE_GIB: Mapping[str, tuple[int, int]] = {
    "gp2": (20, 65536),
    "gp3": (20, 65536),
    "standard": (5, 3072),
}
#: The port each engine listens on.
ENGINE_PORTS: Mapping[str, int] = {"postgres": 5432, "mysql": 3306}
#: The major versions RDS creates a new instance at, by engine (oldest first).
ENGINE_MAJORS: Mapping[str, tuple[str, ...]] = {
    "postgres": ("13", "14", "15", "16", "17", "18"),
    "mysql": ("8.0", "8.4"),
}
#: The logs each engine sends to CloudWatch Logs: every one it has. AWS Control Tower's
#: CT.RDS.PR.14 asks for all of them, and cdk-validator-cfnguard 0.0.62 fails the synthesis
#: without a report (so it cannot be acknowledged) when one is missing. RDS creates each
#: group itself, `/aws/rds/instance/<instance>/<log>`, kept forever, with AWS's key and no
#: tags (docs/security.md).
ENGINE_LOGS: Mapping[str, tuple[str, ...]] = {
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("audit", "error", "general", "slowquery"),
}
#: The exported logs RDS writes without a parameter group: PostgreSQL's two, MySQL's error
#: log (its general, slow-query and audit logs stay empty until a parameter group turns
#: them on, which the deployment does not make). What `cost` counts as ingesting.
ENGINE_LOGS_WRITTEN: Mapping[str, tuple[str, ...]] = {
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("error",),
}
#: Instance class families the current engine versions do not offer -> the current
#: generation to name instead (x86, then Graviton).
RETIRED_CLASS_FAMILIES: Mapping[str, tuple[str, str]] = {
    "t1": ("t3", "t4g"),
    "t2": ("t3", "t4g"),
    "m1": ("m5", "m6g"),
    "m2": ("r5", "r6g"),
    "m3": ("m5", "m6g"),
    "m4": ("m5", "m6g"),
    "r3": ("r5", "r6g"),
    "r4": ("r5", "r6g"),
}


def engine_major_version(engine: str, version: str) -> str:
    """The major version RDS names an engine version's family by: PostgreSQL's first number
    from 10 on (`9.6.3` -> `9.6`, `16.3` -> `16`), MySQL's first two (`8.0.35` -> `8.0`)."""
    parts = version.split(".")
    if engine == "postgres" and parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])
