"""Limits and formats every manifest era shares: names AWS accepts, reserved names, defaults."""

from __future__ import annotations

import re

#: Longest stack name prefix: leaves room for `-<role>` suffixes within CloudFormation's 128.
SLUG_MAX = 40
#: A stack name prefix: starts with a letter (CloudFormation), a lowercase DNS label.
SLUG_PATTERN = rf"^[a-z]([a-z0-9-]{{0,{SLUG_MAX - 2}}}[a-z0-9])?$"
#: The environment whose AWS names are the slug's alone (`<slug>-network`, ...): every other
#: environment's names start with `<slug>-<env>` (design.derive.deployment_name).
PRODUCTION = "production"
#: Exosphere's development environment (`exo run` on a developer's machine): never deployed.
LOCAL = "local"
#: Longest name of an environment other than production (it is part of every AWS name).
ENV_MAX = 20
#: An environment deployed beside production: a lowercase DNS label, as the slug.
DEPLOYED_ENV_PATTERN = rf"^[a-z]([a-z0-9-]{{0,{ENV_MAX - 2}}}[a-z0-9])?$"
#: A Docker tag (ExoCom's image is `originate/exocom:<version>`).
TAG_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
#: The bus types the deployment knows.
BUS_TYPES = ("exocom",)
#: Service names (roles): DNS labels of at most 32 characters, so that names
#: derived from them (target groups, stacks `<slug>-<role>`) stay within AWS limits.
ROLE_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"
#: The app's own stacks, `<slug>-<part>`; a service's stack is `<slug>-<role>`. The
#: dashboard stack (`monitoring`) deploys after the services it shows.
STACK_PARTS = ("network", "zone", "dns", "platform", "exocom", "monitoring")
#: Roles a service may not take: its stack would be one of the app's own.
RESERVED_ROLES = tuple(sorted(STACK_PARTS))
#: The part of the databases' stack name, after `exocom` in STACK_PARTS' order: only an app
#: with databases has that stack, and only its services may not take the name.
DATA_STACK_PART = "data"
#: A lowercase DNS name of at least two labels.
HOSTNAME_PATTERN = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
#: A Secrets Manager secret's name or ARN.
SECRET_PATTERN = r"^([A-Za-z0-9/_+=.@-]{1,512}|arn:aws(-[a-z]+)*:secretsmanager:\S+)$"
SECRET_EXPECTED = "a Secrets Manager name or ARN"
#: An environment variable's name.
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: A container's user as Docker takes it: `user`, `uid`, `user:group`, `uid:gid`.
_USER_OR_ID = r"([a-z_][a-z0-9_.-]{0,31}|[0-9]{1,10})"
CONTAINER_USER_PATTERN = rf"^{_USER_OR_ID}(:{_USER_OR_ID})?$"
#: Environment variables set by the deployment itself.
RESERVED_ENV = ("EXOCOM_HOST", "EXOCOM_PORT", "ROLE", "MONGO", "MONGODB_USER", "MONGODB_PW")
#: Those of RESERVED_ENV set only for a service that uses Exosphere's mongo (the Go era's
#: apps keep MONGODB_USER and MONGODB_PW in their secrets store instead).
MONGO_ENV = ("MONGO", "MONGODB_USER", "MONGODB_PW")
#: The values CloudWatch Logs accepts for a retention in days.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
#: The instance type of the public and private clusters without `*-cluster-size`.
DEFAULT_INSTANCE_TYPE = "t3.small"
#: The instance type of ExoCom's host without `exocom-cluster-size`.
DEFAULT_EXOCOM_INSTANCE_TYPE = "t3.micro"
#: CloudWatch Container Insights settings of a cluster (ECS's `containerInsights`).
CONTAINER_INSIGHTS = ("enhanced", "enabled", "disabled")
#: CloudFormation's dynamic reference, as loosely as CloudFormation might read it.
DYNAMIC_REFERENCE = re.compile(r"\{\{\s*resolve\s*:", re.IGNORECASE)
#: The CDK's string and list tokens (`${Token[TOKEN.123]}`, `#{Token[TOKEN.123]}`).
CDK_TOKEN = re.compile(r"[$#]\{\s*Token\s*\[", re.IGNORECASE)
#: What no message name may hold, as a regular expression's class: C0 and C1 control
#: characters (printed to a terminal, an escape sequence runs) and the bidirectional
#: overrides (the name shown in another order than ExoCom routes it).
UNPRINTABLE = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
#: A message name of the exo-deploy era: no space, nothing UNPRINTABLE.
MESSAGE_PATTERN = rf"^[^\s{UNPRINTABLE}]+$"
#: An AWS region's shape (the list of AWS's own is data/aws_region_names.py).
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"
#: The most availability zones (and NAT gateways, at most one per zone) of the VPC.
MAX_AVAILABILITY_ZONES = 6
#: An ACM certificate's ARN: its fourth field is the region.
CERTIFICATE_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$"
#: The priorities a load balancer's listener rule takes.
LISTENER_PRIORITIES = (1, 50000)
#: The alarm thresholds of a service that sets none (and ExoCom's), by model.app.Alarms's names.
ALARM_DEFAULTS = {
    "cpu_percent": 85,
    "memory_percent": 85,
    "server_errors_percent": 5,
    "p99_ms": 2000,
    "unhealthy_hosts": 1,
}
