"""Before a deploy: what would make it fail halfway, checked with boto3, one finding per line.

Credentials and the pinned account, the CDK bootstrap stack and its version,
Docker for Dockerfile services, the Secrets Manager secrets the services read,
the domain's delegation, the ECS service-linked role, and the quotas we can
read (VPCs, Elastic IPs, load balancers). Nothing here prints or changes AWS;
Docker and DNS are reached through callables the caller can replace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import boto3  # type: ignore[import-untyped]
from attrs import frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import APP_TAG, design
from exosphere_cdk.manifest.design.app import secret_readers as design_secret_readers
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops import dns
from exosphere_cdk.ops.aws import AwsError, aws_errors
from exosphere_cdk.ops.docker import DockerState, probe_docker
from exosphere_cdk.ops.quotas import quotas

__all__ = [
    "BOOTSTRAP_PARAMETER",
    "BOOTSTRAP_STACK",
    "ECS_ROLE",
    "Finding",
    "Preflight",
    "Severity",
    "check_credentials",
    "ensure_ecs_role",
    "preflight",
    "required_bootstrap_version",
    "secret_readers",
]

Severity = Literal["error", "warning", "notice", "ok"]
#: The CDK's default bootstrap stack and the SSM parameter holding its version.
BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
#: The role ECS needs before the first capacity provider of an account.
ECS_ROLE = "AWSServiceRoleForECS"
_OK_STACK = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")


@frozen
class Finding:
    """One check's outcome: `error` stops a deploy, `warning` and `notice` do not."""

    check: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.check}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "message": self.message}


@frozen
class Preflight:
    """Every finding, and the account and region they are about (None when unknown)."""

    account: str | None
    region: str | None
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    def finding(self, check: str) -> Finding | None:
        return next((f for f in self.findings if f.check == check), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": not self.errors,
            "account": self.account,
            "region": self.region,
            "findings": [f.as_json() for f in self.findings],
        }


def required_bootstrap_version(templates: Mapping[str, Mapping[str, Any]]) -> int | None:
    """The bootstrap version the templates require: their CheckBootstrapVersion rules.

    The rule refuses the versions it lists (`Fn::Not [Fn::Contains [["1", ..., "5"],
    Ref BootstrapVersion]]`): the first version it accepts is the highest listed plus one.
    """
    required: int | None = None
    for template in templates.values():
        rule = template.get("Rules", {}).get("CheckBootstrapVersion", {})
        for assertion in rule.get("Assertions", []):
            try:
                refused = assertion["Assert"]["Fn::Not"][0]["Fn::Contains"][0]
                version = max(int(v) for v in refused) + 1
            except (KeyError, IndexError, TypeError, ValueError):
                continue
            required = version if required is None else max(required, version)
    return required


def public_name_servers(name: str) -> list[str] | None:
    """The NS records public DNS answers for `name` ([] for none), None when it cannot say
    (ops.dns.public_name_servers, the one question asked of public DNS)."""
    answer = dns.public_name_servers(name)
    return None if answer.name_servers is None else list(answer.name_servers)


def preflight(
    app: LoadedApp,
    session: boto3.Session,
    *,
    templates: Mapping[str, Mapping[str, Any]] | None = None,
    docker: Callable[[], DockerState] = probe_docker,
    resolver: Callable[[str], list[str] | None] = public_name_servers,
) -> Preflight:
    """Every check of `app` against the account and region the session deploys it to.

    `templates` (by stack name) give the bootstrap version required; without
    them the version is not compared. Without usable credentials only the
    checks that need none (Docker) follow the credentials' error.
    """
    findings = [*_docker(app, docker)]
    try:
        with aws_errors():
            region = app.aws.region or session.region_name
            account, first = _identity(app, session, region)
    except AwsError as exc:
        return Preflight(None, None, (Finding("credentials", "error", str(exc)), *findings))
    if first.severity == "error" or region is None:
        return Preflight(account, region, (first, *findings))
    checks: tuple[tuple[str, Callable[[], list[Finding]]], ...] = (
        ("bootstrap", lambda: [_bootstrap(session, account, region, _required(templates))]),
        ("secrets", lambda: _secrets(app, session, region)),
        ("dns", lambda: _delegation(app, session, resolver)),
        ("ecs role", lambda: [_ecs_role(session)]),
        ("quotas", lambda: _quotas(app, session, region)),
    )
    found = [first]
    for name, check in checks:
        try:
            with aws_errors():
                found.extend(check())
        except AwsError as exc:  # refused this one call (AccessDenied): the others still run
            found.append(Finding(name, "warning", f"cannot tell: {exc}"))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            why = f"cannot tell: {error.get('Code')}: {error.get('Message')}"
            found.append(Finding(name, "warning", why))
    return Preflight(account, region, (*found, *findings))


def check_credentials(app: LoadedApp, session: boto3.Session) -> tuple[str, str]:
    """The account and region the session deploys `app` to; AwsError when it cannot.

    The first check of the preflight alone (no credentials, refused ones, another
    account than the app pins, no region), for commands that change nothing else.
    """
    with aws_errors():
        region = app.aws.region or session.region_name
        account, finding = _identity(app, session, region)
    if finding.severity == "error" or region is None:
        raise AwsError(finding.message)
    return account, region


def _required(templates: Mapping[str, Mapping[str, Any]] | None) -> int | None:
    return required_bootstrap_version(templates or {})


def _identity(app: LoadedApp, session: boto3.Session, region: str | None) -> tuple[str, Finding]:
    identity = session.client("sts", region_name=region).get_caller_identity()
    account, arn = identity["Account"], identity["Arn"]
    pinned = app.aws.account
    if pinned is not None and pinned != account:
        return account, Finding(
            "credentials",
            "error",
            f"the credentials are for account {account} ({arn}), the app deploys to {pinned}"
            f" ({app.source.at('aws.account').path}): use credentials of {pinned}"
            " (AWS_PROFILE or --profile)",
        )
    if region is None:
        return account, Finding(
            "credentials",
            "error",
            f"no AWS region: the app sets none (environments.{app.env_name}.providers.aws.region);"
            " set AWS_REGION or the profile's region",
        )
    return account, Finding("credentials", "ok", f"account {account} in {region} as {arn}")


def _bootstrap(session: boto3.Session, account: str, region: str, required: int | None) -> Finding:
    run = f"run `npx cdk bootstrap aws://{account}/{region}` from the exosphere-cdk checkout"
    cfn = session.client("cloudformation", region_name=region)
    try:
        stack = cfn.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        return Finding(
            "bootstrap", "error", f"account {account} is not bootstrapped in {region}: {run}"
        )
    status = stack["StackStatus"]
    if status not in _OK_STACK:
        return Finding("bootstrap", "error", f"{BOOTSTRAP_STACK} in {region} is {status}: {run}")
    ssm = session.client("ssm", region_name=region)
    try:
        version = int(ssm.get_parameter(Name=BOOTSTRAP_PARAMETER)["Parameter"]["Value"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise
        return Finding(
            "bootstrap",
            "error",
            f"{BOOTSTRAP_STACK} in {region} has no version parameter"
            f" ({BOOTSTRAP_PARAMETER}): {run} again",
        )
    if required is not None and version < required:
        return Finding(
            "bootstrap",
            "error",
            f"{BOOTSTRAP_STACK} in {region} is version {version}, the templates need {required}"
            f" or later: {run} again",
        )
    return Finding("bootstrap", "ok", f"{BOOTSTRAP_STACK} version {version} in {region}")


def _docker(app: LoadedApp, docker: Callable[[], DockerState]) -> list[Finding]:
    built = [s.role for s in app.services if s.image.kind == "asset"]
    if not built:
        return []
    names = ", ".join(built)
    state = docker()
    if not state.installed:
        return [
            Finding(
                "docker",
                "error",
                f"docker is not installed (not on PATH): {names} build their image from a"
                " Dockerfile; install Docker, or give them a docker_image",
            )
        ]
    if not state.running:
        return [
            Finding(
                "docker",
                "error",
                f"Docker is not running (`docker info`: {state.detail}): start it; {names}"
                " build their image from a Dockerfile",
            )
        ]
    return [Finding("docker", "ok", f"Docker is running, for {names}")]


def secret_readers(app: LoadedApp) -> dict[str, list[str]]:
    """Every Secrets Manager secret the app reads, with who reads it (sorted by name): the
    design's (design.app.secret_readers, which cost counts too)."""
    return design_secret_readers(design(app))


def _without(readers: list[str], data: str | None) -> str:
    """What fails without the secret: services' tasks, the data stack's deploy, or both."""
    stack = [r for r in readers if data is not None and r.startswith(f"{data} ")]
    tasks = "its service's tasks cannot start without it" * (len(stack) < len(readers))
    deploy = f"{data} cannot deploy without it" if stack else ""
    return ", and ".join(part for part in (tasks, deploy) if part)


def _secrets(app: LoadedApp, session: boto3.Session, region: str) -> list[Finding]:
    found = []
    plan = design(app)
    data = plan.data.name if plan.data is not None else None
    for name, readers in design_secret_readers(plan).items():
        where = name.split(":")[3] if name.startswith("arn:") else region
        client = session.client("secretsmanager", region_name=where)
        try:
            secret = client.describe_secret(SecretId=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            secret = None
        read_by = f"read by {', '.join(readers)}"
        if secret is None or secret.get("DeletedDate") is not None:
            state = "does not exist" if secret is None else "is scheduled for deletion"
            found.append(
                Finding(
                    "secrets",
                    "error",
                    f"secret {name} {state} in {where} ({read_by}): create it"
                    f" (docs/operations.md#secrets); {_without(readers, data)}",
                )
            )
        else:
            found.append(Finding("secrets", "ok", f"secret {name} exists ({read_by})"))
    return found


def _delegation(
    app: LoadedApp, session: boto3.Session, resolver: Callable[[str], list[str] | None]
) -> list[Finding]:
    if app.domain is None:
        return []
    domain, zone_id = app.domain, app.aws.hosted_zone_id
    route53 = session.client("route53")
    if zone_id is None:
        zone_id = _app_zone(route53, domain, app.slug)
        if zone_id is None:
            return [
                Finding(
                    "dns",
                    "notice",
                    f"the deploy creates the hosted zone {domain}: register its name servers"
                    f" (output NameServers of {derive.stack_name(app, 'dns')}) at your domain's"
                    " registrar while it waits for the certificate",
                )
            ]
    try:
        expected = sorted(_norm(n) for n in _zone_name_servers(route53, zone_id))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchHostedZone":
            raise
        return [
            Finding(
                "dns",
                "error",
                f"hosted zone {zone_id} (environments.{app.env_name}.providers.aws."
                f"hosted-zone-id) does not exist in the account: give the id of {domain}'s zone",
            )
        ]
    answer = resolver(domain)
    if answer is None:
        return [
            Finding(
                "dns",
                "warning",
                f"cannot tell whether {domain} is delegated to zone {zone_id}: public DNS gave"
                " no answer (offline?)",
            )
        ]
    return [_delegation_finding(app, zone_id, expected, sorted(_norm(n) for n in answer))]


def _delegation_finding(
    app: LoadedApp, zone_id: str, expected: list[str], answer: list[str]
) -> Finding:
    domain = app.domain
    if answer == expected:
        return Finding("dns", "ok", f"{domain} is delegated to zone {zone_id}")
    # Without our certificate nothing waits on DNS: the app is only unreachable by its name.
    severity: Severity = "error" if app.aws.certificate_arn is None else "warning"
    got = f"other name servers ({', '.join(answer)})" if answer else "no name servers"
    return Finding(
        "dns",
        severity,
        f"{domain} is not delegated to zone {zone_id}: public DNS answers {got}; register"
        f" {', '.join(expected)} at your domain's registrar (or in its parent zone)",
    )


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


def _app_zone(route53: Any, domain: str, slug: str) -> str | None:
    """The public zone named `domain` that carries the app's tag (the one its dns stack made)."""
    name = f"{domain}."
    for zone in route53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]:
        if zone["Name"] != name or zone.get("Config", {}).get("PrivateZone"):
            continue
        zone_id = zone["Id"].removeprefix("/hostedzone/")
        tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)
        if any(
            t["Key"] == APP_TAG and t["Value"] == slug
            for t in tags["ResourceTagSet"].get("Tags", [])
        ):
            return str(zone_id)
    return None


def _zone_name_servers(route53: Any, zone_id: str) -> list[str]:
    answer = route53.get_hosted_zone(Id=zone_id)
    return list(answer.get("DelegationSet", {}).get("NameServers", []))


def _ecs_role(session: boto3.Session) -> Finding:
    try:
        session.client("iam").get_role(RoleName=ECS_ROLE)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        return Finding(
            "ecs role",
            "notice",
            f"the account has no ECS service-linked role ({ECS_ROLE}) yet: `exo-cdk deploy`"
            " creates it first (by hand: `aws iam create-service-linked-role"
            " --aws-service-name ecs.amazonaws.com`)",
        )
    return Finding("ecs role", "ok", f"{ECS_ROLE} exists")


def ensure_ecs_role(session: boto3.Session) -> bool:
    """Create the ECS service-linked role when the account has none; True when it was created."""
    with aws_errors():
        if _ecs_role(session).severity == "ok":
            return False
        session.client("iam").create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    return True


def _quotas(app: LoadedApp, session: boto3.Session, region: str) -> list[Finding]:
    """A finding per quota: an error when the app's new resources do not fit under it."""
    found = []
    for q in quotas(app, session, region):
        if q.used + q.needed > q.limit:
            message = (
                f"{q.name}: {q.used} of {q.limit} in use in {region} and the app needs"
                f" {q.needed} more: free some or ask AWS for more ({q.source})"
            )
            found.append(Finding("quotas", "error", message))
        else:
            message = f"{q.name}: {q.used} of {q.limit} in use, the app adds {q.needed}"
            found.append(Finding("quotas", "ok", message))
    return found
