"""Frozen attrs classes mirroring application.yml and service.yml of the Go era (0.23 to 0.37).

Five families (GO-ERA.md): F1 0.23-0.25, F2 0.26-0.31, F3 0.32, F4 0.33-0.34, F5
0.35-0.37 and master. Each field is a `key(...)` with its Spec (model.spec): the checks,
the JSON Schema and docs/manifest.md are derived from it. A field whose doc starts with
`ignored:` (IGNORED) is a key the Go era's `exo deploy` did not read (exo run's, or a leftover):
accepted, with a notice. A field the Go validator required (for a kind of service, or
the deployed environment) is optional here and checked by the loader with its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.load.exo_deploy.schema import ACCOUNT_PATTERN
from exosphere_cdk.manifest.model.constraints import (
    CERTIFICATE_ARN_PATTERN,
    ENV_NAME_PATTERN,
    HOSTNAME_PATTERN,
    REGION_PATTERN,
    UNPRINTABLE,
)
from exosphere_cdk.manifest.model.spec import Spec, key

#: The Go validator's app name (F2 from 0.28 on, F3-F5 on every load).
APP_NAME_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: The Go validator's service key (`services.<key>`, from 0.28 on).
SERVICE_KEY_PATTERN = r"^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$"
#: The remote dependency types of `remote-dependency-templates/` (F4, F5).
REMOTE_TYPES = ("exocom", "rds")
#: The databases an F2/F3 dependency `name` makes (`DbDependencies`), and rds `engine`.
RDS_ENGINES = ("postgres", "mysql")
#: The meaning of a key the Go era's exo deploy did not read: accepted, with a notice.
IGNORED = "ignored: "
RUN_ONLY = IGNORED + "exo run's (on a developer's machine), not read by exo deploy (a notice)"
NOT_READ = IGNORED + "not read by the Go era's exo deploy (a notice)"

APP_NAME_EXPECTED = (
    "lowercase letters and digits, words joined by single '-' (Exosphere: \"Only lowercase"
    ' alphanumeric character(s) separated by a single hyphen are allowed")'
)
SERVICE_KEY_SPEC = Spec(
    pattern=SERVICE_KEY_PATTERN,
    noun="service key",
    expected="letters and digits, words joined by single '-' (Exosphere: \"Only alphanumeric"
    ' character(s) separated by a single hyphen are allowed")',
)
_VARIABLES = Spec(
    pattern=ENV_NAME_PATTERN,
    noun="variable name",
    expected="letters, digits and '_', not starting with a digit",
)
_SECRET_KEYS = {
    "doc": "keys of the environment's secrets store, each given to the service as the variable of"
    " its name (one Secrets Manager secret per environment, docs/manifest.md#go-era-secrets)",
    "pattern": ENV_NAME_PATTERN,
    "noun": "secret key",
    "expected": "letters, digits and '_', not starting with a digit (a variable's name)",
}


def _free(doc: str = "free text") -> Any:
    return key(default=None, doc=doc, default_doc="none")


def _url(doc: str, default_doc: str = "none (required for public)") -> Any:
    return key(
        default=None,
        doc=doc,
        default_doc=default_doc,
        pattern=HOSTNAME_PATTERN,
        noun="url",
        expected="a lowercase host name like 'www.example.com' (no scheme, no path)",
    )


def _variables(doc: str, name: str | None = None) -> Any:
    return key(name, factory=dict, doc=doc, names=_VARIABLES)


def _cpu() -> Any:
    return key(
        default=None,
        doc="the container's CPU units (1024 = 1 vCPU); required",
        default_doc="required",
        minimum=1,
        maximum=16384,
        unit="CPU units (1024 = 1 vCPU)",
    )


def _memory(
    doc: str = "the container's memory reservation (ECS `memoryReservation`, a soft limit: the"
    " Go era's meaning from 0.26.3, kept); required",
) -> Any:
    return key(
        default=None,
        doc=doc,
        default_doc="required",
        minimum=6,
        maximum=122880,
        unit="MiB",
    )


def _port(
    doc: str = "the container port the load balancer routes to; required for public",
    name: str | None = None,
) -> Any:
    return key(
        name,
        default=None,
        doc=doc,
        default_doc="none (required for public)",
        minimum=1,
        maximum=65535,
    )


def _health_check() -> Any:
    return key(
        "health-check",
        default=None,
        doc="the load balancer's health-check path; required for public",
        default_doc="none (required for public)",
        pattern="^/",
        expected="a path starting with '/'",
    )


# ---------------------------------------------------------------- shared by the families

#: A Go-era message name: words with spaces allowed (`create tweet`), nothing UNPRINTABLE.
MESSAGE_PATTERN = rf"^[^\s{UNPRINTABLE}]([^{UNPRINTABLE}]*[^\s{UNPRINTABLE}])?$"


@frozen
class Messages:
    """The messages of a service on the bus (`messages`, `dependency-data.exocom`)."""

    sends: tuple[str, ...] = key(
        default=(),
        doc="the messages the service sends",
        pattern=MESSAGE_PATTERN,
        noun="message name",
        expected="a name not starting or ending with a space, without control characters",
    )
    receives: tuple[str, ...] = key(
        default=(),
        doc="the messages the service receives",
        pattern=MESSAGE_PATTERN,
        noun="message name",
        expected="a name not starting or ending with a space, without control characters",
    )


@frozen
class MessageTranslation:
    """A message's name on the bus (`public`) and in the service (`internal`)."""

    public: str = key(doc="the name on the bus", pattern=MESSAGE_PATTERN, expected="a message name")
    internal: str = key(
        doc="the name the service sends and receives",
        pattern=MESSAGE_PATTERN,
        expected="a message name",
    )


@frozen
class AwsTarget:
    """The deployed environment: required, each key (F5: of the environment deployed).

    F1/F2 `production`, F3/F4 `remote`, F5 `remote.environments.<env>`.
    """

    url: str | None = _url(
        "the environment's domain: its public zone, the services' urls in it", "required"
    )
    region: str | None = key(
        default=None,
        doc="the AWS region of every stack",
        default_doc="required",
        pattern=REGION_PATTERN,
        noun="region",
        expected="an AWS region like 'us-west-2'",
    )
    account_id: str | None = key(
        "account-id",
        default=None,
        doc="the AWS account of every stack (the CDK deploys to no other)",
        default_doc="required",
        pattern=ACCOUNT_PATTERN,
        noun="account",
        expected="a 12-digit AWS account id",
    )
    ssl_certificate_arn: str | None = key(
        "ssl-certificate-arn",
        default=None,
        doc="the existing ACM certificate of the load balancer's HTTPS listener (imported; none"
        " is requested)",
        default_doc="required",
        pattern=CERTIFICATE_ARN_PATTERN,
        noun="certificate ARN",
        expected="'arn:aws:acm:<region>:<account>:certificate/<id>'",
    )


@frozen
class ServiceEnvVarNames:
    """`rds.service-env-var-names` (F2 from 0.28, F3): the variables the services get."""

    db_name: str | None = key(
        "db-name", default=None, doc="the database's name", default_doc="not given"
    )
    username: str | None = key(default=None, doc="the master user", default_doc="not given")
    password: str | None = key(default=None, doc="the master password", default_doc="not given")


@frozen
class Rds:
    """An RDS database: the dependency's name is its engine, its `version` the engine's."""

    allocated_storage: str | None = key(
        "allocated-storage", default=None, doc="storage in GiB; required", default_doc="required"
    )
    instance_class: str | None = key(
        "instance-class", default=None, doc="e.g. `db.t3.micro`; required", default_doc="required"
    )
    db_name: str | None = key(
        "db-name",
        default=None,
        doc="the database created, and its host name; required",
        default_doc="required",
    )
    username: str | None = key(
        default=None, doc="the master user; required", default_doc="required"
    )
    password_secret_name: str | None = key(
        "password-secret-name",
        default=None,
        doc="the key of the master password in the environment's secrets store; required",
        default_doc="required (or `password-env-var`)",
    )
    password_env_var: str | None = key(
        "password-env-var",
        default=None,
        doc="Exosphere 0.26's name of `password-secret-name`",
        default_doc="`password-secret-name`",
    )
    storage_type: str | None = key(
        "storage-type", default=None, doc="e.g. `gp2`; required", default_doc="required"
    )
    service_env_var_names: ServiceEnvVarNames | None = key(
        "service-env-var-names",
        default=None,
        doc="the variables the services get besides the address",
        default_doc="only the address, as `<NAME>` (`POSTGRES`, `MYSQL`)",
    )


@frozen
class DependencyOptions:
    """`config` of a production (F2) or remote (F3) dependency."""

    rds: Rds | None = key(
        default=None, doc="the database of a postgres or mysql dependency", default_doc="none"
    )


@frozen
class ListDependency:
    """An entry of F2's `production.dependencies` or F3's `remote.dependencies`."""

    name: str = key(doc="`exocom`, `postgres` or `mysql`")
    version: str | None = key(
        default=None,
        doc="exocom: ExoCom's version; postgres/mysql: the engine's",
        default_doc="required",
    )
    config: DependencyOptions = key(default=DependencyOptions(), doc="its configuration")


@frozen
class RemoteDependency:
    """A template of `remote-dependency-templates/` (F4, F5)."""

    type: str = key(
        doc="the template",
        enum=REMOTE_TYPES,
        noun="remote dependency type",
        expected="one of the Go era's: " + ", ".join(REMOTE_TYPES),
    )
    template_config: Mapping[str, str] = key(
        "template-config",
        factory=dict,
        doc="exocom: `version`; rds: `engine, engine-version, allocated-storage, instance-class,"
        " db-name, username, storage-type, password-secret-name`",
    )


@frozen
class AppExocomData:
    """`services.<role>.dependency-data.exocom` of application.yml."""

    translations: tuple[MessageTranslation, ...] = key(
        default=(), doc="ExoCom's translations of the service's message names"
    )


@frozen
class AppDependencyData:
    """`services.<role>.dependency-data`."""

    exocom: AppExocomData = key(default=AppExocomData(), doc="ExoCom's data of the service")


@frozen
class ServiceDependencyData:
    """`dependency-data` of service.yml."""

    exocom: Messages = key(default=Messages(), doc="the service's messages on the bus")


@frozen
class EnvVars:
    """`environment` of service.yml (F1, F2): `default` merged with `production`."""

    default: Mapping[str, str] = _variables("variables of every environment")
    development: Any = key(default=None, doc=RUN_ONLY)
    production: Mapping[str, str] = _variables("variables of production, over `default`")
    secrets: tuple[str, ...] = key(default=(), **_SECRET_KEYS)


@frozen
class EnvVarsF3:
    """`environment` of service.yml (F3): `default` merged with `remote`."""

    default: Mapping[str, str] = _variables("variables of every environment")
    local: Any = key(default=None, doc=RUN_ONLY)
    remote: Mapping[str, str] = _variables("variables of the remote environment, over `default`")
    secrets: tuple[str, ...] = key(default=(), **_SECRET_KEYS)


@frozen
class Titled:
    """What an application.yml of F1 and F2 starts with (the name is not checked)."""

    name: str = key(doc="the app's name")
    description: str | None = _free()
    version: str | None = _free()


@frozen
class Named:
    """What an application.yml of F3 to F5 starts with (the name checked on load)."""

    name: str = key(
        doc="the app's name", pattern=APP_NAME_PATTERN, noun="app name", expected=APP_NAME_EXPECTED
    )
    description: str | None = _free("free text (removed in 0.36)")
    version: str | None = _free("free text (removed in 0.36)")


@frozen
class Kinded:
    """What a service.yml of F3 to F5 starts with."""

    type: str | None = key(
        default=None,
        doc="the kind: `public` or `worker` (F5 on master: also `private`)",
        default_doc="required",
    )
    description: str | None = _free()
    author: str | None = _free()


# ---------------------------------------------------------------- F1 (0.23-0.25)


@frozen
class F1Dependency:
    """An entry of F1's top-level `dependencies`."""

    name: str = key(doc="`exocom` is deployed; any other is exo run's (a notice)")
    version: str | None = key(default=None, doc="its version", default_doc="required")
    silent: Any = key(default=None, doc=RUN_ONLY)
    config: Any = key(default=None, doc=RUN_ONLY)


@frozen
class ServiceRef:
    """What every family's entry of a service in application.yml has."""

    location: str | None = key(
        default=None,
        doc="the service's folder (holding service.yml), inside the app's folder",
        default_doc="`docker-image`",
    )
    docker_image: str | None = key(
        "docker-image",
        default=None,
        doc="the image to run (its service.yml is not read: the folder is needed)",
        default_doc="the folder's Dockerfile.prod, else its Dockerfile",
        pattern=r"^[a-z0-9][A-Za-z0-9._/:@-]*$",
        noun="image",
        expected="an image name like 'originate/exocom:0.26.3'",
    )
    docker_image_leftover: str | None = key(
        "docker_image",
        default=None,
        doc="exo-deploy's key, not read by the Go era (a notice): the image when the folder has"
        " no Dockerfile.prod or Dockerfile",
        default_doc="none",
        pattern=r"^[a-z0-9][A-Za-z0-9._/:@-]*$",
        noun="image",
        expected="an image name like 'originate/exocom:0.26.3'",
    )


@frozen
class ServiceData(ServiceRef):
    """A service's entry: by role below its kind (F1, F2 to 0.30), or by role (0.31, F3)."""

    message_translation: tuple[MessageTranslation, ...] = key(
        "message-translation", default=(), doc="ExoCom's translations of the message names"
    )
    silent: Any = key(default=None, doc=RUN_ONLY)


@frozen
class Groups:
    """`services` of F1 and F2 (to 0.30): services by protection level."""

    public: Mapping[str, ServiceData] = key(
        factory=dict, doc="behind the load balancer, by role", names=SERVICE_KEY_SPEC
    )
    private: Mapping[str, ServiceData] = key(
        factory=dict,
        doc="reached only through ExoCom (the Go era gave them an internal load balancer)",
        names=SERVICE_KEY_SPEC,
    )
    worker: Mapping[str, ServiceData] = key(
        factory=dict, doc="private, listening on no port, by role", names=SERVICE_KEY_SPEC
    )


@frozen
class F1Application(Titled):
    """application.yml (F1)."""

    dependencies: tuple[F1Dependency, ...] = key(default=(), doc="`exocom` and exo run's")
    production: AwsTarget = key(default=AwsTarget(), doc="the deployed environment")
    services: Groups = key(default=Groups(), doc="the app's services")
    templates: Any = key(default=None, doc=NOT_READ)


@frozen
class F1ServiceProduction:
    """`production` of service.yml (F1)."""

    url: str | None = _url("the host name routed to the service; required for public")
    cpu: int | None = _cpu()
    memory: int | None = _memory(
        "the container's memory, a hard limit (ECS `memory`), as 0.23-0.25 set it; required"
    )
    public_port: int | None = _port(
        "the container port the load balancer routes to (F2: 0.26-0.29's name of `port`)",
        "public-port",
    )
    health_check: str | None = _health_check()


@frozen
class Described:
    """What a service.yml of F1 and F2 has."""

    type: str | None = _free(
        "free text (the kind is the app's grouping); F2 0.31: the kind, `public` or `worker`"
        " (required then)"
    )
    description: str | None = _free()
    author: str | None = _free()
    startup: Any = key(default=None, doc=RUN_ONLY)
    restart: Any = key(default=None, doc=RUN_ONLY)
    messages: Messages = key(default=Messages(), doc="the service's messages on the bus")
    docker: Any = key(default=None, doc=RUN_ONLY)
    environment: EnvVars = key(default=EnvVars(), doc="the service's variables")
    development: Any = key(default=None, doc=RUN_ONLY)
    tests: Any = key(default=None, doc=NOT_READ)


@frozen
class F1Service(Described):
    """service.yml (F1)."""

    dependencies: Any = key(default=None, doc=RUN_ONLY)
    production: F1ServiceProduction = key(default=F1ServiceProduction(), doc="the deployed service")


# ---------------------------------------------------------------- F2 (0.26-0.31)


@frozen
class ListTarget(AwsTarget):
    """The deployed environment with its dependency list (F2 `production`, F3 `remote`)."""

    dependencies: tuple[ListDependency, ...] = key(
        default=(), doc="`exocom` (its version), `postgres` and `mysql` (an RDS database)"
    )


@frozen
class F2Application(Titled):
    """application.yml (F2)."""

    development: Any = key(default=None, doc=RUN_ONLY)
    production: ListTarget = key(default=ListTarget(), doc="the deployed environment")
    #: Raw: `{public, private, worker}: {<role>: …}` to 0.30, `<role>: …` in 0.31 (the loader
    #: reads each entry as a ServiceData).
    services: Mapping[str, Any] = key(
        factory=dict,
        doc="the app's services: by protection level (`public`, `private`, `worker`) to 0.30,"
        " by role with service.yml's `type` in 0.31",
    )
    templates: Any = key(default=None, doc=NOT_READ)


@frozen
class F2ServiceProduction(F1ServiceProduction):
    """`production` of service.yml (F2): F1's, `public-port` renamed `port` in 0.30."""

    port: int | None = _port()
    dependencies: tuple[ListDependency, ...] = key(
        default=(), doc="the service's own `postgres` or `mysql` database"
    )


@frozen
class F2Service(Described):
    """service.yml (F2)."""

    production: F2ServiceProduction = key(default=F2ServiceProduction(), doc="the deployed service")
    user_data: Any = key("user-data", default=None, doc=NOT_READ)


# ---------------------------------------------------------------- F3 (0.32)


@frozen
class F3Application(Named):
    """application.yml (F3)."""

    local: Any = key(default=None, doc=RUN_ONLY)
    remote: ListTarget = key(default=ListTarget(), doc="the deployed environment")
    services: Mapping[str, ServiceData] = key(
        factory=dict, doc="the app's services, by role", names=SERVICE_KEY_SPEC
    )
    templates: Any = key(default=None, doc=NOT_READ)


@frozen
class F3ServiceProduction:
    """`production` of service.yml (F3)."""

    port: int | None = _port()


@frozen
class F3ServiceRemote:
    """`remote` of service.yml (F3)."""

    dependencies: tuple[ListDependency, ...] = key(
        default=(), doc="the service's own `postgres` or `mysql` database"
    )
    url: str | None = _url("the host name routed to the service; required for public")
    cpu: int | None = _cpu()
    memory: int | None = _memory()
    health_check: str | None = _health_check()


@frozen
class F3Service(Kinded):
    """service.yml (F3)."""

    messages: Messages = key(default=Messages(), doc="the service's messages on the bus")
    docker: Any = key(default=None, doc=RUN_ONLY)
    environment: EnvVarsF3 = key(default=EnvVarsF3(), doc="the service's variables")
    development: Any = key(default=None, doc=RUN_ONLY)
    local: Any = key(default=None, doc=RUN_ONLY)
    production: F3ServiceProduction = key(
        default=F3ServiceProduction(), doc="the service's production image"
    )
    remote: F3ServiceRemote = key(default=F3ServiceRemote(), doc="the deployed service")


# ---------------------------------------------------------------- F4 (0.33-0.34), F5 (0.35-)


@frozen
class ServiceSource(ServiceRef):
    """An entry of `services` (F4, F5)."""

    dependency_data: AppDependencyData = key(
        "dependency-data", default=AppDependencyData(), doc="data for the app's dependencies"
    )


@frozen
class F4Remote(AwsTarget):
    """`remote` of application.yml (F4)."""

    dependencies: Mapping[str, RemoteDependency] = key(
        factory=dict, doc="the app's remote dependencies by id"
    )
    environment: Mapping[str, str] = _variables("variables of every service")
    secrets: tuple[str, ...] = key(default=(), **_SECRET_KEYS)


@frozen
class F4Application(Named):
    """application.yml (F4)."""

    local: Any = key(default=None, doc=RUN_ONLY)
    remote: F4Remote = key(default=F4Remote(), doc="the deployed environment")
    services: Mapping[str, ServiceSource] = key(
        factory=dict, doc="the app's services, by role", names=SERVICE_KEY_SPEC
    )
    templates: Any = key(default=None, doc=NOT_READ)


@frozen
class ServiceProduction:
    """`production` of service.yml (F4, F5): the production image."""

    port: int | None = _port()
    health_check: str | None = _health_check()


@frozen
class F4ServiceRemote:
    """`remote` of service.yml (F4)."""

    dependencies: Mapping[str, RemoteDependency] = key(
        factory=dict, doc="the service's own remote dependencies by id"
    )
    environment: Mapping[str, str] = _variables("the service's variables")
    secrets: tuple[str, ...] = key(default=(), **_SECRET_KEYS)
    url: str | None = _url("the host name routed to the service; required for public")
    cpu: int | None = _cpu()
    memory: int | None = _memory()


@frozen
class F4Service(Kinded):
    """service.yml (F4)."""

    dependency_data: ServiceDependencyData = key(
        "dependency-data", default=ServiceDependencyData(), doc="data for the dependencies"
    )
    docker: Any = key(default=None, doc=RUN_ONLY)
    development: Any = key(default=None, doc=RUN_ONLY)
    local: Any = key(default=None, doc=RUN_ONLY)
    production: ServiceProduction = key(
        default=ServiceProduction(), doc="the service's production image"
    )
    remote: F4ServiceRemote = key(default=F4ServiceRemote(), doc="the deployed service")


@frozen
class RemoteEnvironment(AwsTarget):
    """`remote.environments.<env>` of application.yml (F5)."""

    environment_variables: Mapping[str, str] = _variables(
        "variables of every service", "environment-variables"
    )
    secrets: tuple[str, ...] = key(default=(), **_SECRET_KEYS)


@frozen
class F5Remote:
    """`remote` of application.yml (F5)."""

    dependencies: Mapping[str, RemoteDependency] = key(
        factory=dict, doc="the app's remote dependencies by id"
    )
    environments: Mapping[str, RemoteEnvironment] = key(
        factory=dict, doc="the environments by id (`exo deploy <id>`; `-c env=<id>` here)"
    )


@frozen
class F5Application(Named):
    """application.yml (F5)."""

    local: Any = key(default=None, doc=RUN_ONLY)
    remote: F5Remote = key(default=F5Remote(), doc="the deployed environments")
    services: Mapping[str, ServiceSource] = key(
        factory=dict, doc="the app's services, by role", names=SERVICE_KEY_SPEC
    )
    shared_directories: Any = key(
        "shared-directories",
        default=None,
        doc=IGNORED + "copied into the services by exo run only (a notice)",
    )
    templates: Any = key(default=None, doc=NOT_READ)


@frozen
class ServiceRemoteEnvironment:
    """`remote.environments.<env>` of service.yml (F5)."""

    environment_variables: Mapping[str, str] = _variables(
        "the service's variables", "environment-variables"
    )
    secrets: tuple[str, ...] = key(default=(), **_SECRET_KEYS)
    url: str | None = _url("the host name routed to the service; required for public")


@frozen
class F5ServiceRemote:
    """`remote` of service.yml (F5)."""

    cpu: int | None = _cpu()
    memory: int | None = _memory()
    dependencies: Mapping[str, RemoteDependency] = key(
        factory=dict, doc="the service's own remote dependencies by id"
    )
    environments: Mapping[str, ServiceRemoteEnvironment] = key(
        factory=dict, doc="the service in each environment, by id"
    )


@frozen
class F5Service(Kinded):
    """service.yml (F5)."""

    dependency_data: ServiceDependencyData = key(
        "dependency-data", default=ServiceDependencyData(), doc="data for the dependencies"
    )
    development: Any = key(default=None, doc=RUN_ONLY)
    local: Any = key(default=None, doc=RUN_ONLY)
    production: ServiceProduction = key(
        default=ServiceProduction(), doc="the service's production image"
    )
    remote: F5ServiceRemote = key(default=F5ServiceRemote(), doc="the deployed service")
