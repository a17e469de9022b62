"""Values derived from a loaded app, shared by the checks and the stacks (no aws_cdk here)."""

from __future__ import annotations

import hashlib
import shlex

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.model.app import Database, LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import DATA_STACK_PART, PRODUCTION, STACK_PARTS

#: ExoCom's name in the app's private zone (its Cloud Map service).
EXOCOM_SERVICE_NAME = "exocom"
#: Listener rule priority of the public service without `url` (the load balancer's catch-all).
CATCH_ALL_PRIORITY = 50000
#: Derived priorities fall in 1..DERIVED_PRIORITIES.
DERIVED_PRIORITIES = 40000


def deployment_name(app: LoadedApp) -> str:
    """What every AWS name of the deployed environment starts with: the slug in production,
    `<slug>-<env>` in any other environment (so that environments live side by side)."""
    return environment_deployment(app.slug, app.env_name)


def environment_deployment(slug: str, env: str) -> str:
    """`deployment_name` of the environment `env` of the app `slug`."""
    return slug if env == PRODUCTION else f"{slug}-{env}"


def stack_name(app: LoadedApp, part: str) -> str:
    """The name (and construct id) of a stack of the app: `<deployment>-<part>`, or
    `<deployment>-<role>` (`<deployment>` is `deployment_name`: the slug in production)."""
    return f"{deployment_name(app)}-{part}"


def shared_stack_names(app: LoadedApp, *, omitted: bool = False) -> list[str]:
    """The app's own stacks, in STACK_PARTS order (`-dns` only with a domain and no
    certificate given, `-zone` only with a domain and no `hosted-zone-id`; `-data` after
    `-exocom`, only with databases); with `omitted`, those of `omitted_stacks` too."""
    skipped = omitted_stacks(app) if omitted else {}
    named = [(part, stack_name(app, part)) for part in stack_parts(app)]
    return [name for part, name in named if has_stack(app, part) or name in skipped]


def stack_parts(app: LoadedApp) -> list[str]:
    """STACK_PARTS, with DATA_STACK_PART after `exocom` for an app with databases."""
    parts = list(STACK_PARTS)
    if app.databases:
        parts.insert(parts.index("exocom") + 1, DATA_STACK_PART)
    return parts


def has_stack(app: LoadedApp, part: str) -> bool:
    """Whether the app synthesizes its shared stack `part` (a STACK_PARTS or DATA_STACK_PART)."""
    if part == "zone":
        return app.domain is not None and app.aws.hosted_zone_id is None
    if part == "dns":
        return app.domain is not None and app.aws.certificate_arn is None
    return part != DATA_STACK_PART or bool(app.databases)


def omitted_stacks(app: LoadedApp) -> dict[str, str]:
    """The app's own stacks that are not synthesized because they would hold no resource
    (CloudFormation refuses a template without one), and why.

    The dns stack holds only the certificate the app asks for: with an existing one
    given (`certificate-arn`, the Go era's `ssl-certificate-arn`), the platform stack
    imports it and there is no dns stack, whatever the zone.
    """
    if app.domain is None or app.aws.certificate_arn is None:
        return {}
    return {
        stack_name(app, "dns"): "not synthesized: it would hold no resource (the certificate"
        f" is an existing one, imported by {stack_name(app, 'platform')})"
    }


def stack_names(app: LoadedApp, *, omitted: bool = False) -> list[str]:
    """Every stack of the app: the shared ones, then one per service (with `omitted`,
    the shared ones `omitted_stacks` names too, where they would be).

    Not the deployment order: the CLI orders stacks by their references, and the
    dashboard stack (`-monitoring`) goes after the services it shows.
    """
    return [
        *shared_stack_names(app, omitted=omitted),
        *(stack_name(app, s.role) for s in app.services),
    ]


def private_zone(app: LoadedApp) -> str:
    """The private Cloud Map namespace ExoCom is named in: `<deployment>.internal`."""
    return f"{deployment_name(app)}.internal"


def exocom_host(app: LoadedApp) -> str:
    """ExoCom's DNS name, every service's EXOCOM_HOST: `exocom.<deployment>.internal`."""
    return f"{EXOCOM_SERVICE_NAME}.{private_zone(app)}"


def database_host(app: LoadedApp, database: Database) -> str:
    """A database's host inside the VPC: `<db_name>.<deployment>.internal`, a CNAME to the
    instance's address (the Go era's `<db-name>` in its internal zone)."""
    return f"{database.db_name}.{private_zone(app)}"


def go_era_zones(app: LoadedApp) -> tuple[str, str]:
    """The Go era's internal zones of the app: `<app>.local` (v0.26.3) and
    `<env>-<app>.local` (v0.36+)."""
    return f"{app.slug}.local", f"{app.env_name}-{app.slug}.local"


def go_era_names(app: LoadedApp) -> dict[str, str]:
    """The labels of the Go era's internal zone that a host here replaces: each database's
    `<db-name>` (lower-cased, as DNS compares them) and `exocom` -> that host."""
    names = {db.db_name.lower(): database_host(app, db) for db in app.databases}
    names[EXOCOM_SERVICE_NAME] = exocom_host(app)
    return names


def peer_prefix(role: str) -> str:
    """The start of a peer's variable names, as the Go era wrote it: `api-v2` -> `API_V2`."""
    return role.replace("-", "_").upper()


def routes(app: LoadedApp) -> tuple[exocom.Route, ...]:
    """ExoCom's routes: one per service, in role order, messages as written."""
    return tuple(route(svc) for svc in app.services)


def route(svc: LoadedService) -> exocom.Route:
    """The route of one service: its messages, namespace and translations as written."""
    messages = svc.messages
    return exocom.Route(
        role=svc.role,
        receives=messages.receives,
        sends=messages.sends,
        namespace=svc.namespace or None,
        written=svc.translations,
    )


def service_routes(app: LoadedApp) -> object:
    """ExoCom's routing table as JSON data, in the shape the app's ExoCom reads."""
    return exocom.routes_value(app.exocom, routes(app))


def bus_name(app: LoadedApp, svc: LoadedService, message: str, direction: exocom.Direction) -> str:
    """The name on the bus of `message` sent or received by `svc` (exocom.bus_name)."""
    return exocom.bus_name(app.exocom, route(svc), message, direction)


def bus_messages(app: LoadedApp) -> exocom.BusMessages:
    """The senders and receivers of every message of `app`, by bus name."""
    return exocom.bus_messages(app.exocom, routes(app))


def container_command(svc: LoadedService) -> list[str] | None:
    """`startup.command` split like a POSIX shell (`sh -c "a 'b c'"` -> sh, -c, a 'b c').

    None when absent or blank (the image's own command runs), and when a POSIX
    shell could not split it (an unclosed quote: the checks report it).
    """
    command = svc.command
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words or None


def derived_priority(role: str) -> int:
    """A listener rule priority from the role alone (1..40000), stable as services come and go."""
    return int(hashlib.sha256(role.encode()).hexdigest(), 16) % DERIVED_PRIORITIES + 1


def listener_priority(svc: LoadedService) -> int:
    """`production.aws.listener-priority`, else 50000 for the catch-all, else from the role."""
    if svc.listener_priority is not None:
        return svc.listener_priority
    if svc.public and not svc.url:
        return CATCH_ALL_PRIORITY
    return derived_priority(svc.role)


def mongo_secret_name(app: LoadedApp, svc: LoadedService) -> str | None:
    """The Secrets Manager secret holding MONGODB_USER/MONGODB_PW, for services using mongo."""
    if svc.mongo is None:
        return None
    return svc.mongo.secret or f"{deployment_name(app)}/mongo"


def key_alias(app: LoadedApp) -> str:
    """The alias of the app's KMS key, without `alias/`: `exosphere/<deployment>`."""
    return f"exosphere/{deployment_name(app)}"


def log_group_name_prefix(app: LoadedApp) -> str:
    """The start of every log group name of the environment (`<deployment>-`): its stacks'
    names start it, and the instances' log driver may write only there."""
    return f"{deployment_name(app)}-"


def environment_url(url: str, production_domain: str | None, domain: str | None) -> str | None:
    """A service's url in an environment other than production, from its production `url`.

    The part of `url` before production's domain is kept, the domain replaced by the
    environment's: `api.notes.acme-demo.io` under production's `notes.acme-demo.io`
    is `api.staging.notes.acme-demo.io` under `staging.notes.acme-demo.io`, and the
    domain itself is the environment's domain. None when `url` is not production's
    domain nor a name in it, or either environment has no domain: the url cannot be
    derived (the environment must give it).
    """
    if production_domain is None or domain is None:
        return None
    if url == production_domain:
        return domain
    if url.endswith("." + production_domain):
        return url[: -len(production_domain)] + domain
    return None


def instance_type(app: LoadedApp, public: bool) -> str:
    """The EC2 instance type of the public or private cluster."""
    return app.aws.public_cluster_size if public else app.aws.private_cluster_size


def exocom_instance_type(app: LoadedApp) -> str:
    """The EC2 instance type of ExoCom's host."""
    return app.aws.exocom_cluster_size


def go_secrets_store(slug: str, env: str) -> str:
    """The Secrets Manager secret of a Go-era app's environment: one JSON object holding every
    key of the Go era's secrets store (`exo configure`), `<deployment>/secrets`."""
    return f"{environment_deployment(slug, env)}/secrets"
