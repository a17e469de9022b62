"""Frozen attrs classes mirroring application.yml and service.yml of the exo-deploy era.

Each field is a `key(...)` with its Spec (model.spec): the checks, the JSON Schema and
docs/manifest.md are derived from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.model.constraints import (
    ALARM_DEFAULTS,
    BUS_TYPES,
    CERTIFICATE_ARN_PATTERN,
    CONTAINER_INSIGHTS,
    CONTAINER_USER_PATTERN,
    DEFAULT_EXOCOM_INSTANCE_TYPE,
    DEFAULT_INSTANCE_TYPE,
    ENV_NAME_PATTERN,
    HOSTNAME_PATTERN,
    LISTENER_PRIORITIES,
    LOG_RETENTION_DAYS,
    MAX_AVAILABILITY_ZONES,
    MESSAGE_PATTERN,
    REGION_PATTERN,
    ROLE_PATTERN,
    SECRET_EXPECTED,
    SECRET_PATTERN,
    SLUG_MAX,
    SLUG_PATTERN,
)
from exosphere_cdk.manifest.model.spec import Spec, key

ACCOUNT_PATTERN = r"^[0-9]{12}$"
_CLUSTER_SIZE = "{} cluster's EC2 instance type (`family.size`)"
_ENV_NAMES = Spec(
    pattern=ENV_NAME_PATTERN,
    noun="variable name",
    expected="letters, digits and '_', not starting with a digit",
)

_ROLES = Spec(
    pattern=ROLE_PATTERN,
    noun="service name",
    expected="a DNS label: lowercase letters, digits and '-', at most 32 characters, "
    "not starting or ending with '-'",
)


# ---------------------------------------------------------------- application.yml


@frozen
class Bus:
    """`bus:` (Exosphere 0.21) or an entry of `dependencies:` (Exosphere 0.22)."""

    type: str = key(doc="the message bus", enum=BUS_TYPES)
    version: str = key(
        doc="ExoCom's version: the image `originate/exocom:<version>`, started as that release"
        " needs (docs/architecture.md#exocom-releases)",
        enum=exocom.VERSIONS,
        noun="version",
        expected="a released ExoCom: " + exocom.supported_versions_text(),
    )


@frozen
class AwsProvider:
    """`environments.<env>.providers.aws`."""

    region: str | None = key(
        default=None,
        doc="the AWS region of every stack",
        default_doc="not pinned: the deploying credentials' region",
        pattern=REGION_PATTERN,
        noun="region",
        expected="an AWS region like 'us-west-2'",
    )
    public_cluster_size: str = key(
        "public-cluster-size",
        default=DEFAULT_INSTANCE_TYPE,
        doc=_CLUSTER_SIZE.format("the public"),
    )
    private_cluster_size: str = key(
        "private-cluster-size",
        default=DEFAULT_INSTANCE_TYPE,
        doc=_CLUSTER_SIZE.format("the private"),
    )
    remote_state_store: str | None = key(
        "remote-state-store",
        default=None,
        doc="exo-deploy's Terraform state bucket: no meaning under CloudFormation (a notice)",
        default_doc="none",
    )
    account_id: str | None = key(
        "account-id",
        default=None,
        doc="the AWS account of every stack of the environment (Exosphere's key): the CDK"
        " deploys them to no other, and status, logs and remove refuse other credentials",
        default_doc="not pinned: the deploying credentials' account",
        extension=True,
        pattern=ACCOUNT_PATTERN,
        noun="account",
        expected="a 12-digit AWS account id",
    )
    account: str | None = key(
        default=None,
        doc="deprecated: the former name of `account-id` (a warning; both together are an error)",
        default_doc="`account-id`",
        extension=True,
        pattern=ACCOUNT_PATTERN,
        noun="account",
        expected="a 12-digit AWS account id",
    )
    availability_zones: int = key(
        "availability-zones",
        default=2,
        doc="availability zones of the VPC",
        extension=True,
        minimum=2,
        maximum=MAX_AVAILABILITY_ZONES,
    )
    nat_gateways: int = key(
        "nat-gateways",
        default=1,
        doc="NAT gateways for the private subnets' egress, at most one per availability zone",
        extension=True,
        minimum=1,
        maximum=MAX_AVAILABILITY_ZONES,
    )
    hosted_zone_id: str | None = key(
        "hosted-zone-id",
        default=None,
        doc="an existing Route53 public zone for `domain` (needs `domain`)",
        default_doc="a new public zone is created for `domain`",
        extension=True,
        pattern=r"^Z[A-Z0-9]{1,31}$",
        noun="hosted zone id",
        expected="an id like 'Z0123456789ABCDEFGHIJ'",
    )
    certificate_arn: str | None = key(
        "certificate-arn",
        default=None,
        doc="an existing ACM certificate for `domain`, in the app's region",
        default_doc="a DNS-validated ACM certificate is created for `domain`",
        extension=True,
        pattern=CERTIFICATE_ARN_PATTERN,
        noun="certificate ARN",
        expected="'arn:aws:acm:<region>:<account>:certificate/<id>'",
    )
    public_cluster_min: int = key(
        "public-cluster-min",
        default=1,
        doc="fewest instances of the public cluster",
        extension=True,
        minimum=0,
        maximum=100,
    )
    public_cluster_max: int = key(
        "public-cluster-max",
        default=2,
        doc="most instances of the public cluster (at least public-cluster-min)",
        extension=True,
        minimum=1,
        maximum=100,
    )
    private_cluster_min: int = key(
        "private-cluster-min",
        default=1,
        doc="fewest instances of the private cluster",
        extension=True,
        minimum=0,
        maximum=100,
    )
    private_cluster_max: int = key(
        "private-cluster-max",
        default=2,
        doc="most instances of the private cluster (at least private-cluster-min)",
        extension=True,
        minimum=1,
        maximum=100,
    )
    exocom_cluster_size: str = key(
        "exocom-cluster-size",
        default=DEFAULT_EXOCOM_INSTANCE_TYPE,
        doc="ExoCom's EC2 instance type (`family.size`)",
        extension=True,
    )
    log_retention_days: int = key(
        "log-retention-days",
        default=30,
        doc="how long CloudWatch Logs keeps the logs of the services and ExoCom",
        extension=True,
        enum=LOG_RETENTION_DAYS,
        unit="days",
        expected="one of CloudWatch's: " + ", ".join(map(str, LOG_RETENTION_DAYS)),
    )
    waf: bool = key(
        default=False,
        doc="an AWS WAF web ACL on the load balancer with AWS's managed rule groups (common "
        "rules, known bad inputs, IP reputation); priced by `exo-cdk cost`",
        extension=True,
    )
    dockerhub_credentials: str | None = key(
        "dockerhub-credentials",
        default=None,
        doc='Secrets Manager secret holding `{"username": …, "password": …}`: the repository '
        "credentials of every Docker Hub image, ExoCom's included",
        default_doc="Docker Hub images are pulled anonymously (about 10 pulls an hour per NAT "
        "address)",
        extension=True,
        pattern=SECRET_PATTERN,
        noun="secret name",
        expected=SECRET_EXPECTED,
    )
    alarms: bool = key(
        default=True,
        doc="CloudWatch alarms to the notifications topic, rolling back a failing deployment; "
        "false turns every alarm off (thresholds: a service's `production.aws.alarms`)",
        extension=True,
    )
    container_insights: str = key(
        "container-insights",
        default="enhanced",
        doc="CloudWatch Container Insights on every cluster (`disabled` also drops the "
        "running-tasks alarms, which read its metrics)",
        extension=True,
        enum=CONTAINER_INSIGHTS,
        expected=", ".join(CONTAINER_INSIGHTS),
    )
    ecs_exec: bool = key(
        "ecs-exec",
        default=False,
        doc="ECS Exec into the containers of the services and ExoCom (`aws ecs execute-command`); "
        "a session is logged to the container's log group",
        extension=True,
    )
    ssm: bool = key(
        default=False,
        doc="Session Manager on the instances of every cluster (`aws ssm start-session`)",
        extension=True,
    )


@frozen
class Providers:
    aws: AwsProvider = key(default=AwsProvider(), doc="Amazon Web Services")


@frozen
class Environment:
    """The deployed environment, `environments.<env>` (default `production`; never `local`)."""

    domain: str | None = key(
        default=None,
        doc="the public DNS zone the public services' urls live in; each environment has its own",
        default_doc="no domain: HTTP only, routed by host header",
        pattern=HOSTNAME_PATTERN,
        noun="domain",
        expected="a lowercase DNS name like 'example.com'",
    )
    providers: Providers = key(default=Providers(), doc="where the app is deployed")
    urls: Mapping[str, str] = key(
        factory=dict,
        doc="a public service's url in this environment, by role (outside production;"
        " production's are `production.url`)",
        default_doc="outside production: the production url with production's domain replaced"
        " by this environment's (`api.<production domain>` → `api.<domain>`)",
        extension=True,
        names=_ROLES,
        pattern=HOSTNAME_PATTERN,
        noun="url",
        expected="a lowercase host name like 'www.example.com' (no scheme, no path)",
    )


@frozen
class ServiceRef:
    """An entry of `services.public` / `services.private`."""

    location: str | None = key(
        default=None,
        doc="the service's folder (holding service.yml), inside the app's folder",
        default_doc="no folder: `docker_image` is run with defaults",
    )
    docker_image: str | None = key(
        default=None,
        doc="the image to run",
        default_doc="the folder's Dockerfile, else `<author>/<type>` of service.yml",
        pattern=r"^[a-z0-9][A-Za-z0-9._/:@-]*$",
        noun="image",
        expected="an image name like 'originate/exocom:0.21.8'",
    )
    namespace: str | None = key(
        default=None,
        doc="ExoCom's translation: `<namespace>.x` in service.yml is `<role>.x` on the bus",
        default_doc="none: messages keep their names",
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$",
        noun="namespace",
        expected="a message prefix: letters, digits, '-' and '_', without dots",
    )
    messages: Messages | None = key(
        default=None,
        doc="the messages of a service that has no service.yml here (`docker_image` only)",
        default_doc="the messages of the service's service.yml; a service without one is an"
        " error (ExoCom would refuse every message it sends)",
        extension=True,
    )


@frozen
class Services:
    public: Mapping[str, ServiceRef] = key(
        factory=dict, doc="services behind the load balancer, by role", names=_ROLES
    )
    private: Mapping[str, ServiceRef] = key(
        factory=dict, doc="services reached only through ExoCom, by role", names=_ROLES
    )


@frozen
class Application:
    """application.yml."""

    name: str = key(doc="the app's name (free text)")
    description: str | None = key(default=None, doc="free text", default_doc="none")
    version: str | None = key(default=None, doc="free text", default_doc="none")
    author: str | None = key(default=None, doc="free text", default_doc="none")
    bus: Bus | None = key(
        default=None,
        doc="the message bus (Exosphere 0.21); this or `dependencies`",
        default_doc="`dependencies`",
    )
    dependencies: tuple[Bus, ...] = key(
        default=(), doc="Exosphere 0.22's form of the bus: `[{type: exocom, version: X}]`"
    )
    #: Raw: only the deployed environment is read (strictly), the others are not.
    environments: Mapping[str, Any] = key(
        factory=dict,
        doc="environments by name; the deployed one (default `production`) is read, and"
        " production's domain, from which the others' urls are derived",
    )
    services: Services = key(default=Services(), doc="the app's services")
    slug: str | None = key(
        default=None,
        doc="the prefix of every stack name",
        default_doc="derived from `name`: CamelCase split, lowercased, other characters "
        "→ `-`, cut to 40 at a `-` (`SpaceTweet` → `space-tweet`)",
        extension=True,
        pattern=SLUG_PATTERN,
        noun="slug",
        expected=f"lowercase letters, digits and '-', starting with a letter, at most {SLUG_MAX} "
        "characters (it starts every stack name)",
    )


# ---------------------------------------------------------------- service.yml


@frozen
class Startup:
    command: str | None = key(
        default=None,
        doc="the container's command, split like a POSIX shell (quotes group words)",
        default_doc="the image's own command",
    )
    online_text: str | None = key(
        "online-text", default=None, doc="accepted, not used", default_doc="none"
    )


@frozen
class Messages:
    sends: tuple[str, ...] = key(
        default=(),
        doc="the messages the service sends",
        pattern=MESSAGE_PATTERN,
        noun="message name",
        expected="a name without spaces or control characters",
    )
    receives: tuple[str, ...] = key(
        default=(),
        doc="the messages the service receives",
        pattern=MESSAGE_PATTERN,
        noun="message name",
        expected="a name without spaces or control characters",
    )


@frozen
class SecretRef:
    """A Secrets Manager secret: `NAME` or `{name: NAME, json-key: KEY}`."""

    name: str = key(
        doc="the secret's name or ARN",
        pattern=SECRET_PATTERN,
        noun="secret name",
        expected=SECRET_EXPECTED,
        shorthand=True,
    )
    json_key: str | None = key(
        "json-key",
        default=None,
        doc="a key of the secret's JSON: the variable gets its value",
        default_doc="the whole secret",
        # ECS reads `<secret ARN>:<json-key>:<version-stage>:<version-id>`: a ':' in
        # the key would move the rest into the version fields
        pattern="^[^:]+$",
        noun="JSON key",
        expected="a key of the secret's JSON, without ':' (ECS splits the secret reference at ':')",
    )


@frozen
class ServiceDependency:
    """`dependencies.<name>` of a service (e.g. `mongo`)."""

    version: str | None = key(default=None, doc="accepted, not used", default_doc="none")
    docker_flags: Mapping[str, str] | None = key(
        default=None, doc="accepted, not used (local development)", default_doc="none"
    )
    prod: str | None = key(
        default=None,
        doc="the database's address, given to the service as MONGO (mongo only)",
        default_doc="none: the service gets no MONGO (a notice)",
    )
    secret: str | None = key(
        default=None,
        doc="Secrets Manager secret with `username` and `password` for MONGODB_USER and "
        "MONGODB_PW (mongo only)",
        default_doc="`<slug>/mongo` (`<slug>-<env>/mongo` outside production)",
        extension=True,
        pattern=SECRET_PATTERN,
        noun="secret name",
        expected=SECRET_EXPECTED,
    )


@frozen
class AlarmThresholds:
    """`production.aws.alarms` of a service: when its alarms go off."""

    cpu_percent: int = key(
        "cpu-percent",
        default=ALARM_DEFAULTS["cpu_percent"],
        doc="average CPU utilisation of the service for 15 minutes (of the CPU units reserved)",
        extension=True,
        minimum=1,
        maximum=1000,
        unit="percent",
    )
    memory_percent: int = key(
        "memory-percent",
        default=ALARM_DEFAULTS["memory_percent"],
        doc="average memory utilisation of the service for 15 minutes (of its memory)",
        extension=True,
        minimum=1,
        maximum=100,
        unit="percent",
    )
    server_errors_percent: int = key(
        "5xx-percent",
        default=ALARM_DEFAULTS["server_errors_percent"],
        doc="share of the requests answered 5xx by the service's tasks, in 3 of 5 minutes "
        "(public services; rolls back a deployment)",
        extension=True,
        minimum=1,
        maximum=100,
        unit="percent",
    )
    p99_ms: int = key(
        "p99-ms",
        default=ALARM_DEFAULTS["p99_ms"],
        doc="99th percentile of the tasks' response time for 5 minutes (public services)",
        extension=True,
        minimum=1,
        maximum=600000,
        unit="ms",
    )
    unhealthy_hosts: int = key(
        "unhealthy-hosts",
        default=ALARM_DEFAULTS["unhealthy_hosts"],
        doc="tasks failing the load balancer's health check for 5 minutes (public services)",
        extension=True,
        minimum=1,
        maximum=1000,
    )


@frozen
class AwsService:
    """`production.aws` of a service."""

    cpu: int = key(
        default=100,
        doc="the container's CPU units (1024 = 1 vCPU)",
        minimum=1,
        maximum=16384,
        unit="CPU units (1024 = 1 vCPU)",
    )
    memory: int = key(
        default=500,
        doc="the container's memory (hard limit)",
        minimum=6,
        maximum=122880,
        unit="MiB",
    )
    essential: bool = key(
        default=True, doc="accepted: a service's only container is always essential"
    )
    public_port: int | None = key(
        "public-port",
        default=None,
        doc="the container port the load balancer routes to (public services)",
        default_doc="no route to the service",
        minimum=1,
        maximum=65535,
    )
    health_check_path: str = key(
        "health-check-path",
        default="/",
        doc="the load balancer's health check path",
        extension=True,
        pattern="^/",
        expected="a path starting with '/'",
    )
    min_tasks: int = key(
        "min-tasks",
        default=1,
        doc="fewest tasks; above 1 only with an ExoCom that routes to several tasks of a role"
        f" ({exocom.SEVERAL_PER_ROLE_FROM} and later)",
        extension=True,
        minimum=1,
        maximum=1000,
    )
    max_tasks: int | None = key(
        "max-tasks",
        default=None,
        doc="most tasks (autoscaling on CPU; at least min-tasks); above 1 only with an ExoCom that"
        f" routes to several tasks of a role ({exocom.SEVERAL_PER_ROLE_FROM} and later)",
        default_doc="min-tasks: no task-count autoscaling",
        extension=True,
        minimum=1,
        maximum=1000,
    )
    cpu_target: int = key(
        "cpu-target",
        default=70,
        doc="the CPU utilisation autoscaling keeps the tasks at (max-tasks above min-tasks)",
        extension=True,
        minimum=1,
        maximum=100,
        unit="percent",
    )
    read_only_root: bool = key(
        "read-only-root",
        default=False,
        doc="mount the container's root file system read-only (the service must then write "
        "nothing to its file system)",
        extension=True,
    )
    user: str | None = key(
        default=None,
        doc="the user the container runs as: a name or uid, optionally with `:group` or `:gid`",
        default_doc="the image's user (`USER` in its Dockerfile; root when it names none)",
        extension=True,
        pattern=CONTAINER_USER_PATTERN,
        noun="user",
        expected="a user name or uid, optionally ':group' (e.g. 'node' or '1000:1000')",
    )
    listener_priority: int | None = key(
        "listener-priority",
        default=None,
        doc="the load balancer rule's priority; set it when two services collide",
        default_doc="derived from the role (`sha256(role) % 40000 + 1`), stable as services "
        "come and go; 50000 for the catch-all",
        extension=True,
        minimum=LISTENER_PRIORITIES[0],
        maximum=LISTENER_PRIORITIES[1],
    )
    alarms: AlarmThresholds = key(
        default=AlarmThresholds(),
        doc="the thresholds of the service's alarms (off app-wide with providers.aws `alarms: "
        "false`)",
        extension=True,
    )


@frozen
class Production:
    """`production` of a service."""

    url: str | None = key(
        default=None,
        doc="the host name the load balancer routes to the service (public services)",
        default_doc="the load balancer's catch-all (one public service at most)",
        pattern=HOSTNAME_PATTERN,
        noun="url",
        expected="a lowercase host name like 'www.example.com' (no scheme, no path)",
    )
    aws: AwsService = key(default=AwsService(), doc="the service's task on AWS")
    environment: Mapping[str, str] = key(
        factory=dict,
        doc="plain environment variables (numbers are kept as written)",
        extension=True,
        names=_ENV_NAMES,
    )
    secrets: Mapping[str, SecretRef] = key(
        factory=dict,
        doc="environment variables read from Secrets Manager when the task starts",
        extension=True,
        names=_ENV_NAMES,
    )


@frozen
class Service:
    """service.yml."""

    type: str | None = key(
        default=None, doc="with `author`, the image `<author>/<type>`", default_doc="none"
    )
    description: str | None = key(default=None, doc="free text", default_doc="none")
    author: str | None = key(
        default=None, doc="with `type`, the image `<author>/<type>`", default_doc="none"
    )
    setup: Any = key(default=None, doc="accepted, not used (local development)")
    tests: Any = key(default=None, doc="accepted, not used (local development)")
    startup: Startup = key(default=Startup(), doc="how the container starts")
    messages: Messages = key(default=Messages(), doc="the service's messages on the bus")
    docker: Any = key(default=None, doc="ignored with a notice (local development)")
    restart: Any = key(default=None, doc="ignored with a notice (local development)")
    dependencies: Mapping[str, ServiceDependency] = key(
        factory=dict, doc="the service's dependencies by name; `mongo` is provided for"
    )
    production: Production = key(default=Production(), doc="the deployed service")
