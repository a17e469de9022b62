"""An app deployed into moto's CloudFormation from its own synthesized templates.

The templates `cdk synth` writes are created stack by stack, in the order of the
assembly's dependencies, as they are but for what moto cannot do; each change
is made here, in the test, and never to what is deployed:

- `Fn::GetStackOutput` (the weak cross-stack references of cdk.json) is
  resolved from the outputs of the stacks created before: moto lacks it.
- Resources of a type moto's CloudFormation cannot create (ACM certificates,
  Cloud Map services, capacity provider associations, topic policies, ...),
  and the Lambda functions and custom resources (moto would run their code in
  Docker; their code is in the bootstrap bucket, absent here) are left out; a
  reference to one becomes a placeholder string (an ARN-shaped one for `Arn`).
- The Rules section (the bootstrap version check) is left out, and the
  bootstrap version parameter is put where the templates read it.
- A KMS key's tags are given in KMS's own form (`TagKey`/`TagValue`), and its
  policy as JSON text: moto's CloudFormation hands both to KMS unchanged.
- Deleting the network stack: moto fails to delete the VPC, which the network
  interfaces of its own (never terminated) cluster instances still hold, after
  it has dropped the stack; CloudFormation's API then knows the stack no more,
  as after `cdk destroy`, and `destroy` goes on.

Stack termination protection and the load balancer's deletion protection are
not CloudFormation template properties moto enforces (moto creates stacks
without protection), so nothing is relaxed for them.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from moto.cloudformation.parsing import get_model_map

#: Resource types left out whatever moto says it supports: code moto would run in Docker.
_NOT_RUN = ("Custom::", "AWS::Lambda::", "AWS::CloudFormation::CustomResource")
BOOTSTRAP_VERSION = "/cdk-bootstrap/hnb659fds/version"


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
        self, outputs: dict[tuple[str, str], str], left_out: dict[str, str], region: str
    ) -> None:
        self.outputs = outputs
        self.left_out = left_out
        self.region = region

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Fn::GetStackOutput" in value:
            ref = value["Fn::GetStackOutput"]
            key = (ref["StackName"], ref["OutputName"])
            return self.outputs.get(key, f"left-out-{ref['OutputName']}")
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in self.left_out:
            target, attribute = value["Fn::GetAtt"][:2]
            if attribute == "Arn":
                service = self.left_out[target].split("::")[1].lower()
                return f"arn:aws:{service}:{self.region}:123456789012:function:left-out-{target}"
            return f"left-out-{target}"
        if value.keys() == {"Ref"} and value["Ref"] in self.left_out:
            return f"left-out-{value['Ref']}"
        return {k: self.value(v) for k, v in value.items()}


def creatable(
    template: dict[str, Any], outputs: dict[tuple[str, str], str], region: str
) -> dict[str, Any]:
    """`template` as moto can create it, given the outputs of the stacks created before."""
    supported = set(get_model_map())
    resources: dict[str, Any] = template.get("Resources", {})
    left_out = {
        name: r["Type"]
        for name, r in resources.items()
        if r["Type"].startswith(_NOT_RUN) or r["Type"] not in supported
    }
    rewrite = _Rewrite(outputs, left_out, region)
    kept = {n: rewrite.value(r) for n, r in resources.items() if n not in left_out}
    for resource in kept.values():
        if resource["Type"] == "AWS::KMS::Key":
            tags = resource["Properties"].pop("Tags", [])
            resource["Properties"]["Tags"] = [
                {"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags
            ]
            resource["Properties"]["KeyPolicy"] = json.dumps(resource["Properties"]["KeyPolicy"])
    body = {k: v for k, v in template.items() if k not in ("Rules", "Resources", "Outputs")}
    body["Resources"] = kept
    body["Outputs"] = rewrite.value(template.get("Outputs", {}))
    return body


def deploy(
    outdir: Path, session: boto3.Session, region: str, *, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Create every stack of the cloud assembly in `outdir` in `region`; returns their names
    in the order created."""
    cfn = session.client("cloudformation", region_name=region)
    session.client("ssm", region_name=region).put_parameter(
        Name=BOOTSTRAP_VERSION, Value="30", Type="String"
    )
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # moto's ECS services run their tasks
    outputs: dict[tuple[str, str], str] = {}
    order = stack_order(outdir)
    for stack in order:
        body = creatable(_template(outdir, stack), outputs, region)
        with warnings.catch_warnings():  # moto warns of each type it skips: none is left
            warnings.filterwarnings("ignore", "Tried to parse", UserWarning)
            cfn.create_stack(
                StackName=stack,
                TemplateBody=json.dumps(body),
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            )
        created = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        assert created["StackStatus"] == "CREATE_COMPLETE", (stack, created)
        for output in created.get("Outputs", []):
            outputs[(stack, output["OutputKey"])] = output["OutputValue"]
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")
    return order


def destroy(outdir: Path, session: boto3.Session, region: str) -> None:
    """Delete every stack, dependents first, as `cdk destroy --all` does."""
    cfn = session.client("cloudformation", region_name=region)
    for stack in reversed(stack_order(outdir)):
        try:
            with warnings.catch_warnings():  # moto: its DependencyViolation has no error shape
                warnings.filterwarnings("ignore", "Exception.DependencyViolation", UserWarning)
                cfn.delete_stack(StackName=stack)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "DependencyViolation":
                raise
        assert not [s for s in cfn.describe_stacks()["Stacks"] if s["StackName"] == stack]
