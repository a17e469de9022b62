"""An app deployed into moto's CloudFormation from its own synthesized templates.

The templates `cdk synth` writes are created stack by stack, in the order of the
assembly's dependencies, as they are but for what moto cannot do; each change
is made here, in the test, and never to what is deployed:

- `Fn::GetStackOutput` (the weak cross-stack references of cdk.json) is
  resolved from the outputs of the stacks created before: moto lacks it.
- Resources of a type moto's CloudFormation cannot create but its own API of
  that service can (`MADE_BY_API`: ACM certificates, which the load balancer's
  HTTPS listener must find in ACM) are made through that API before their
  stack, and deleted after it; a `Ref` to one becomes what the API returned
  (the certificate's ARN), in that stack and, through its outputs, in the
  stacks that read them.
- Resources of any other type moto's CloudFormation cannot create (Cloud Map
  services, capacity provider associations, topic policies, ...), and the
  Lambda functions and custom resources (moto would run their code in Docker;
  their code is in the bootstrap bucket, absent here) are left out; a
  reference to one becomes a placeholder string (an ARN-shaped one for `Arn`).
- `Fn::GetAtt` of a resource whose moto model answers no attribute (a hosted
  zone's `NameServers`: moto then drops every output of the stack) becomes a
  placeholder string (a list of one for a list attribute).
- An ECS service without `DesiredCount` (one that scales: CDK leaves its count
  to Application Auto Scaling, which raises it to its scalable target's
  `MinCapacity`) is given that minimum, where moto would give it 0; and moto's
  ECS services run as many tasks as `MOTO_ECS_SERVICE_RUNNING` says, set per
  stack to its service's desired count: every desired task runs.
- A hosted zone is tagged (its `HostedZoneTags`) through Route53's API once its
  stack is created: moto's CloudFormation creates it without them
  (`COMPLETED_BY_API`).
- The Rules section (the bootstrap version check) is left out; in an account
  not bootstrapped (`bootstrap` creates the CDKToolkit stack from the pinned
  CDK CLI's own template, as `cdk bootstrap` does) the bootstrap version
  parameter the templates read is put in place.
- A KMS key's tags are given in KMS's own form (`TagKey`/`TagValue`), and its
  policy as JSON text: moto's CloudFormation hands both to KMS unchanged.
- Deleting the network stack: moto fails to delete the VPC, which the network
  interfaces of its own (never terminated) cluster instances still hold, after
  it has dropped the stack; CloudFormation's API then knows the stack no more,
  as after `cdk destroy`, and `destroy` goes on. So after `destroy` moto still
  holds, of the app, the cluster instances (moto deletes an Auto Scaling group
  and leaves its instances running), the VPC and its flow log (`EC2_LEFT_BY_MOTO`),
  which AWS deletes with their stacks.

No strong reference needs relaxing: the templates refer to each other only
weakly (`Fn::GetStackOutput`, above), never by `Fn::ImportValue`.
Stack termination protection and the load balancer's deletion protection are
not CloudFormation template properties moto enforces (moto creates stacks
without protection), so nothing is relaxed for them. Retain policies are kept:
moto's CloudFormation keeps a retained resource when it deletes its stack, as
CloudFormation does, so `remove` finds what the stacks really keep.

Two things only make it faster, and change nothing: moto reads the templates
with json (PyYAML's pure-Python loader, which it tries first, is three times
slower on the same text), and the sessions made in `deployed_account` share
one botocore loader (each `exo-cdk` run makes a session of its own).
"""

from __future__ import annotations

import contextlib
import functools
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import boto3  # type: ignore[import-untyped]
import botocore.loaders  # type: ignore[import-untyped]
import botocore.session  # type: ignore[import-untyped]
import pytest
from attrs import field, frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from moto import mock_aws
from moto.cloudformation.models import Stack as MotoStack
from moto.cloudformation.parsing import get_model_map

from exosphere_cdk.ops.preflight import secret_readers
from tests import moto_app
from tests.ops.test_preflight import ecs_role
from tests.synth import Synthesized

#: Resource types left out whatever moto says it supports: code moto would run in Docker.
_NOT_RUN = ("Custom::", "AWS::Lambda::", "AWS::CloudFormation::CustomResource")
BOOTSTRAP_VERSION = "/cdk-bootstrap/hnb659fds/version"
#: What moto's CloudFormation leaves of a deleted app that AWS deletes with its stacks (the
#: module docstring says why): the kinds of resource in their EC2 ARNs.
EC2_LEFT_BY_MOTO = frozenset({"instance", "vpc", "flow-logs"})
#: Attributes that are lists (a placeholder for one is a list of one placeholder).
_LIST_ATTRIBUTES = frozenset({"NameServers"})


def _request_certificate(session: boto3.Session, region: str, properties: dict[str, Any]) -> str:
    acm = session.client("acm", region_name=region)
    given = {
        "SubjectAlternativeNames": properties.get("SubjectAlternativeNames"),
        "Tags": properties.get("Tags"),
    }
    answer = acm.request_certificate(
        DomainName=properties["DomainName"],
        ValidationMethod=properties.get("ValidationMethod", "DNS"),
        **{k: v for k, v in given.items() if v},
    )
    return str(answer["CertificateArn"])


def _delete_certificate(session: boto3.Session, region: str, arn: str) -> None:
    session.client("acm", region_name=region).delete_certificate(CertificateArn=arn)


#: Resource types moto's CloudFormation cannot create, made (and deleted) through their
#: service's own API instead: what makes one from its properties (its physical id), what
#: deletes it.
MADE_BY_API: dict[
    str,
    tuple[
        Callable[[boto3.Session, str, dict[str, Any]], str],
        Callable[[boto3.Session, str, str], None],
    ],
] = {"AWS::CertificateManager::Certificate": (_request_certificate, _delete_certificate)}


def _tag_zone(session: boto3.Session, zone_id: str, properties: dict[str, Any]) -> None:
    session.client("route53").change_tags_for_resource(
        ResourceType="hostedzone",
        ResourceId=zone_id.removeprefix("/hostedzone/"),
        AddTags=properties.get("HostedZoneTags", []),
    )


#: Resource types moto's CloudFormation creates without some of their properties, and what
#: gives the created resource (by physical id) those properties through its service's API.
COMPLETED_BY_API: dict[str, Callable[[boto3.Session, str, dict[str, Any]], None]] = {
    "AWS::Route53::HostedZone": _tag_zone,  # moto drops HostedZoneTags
}


def stack_order(outdir: Path) -> list[str]:
    """The assembly's stacks, each after every stack it depends on."""
    artifacts = json.loads((outdir / "manifest.json").read_text())["artifacts"]
    stacks = [n for n, a in artifacts.items() if a["type"] == "aws:cloudformation:stack"]
    ordered: list[str] = []
    while len(ordered) < len(stacks):
        for name in stacks:
            needs = [d for d in artifacts[name].get("dependencies", []) if d in stacks]
            if name not in ordered and all(d in ordered for d in needs):
                ordered.append(name)
    return ordered


def _template(outdir: Path, stack: str) -> dict[str, Any]:
    artifacts = json.loads((outdir / "manifest.json").read_text())["artifacts"]
    path = outdir / artifacts[stack]["properties"]["templateFile"]
    template: dict[str, Any] = json.loads(path.read_text())
    return template


class _Rewrite:
    """One template made creatable by moto (the module docstring lists each change)."""

    def __init__(
        self,
        outputs: dict[tuple[str, str], str],
        left_out: dict[str, str],
        region: str,
        made: dict[str, str],
        unreadable: frozenset[str] = frozenset(),
    ) -> None:
        self.outputs = outputs
        self.left_out = left_out
        self.region = region
        self.made = made
        self.unreadable = unreadable

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Fn::GetStackOutput" in value:
            ref = value["Fn::GetStackOutput"]
            key = (ref["StackName"], ref["OutputName"])
            return self.outputs.get(key, f"left-out-{ref['OutputName']}")
        if value.keys() == {"Ref"} and value["Ref"] in self.made:
            return self.made[value["Ref"]]
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in self.left_out:
            target, attribute = value["Fn::GetAtt"][:2]
            if attribute == "Arn":
                service = self.left_out[target].split("::")[1].lower()
                return f"arn:aws:{service}:{self.region}:123456789012:function:left-out-{target}"
            return f"left-out-{target}"
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in self.unreadable:
            target, attribute = value["Fn::GetAtt"][:2]
            placeholder = f"unread-{target}-{attribute}"
            return [placeholder] if attribute in _LIST_ATTRIBUTES else placeholder
        if value.keys() == {"Ref"} and value["Ref"] in self.left_out:
            return f"left-out-{value['Ref']}"
        return {k: self.value(v) for k, v in value.items()}


def creatable(
    template: dict[str, Any],
    outputs: dict[tuple[str, str], str],
    region: str,
    made: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`template` as moto can create it, given the outputs of the stacks created before and
    the physical ids of its resources `made` through their API (by logical id)."""
    made = made or {}
    models = get_model_map()
    resources: dict[str, Any] = template.get("Resources", {})
    left_out = {
        name: r["Type"]
        for name, r in resources.items()
        if name not in made and (r["Type"].startswith(_NOT_RUN) or r["Type"] not in models)
    }
    unreadable = frozenset(
        name
        for name, r in resources.items()
        if name not in left_out and not hasattr(models.get(r["Type"]), "get_cfn_attribute")
    )
    rewrite = _Rewrite(outputs, left_out, region, made, unreadable)
    kept = {
        n: rewrite.value(r) for n, r in resources.items() if n not in left_out and n not in made
    }
    for resource in kept.values():
        if resource["Type"] == "AWS::KMS::Key":
            tags = resource["Properties"].pop("Tags", [])
            resource["Properties"]["Tags"] = [
                {"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags
            ]
            resource["Properties"]["KeyPolicy"] = json.dumps(resource["Properties"]["KeyPolicy"])
    for name, count in desired_counts(template).items():
        kept[name]["Properties"]["DesiredCount"] = count
    body = {k: v for k, v in template.items() if k not in ("Rules", "Resources", "Outputs")}
    body["Resources"] = kept
    body["Outputs"] = rewrite.value(template.get("Outputs", {}))
    return body


def desired_counts(template: dict[str, Any]) -> dict[str, int]:
    """The desired count of each ECS service of `template`, by logical id: its DesiredCount,
    else (a service that scales) its scalable target's MinCapacity, else ECS's default, 1."""
    resources: dict[str, Any] = template.get("Resources", {})
    minimum = {
        ref: r["Properties"]["MinCapacity"]
        for r in resources.values()
        if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
        for ref in _get_att_targets(r["Properties"]["ResourceId"])
    }
    return {
        name: r["Properties"].get("DesiredCount", minimum.get(name, 1))
        for name, r in resources.items()
        if r["Type"] == "AWS::ECS::Service"
    }


def _get_att_targets(value: Any) -> list[str]:
    """The logical ids `value` reads an attribute of."""
    if isinstance(value, list):
        return [t for v in value for t in _get_att_targets(v)]
    if not isinstance(value, dict):
        return []
    if "Fn::GetAtt" in value:
        return [value["Fn::GetAtt"][0]]
    return [t for v in value.values() for t in _get_att_targets(v)]


@frozen
class Deployment:
    """What `deploy` created: the stacks in the order created, and the resources of each made
    through their API (type, physical id), which `destroy` deletes after their stack."""

    outdir: Path
    region: str
    order: list[str]
    made: dict[str, list[tuple[str, str]]] = field(factory=dict)
    #: The stacks `destroy` deleted, in the order deleted.
    deleted: list[str] = field(factory=list)


def _make_by_api(
    template: dict[str, Any],
    outputs: dict[tuple[str, str], str],
    session: boto3.Session,
    region: str,
) -> dict[str, tuple[str, str]]:
    """The template's resources of a MADE_BY_API type, made: (type, physical id) by logical id."""
    rewrite = _Rewrite(outputs, {}, region, {})
    made = {}
    for name, resource in template.get("Resources", {}).items():
        if resource["Type"] in MADE_BY_API:
            make, _ = MADE_BY_API[resource["Type"]]
            properties = rewrite.value(resource.get("Properties", {}))
            made[name] = (resource["Type"], make(session, region, properties))
    return made


def _complete(session: boto3.Session, cfn: Any, stack: str, body: dict[str, Any]) -> None:
    """Give the stack's resources of a COMPLETED_BY_API type what moto left out."""
    for resource in cfn.describe_stack_resources(StackName=stack)["StackResources"]:
        complete = COMPLETED_BY_API.get(resource["ResourceType"])
        if complete is not None:
            properties = body["Resources"][resource["LogicalResourceId"]].get("Properties", {})
            complete(session, resource["PhysicalResourceId"], properties)


def _parse_json_first(template: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = json.loads(template)
    except ValueError:
        return _MOTO_PARSE(template)
    return parsed


_MOTO_PARSE: Callable[[str], dict[str, Any]] = MotoStack.parse_template


def _create(cfn: Any, stack: str, body: dict[str, Any]) -> None:
    """Create `stack` from `body`; moto reads it with json (not first with PyYAML's pure-Python
    loader, three times slower: the same dict)."""
    with (
        warnings.catch_warnings(),  # moto warns of each type it skips: none is left
        mock.patch.object(MotoStack, "parse_template", staticmethod(_parse_json_first)),
    ):
        warnings.filterwarnings("ignore", "Tried to parse", UserWarning)
        cfn.create_stack(
            StackName=stack,
            TemplateBody=json.dumps(body),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        )


#: The bootstrap template of the pinned CDK CLI, which `cdk bootstrap` deploys.
BOOTSTRAP_TEMPLATE = (
    Path(__file__).resolve().parents[1]
    / "node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml"
)


@functools.cache
def _bootstrap_body() -> dict[str, Any]:
    if not BOOTSTRAP_TEMPLATE.is_file():
        pytest.skip(f"no {BOOTSTRAP_TEMPLATE}: run scripts/setup (the pinned CDK CLI)")
    return _MOTO_PARSE(BOOTSTRAP_TEMPLATE.read_text())


def bootstrap(session: boto3.Session, region: str) -> None:
    """The account bootstrapped in `region` as `cdk bootstrap` leaves it: the CDKToolkit stack
    created from the pinned CDK CLI's own bootstrap template (its bucket policy, a type moto's
    CloudFormation cannot create, skipped by moto), which writes its version parameter."""
    _create(session.client("cloudformation", region_name=region), "CDKToolkit", _bootstrap_body())


def deploy(
    outdir: Path, session: boto3.Session, region: str, *, monkeypatch: pytest.MonkeyPatch
) -> Deployment:
    """Create every stack of the cloud assembly in `outdir` in `region`, each after the stacks
    it depends on, as `cdk deploy --all` does."""
    cfn = session.client("cloudformation", region_name=region)
    ssm = session.client("ssm", region_name=region)
    if not ssm.get_parameters(Names=[BOOTSTRAP_VERSION])["Parameters"]:  # not bootstrapped
        ssm.put_parameter(Name=BOOTSTRAP_VERSION, Value="30", Type="String")
    outputs: dict[tuple[str, str], str] = {}
    deployment = Deployment(outdir, region, stack_order(outdir))
    for stack in deployment.order:
        template = _template(outdir, stack)
        made = _make_by_api(template, outputs, session, region)
        deployment.made[stack] = list(made.values())
        body = creatable(template, outputs, region, {n: m[1] for n, m in made.items()})
        # moto's ECS services run as many tasks as this says: every desired task runs
        running = max(desired_counts(template).values(), default=0)
        monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", str(running))
        _create(cfn, stack, body)
        created = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        assert created["StackStatus"] == "CREATE_COMPLETE", (stack, created)
        _complete(session, cfn, stack, body)
        for output in created.get("Outputs", []):
            outputs[(stack, output["OutputKey"])] = output["OutputValue"]
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")
    return deployment


def destroy(
    deployment: Deployment, session: boto3.Session, stacks: list[str] | None = None
) -> None:
    """Delete every stack (or those of `stacks`), dependents first, as `cdk destroy --all`
    (`cdk destroy -e STACK...`) does; the resources made through their API go with their stack."""
    cfn = session.client("cloudformation", region_name=deployment.region)
    wanted = deployment.order if stacks is None else stacks
    for stack in reversed(deployment.order):
        if stack not in wanted or stack in deployment.deleted:
            continue
        try:
            with warnings.catch_warnings():  # moto: its DependencyViolation has no error shape
                warnings.filterwarnings("ignore", "Exception.DependencyViolation", UserWarning)
                cfn.delete_stack(StackName=stack)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "DependencyViolation":
                raise
        assert not [s for s in cfn.describe_stacks()["Stacks"] if s["StackName"] == stack]
        for kind, physical_id in deployment.made.get(stack, []):
            MADE_BY_API[kind][1](session, deployment.region, physical_id)
        deployment.deleted.append(stack)


def bootstrap_version() -> str:
    """The version `bootstrap` leaves in the account (the bootstrap template's own)."""
    value: str = _bootstrap_body()["Resources"]["CdkBootstrapVersion"]["Properties"]["Value"]
    return str(value)


@frozen
class Account:
    """One moto account holding apps deployed from their templates (`deployed_account`)."""

    session: boto3.Session
    #: By (app directory, environment): what `deploy` created.
    deployments: dict[tuple[Path, str], Deployment]

    def deployment(self, app: Synthesized) -> Deployment:
        return self.deployments[app.app.directory, app.app.env_name]


def ready_account(session: boto3.Session, apps: list[Synthesized]) -> None:
    """What the apps' deploys find in an account made ready for them: each region bootstrapped
    (`bootstrap`), the ECS service-linked role (`exo-cdk deploy` creates it), and every secret
    the services read, as the operator creates them (docs/operations.md#secrets)."""
    for region in sorted({a.app.aws.region or "" for a in apps}):
        bootstrap(session, region)
    ecs_role(session)
    for synthesized in apps:
        client = session.client("secretsmanager", region_name=synthesized.app.aws.region)
        for name in secret_readers(synthesized.app):
            if name not in {s["Name"] for s in client.list_secrets()["SecretList"]}:
                client.create_secret(Name=name, SecretString="{}")


@functools.cache
def _shared_loader(search_paths: str | None = None) -> botocore.loaders.Loader:
    return botocore.loaders.create_loader(search_paths)


@contextlib.contextmanager
def deployed_account(apps: list[Synthesized], root: Path) -> Iterator[Account]:
    """A moto account (moto's fake credentials, nothing of the machine's AWS set up in reach)
    made ready for `apps` (`ready_account`) and holding each of them, deployed in turn."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        # Each `exo-cdk` run makes a session of its own, which would read AWS's service
        # models again: the sessions made here share one loader (and its cache of them).
        monkeypatch.setattr(botocore.session, "create_loader", _shared_loader)
        moto_app.fake_credentials(monkeypatch, root)
        session = boto3.Session()
        ready_account(session, apps)
        deployments = {
            (a.app.directory, a.app.env_name): deploy(
                a.outdir, session, a.app.aws.region or moto_app.REGION, monkeypatch=monkeypatch
            )
            for a in apps
        }
        yield Account(session, deployments)
