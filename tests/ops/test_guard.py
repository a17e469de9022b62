"""`exo-cdk guard`: replacements and deletions of guarded resources between two assemblies.

The example `hello` is synthesized once per variant into a cdk.out folder, as
`cdk synth -o DIR` would; the guard compares them. Expected lines are built
from the old templates' resources (found by type), not from today's logical IDs.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.assembly import read_assembly
from exosphere_cdk.ops.guard import GUARDED_TYPES, bus_restarts, compare, create_only, guard
from exosphere_cdk.stacks import build_stacks
from exosphere_cdk.synth import new_app
from tests.conftest import REPO

HELLO = REPO / "manifests" / "hello"


def synth_assembly(app_dir: Path, outdir: Path) -> Path:
    """Synthesize the app in `app_dir` into the cloud assembly `outdir` (cdk.json's context)."""
    scope = new_app(outdir=outdir)
    build_stacks(scope, load_app(app_dir))
    scope.synth()
    return outdir


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def _add_service(app: Path) -> None:
    _edit(
        app / "application.yml",
        "  private:\n",
        "  private:\n    farewell:\n      docker_image: example/farewell:1\n"
        "      messages:\n        receives: [hello.farewell]\n",
    )


def _change_cpu(app: Path) -> None:
    _edit(app / "greeter" / "service.yml", "cpu: 128", "cpu: 256")


def _remove_web(app: Path) -> None:
    _edit(app / "application.yml", "  public:\n    web:\n      location: ./web\n", "")


def _change_domain(app: Path) -> None:
    for file in (app / "application.yml", app / "web" / "service.yml"):
        _edit(file, "hello.example.com", "hi.example.org")


def _three_azs(app: Path) -> None:
    _edit(
        app / "application.yml",
        "region: us-east-1\n",
        "region: us-east-1\n        availability-zones: 3\n",
    )


VARIANTS: dict[str, Callable[[Path], None]] = {
    "base": lambda app: None,
    "added": _add_service,
    "cpu": _change_cpu,
    "removed": _remove_web,
    "domain": _change_domain,
    "azs3": _three_azs,
}


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Path]]:
    """`assembly("domain")`: hello with that change, synthesized once per module."""
    root = tmp_path_factory.mktemp("guard")
    cache: dict[str, Path] = {}

    def get(variant: str) -> Path:
        if variant not in cache:
            app = root / variant / "hello"
            shutil.copytree(HELLO, app)
            VARIANTS[variant](app)
            cache[variant] = synth_assembly(app, root / variant / "cdk.out")
        return cache[variant]

    yield get


def run_guard(old: Path, new: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["guard", str(old), str(new)])
    return code, capsys.readouterr().out.splitlines()


def guarded(template: dict[str, Any], resource_type: str) -> list[str]:
    return [k for k, r in template["Resources"].items() if r["Type"] == resource_type]


# ---------------------------------------------------------------- whole assemblies


BUS_RESTART_NOTE = (
    "bus restart: every service disconnects from ExoCom for a moment"
    " (docs/architecture.md#what-a-route-change-costs: how they connect again)"
)


def _exocom_task(assembly_dir: Path) -> str:
    template = read_assembly(assembly_dir)["hello-exocom"]
    (task,) = guarded(template, "AWS::ECS::TaskDefinition")
    return task


@pytest.mark.parametrize("variant", ["base", "cpu"])
def test_safe_changes_pass(
    assembly: Callable[[str], Path], variant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_guard(assembly("base"), assembly(variant), capsys)
    stacks = len(read_assembly(assembly(variant)))
    assert lines == [f"safe: no guarded resource is replaced or deleted ({stacks} stacks compared)"]
    assert code == 0


def test_adding_a_service_is_safe_and_restarts_the_bus(
    assembly: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_guard(assembly("base"), assembly("added"), capsys)
    stacks = len(read_assembly(assembly("added")))
    task = _exocom_task(assembly("added"))
    assert lines == [
        f"hello-exocom/{task} (AWS::ECS::TaskDefinition): restarts the bus: ExoCom's routes"
        " change (added: farewell)",
        BUS_RESTART_NOTE,
        f"safe: no guarded resource is replaced or deleted ({stacks} stacks compared)",
    ]
    assert code == 0
    capsys.readouterr()
    assert (
        main(["guard", str(assembly("base")), str(assembly("added")), "--fail-on-bus-restart"]) == 1
    )
    assert capsys.readouterr().out.splitlines()[-1] == (
        "unsafe: the update restarts ExoCom (--fail-on-bus-restart)"
    )
    assert (
        main(["guard", str(assembly("base")), str(assembly("cpu")), "--fail-on-bus-restart"]) == 0
    )


def test_adding_availability_zones_keeps_subnets(assembly: Callable[[str], Path]) -> None:
    # subnets have fixed masks, so a third AZ adds subnets and replaces none
    assert guard(assembly("base"), assembly("azs3")) == []


def test_removing_a_public_service_deletes_its_target_group(
    assembly: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old = read_assembly(assembly("base"))["hello-web"]
    expected = [
        f"hello-web/{lid} ({res['Type']}): deleted: its stack is removed"
        for lid, res in old["Resources"].items()
        if res["Type"] in GUARDED_TYPES
    ]
    code, lines = run_guard(assembly("base"), assembly("removed"), capsys)
    assert code == 1
    task = _exocom_task(assembly("removed"))
    assert lines == [
        *expected,
        f"hello-exocom/{task} (AWS::ECS::TaskDefinition): restarts the bus: ExoCom's routes"
        " change (removed: web)",
        BUS_RESTART_NOTE,
        f"unsafe: {len(expected)} guarded resources would be replaced or deleted",
    ]
    types = {line.split(" (")[1].split(")")[0] for line in expected}
    assert {
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::ECS::Service",
        "AWS::Route53::RecordSet",
    } <= types
    # nothing outside the removed service's stack is touched
    assert all(line.startswith("hello-web/") for line in lines[: len(expected)])


def test_fewer_availability_zones_delete_subnets(assembly: Callable[[str], Path]) -> None:
    old = read_assembly(assembly("azs3"))["hello-network"]
    new = read_assembly(assembly("base"))["hello-network"]
    gone = sorted(set(guarded(old, "AWS::EC2::Subnet")) - set(guarded(new, "AWS::EC2::Subnet")))
    assert len(gone) == 2  # the third AZ's public and private subnets
    lines = {str(f) for f in guard(assembly("azs3"), assembly("base"))}
    for lid in gone:
        assert (
            f"hello-network/{lid} (AWS::EC2::Subnet): deleted: "
            "its logical ID is gone from the new template"
        ) in lines


def test_changing_the_domain_replaces_the_hosted_zone(
    assembly: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old = read_assembly(assembly("base"))
    (zone,) = guarded(old["hello-zone"], "AWS::Route53::HostedZone")
    (record,) = guarded(old["hello-web"], "AWS::Route53::RecordSet")
    code, lines = run_guard(assembly("base"), assembly("domain"), capsys)
    assert code == 1
    assert (
        f"hello-zone/{zone} (AWS::Route53::HostedZone): replaced: "
        'create-only Name changes ("hello.example.com." -> "hi.example.org.")'
    ) in lines
    assert (
        f"hello-web/{record} (AWS::Route53::RecordSet): replaced: "
        f"create-only HostedZoneId refers to {zone} in hello-zone, which is replaced"
    ) in lines
    assert any(" (AWS::CertificateManager::Certificate): replaced: " in line for line in lines)
    assert lines[-1] == f"unsafe: {len(lines) - 1} guarded resources would be replaced or deleted"


def test_guard_agrees_with_cdk_diff(assembly: Callable[[str], Path]) -> None:
    old, new = assembly("base"), assembly("domain")
    env = {**os.environ, "CI": "true"}
    result = subprocess.run(
        [
            "npx",
            "--no-install",
            "cdk",
            "diff",
            "-e",
            "--app",
            str(new),
            "--template",
            str(old / "hello-dns.template.json"),
            "hello-dns",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # `[~] AWS::Route53::HostedZone Zone ZoneA5DE4B68 replace`
    cdk_replaced = set(
        re.findall(r"^\[[~-]\] (AWS::\S+) \S+ (\S+) (?:replace|destroy)", output, re.M)
    )
    # (cdk diff does not judge outputs)
    ours = {
        (f.type, f.logical_id)
        for f in guard(old, new)
        if f.stack == "hello-dns" and f.type != "output"
    }
    assert ours
    assert ours == {(t, lid) for t, lid in cdk_replaced if t in GUARDED_TYPES}


# ---------------------------------------------------------------- injected templates


def _stack(resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"Resources": resources, "Outputs": outputs or {}}


VPC = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
SUBNET = {
    "Type": "AWS::EC2::Subnet",
    "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/24", "AvailabilityZone": "a"},
}
LOGS = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}}
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}


def _lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [str(f) for f in compare(old, new)]


def test_schemas_come_from_cfn_lint() -> None:
    subnet = create_only("AWS::EC2::Subnet")
    assert subnet is not None
    assert ("CidrBlock",) in subnet.always
    assert create_only("AWS::Route53::HostedZone") is not None
    assert create_only("Custom::Nothing") is None


def test_a_create_only_literal_change_replaces() -> None:
    old = {"net": _stack({"Vpc": VPC, "Subnet": SUBNET})}
    new = copy.deepcopy(old)
    new["net"]["Resources"]["Subnet"]["Properties"]["CidrBlock"] = "10.0.1.0/24"
    assert _lines(old, new) == [
        "net/Subnet (AWS::EC2::Subnet): replaced: "
        'create-only CidrBlock changes ("10.0.0.0/24" -> "10.0.1.0/24")'
    ]


def test_a_replacement_propagates_through_references_and_stacks() -> None:
    consumer = {
        "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
        "Properties": {
            "Port": 80,
            "VpcId": {"Fn::GetStackOutput": {"StackName": "net", "OutputName": "VpcOut"}},
        },
    }
    old = {
        "net": _stack({"Vpc": VPC, "Subnet": SUBNET}, {"VpcOut": {"Value": {"Ref": "Vpc"}}}),
        "svc": _stack({"Tg": consumer}),
    }
    new = copy.deepcopy(old)
    new["net"]["Resources"]["Vpc"]["Properties"]["CidrBlock"] = "10.1.0.0/16"
    assert _lines(old, new) == [
        "net/Vpc (AWS::EC2::VPC): replaced: "
        'create-only CidrBlock changes ("10.0.0.0/16" -> "10.1.0.0/16")',
        "net/Subnet (AWS::EC2::Subnet): replaced: "
        "create-only VpcId refers to Vpc, which is replaced",
        "svc/Tg (AWS::ElasticLoadBalancingV2::TargetGroup): replaced: "
        "create-only VpcId refers to Vpc in net, which is replaced",
        'net/VpcOut (output): changed: "!Ref Vpc" names Vpc, which is replaced; read by svc'
        " (Fn::GetStackOutput), whose template does not change: it keeps the old value until"
        " deployed again (npx cdk deploy --force -e svc, after net)",
    ]


def test_intrinsics_that_change_may_replace() -> None:
    old = {"net": _stack({"Vpc": VPC, "Subnet": SUBNET})}
    new = copy.deepcopy(old)
    new["net"]["Resources"]["Subnet"]["Properties"]["AvailabilityZone"] = {
        "Fn::Select": [0, {"Fn::GetAZs": ""}]
    }
    assert _lines(old, new) == [
        "net/Subnet (AWS::EC2::Subnet): may be replaced: create-only AvailabilityZone changes "
        '("a" -> {"Fn::Select": [0, {"Fn::GetAZs": ""}]})'
    ]


def test_updates_in_place_and_unguarded_types_pass() -> None:
    old = {"s": _stack({"Logs": LOGS, "Role": ROLE})}
    new = copy.deepcopy(old)
    new["s"]["Resources"]["Logs"]["Properties"]["RetentionInDays"] = 90
    del new["s"]["Resources"]["Role"]  # not guarded
    new["s"]["Resources"]["Added"] = VPC  # additions are safe
    new["t"] = _stack({"Other": VPC})  # so are new stacks
    assert _lines(old, new) == []


def test_renames_type_changes_and_removed_stacks() -> None:
    old = {"s": _stack({"Logs": LOGS, "Vpc": VPC}), "gone": _stack({"Logs": LOGS})}
    new = {"s": _stack({"LogsRenamed": LOGS, "Vpc": {**VPC, "Type": "AWS::EC2::Subnet"}})}
    assert _lines(old, new) == [
        "s/Logs (AWS::Logs::LogGroup): deleted: logical ID renamed to LogsRenamed "
        "(created anew, then the old one is deleted)",
        "s/Vpc (AWS::EC2::VPC): replaced: type changes to AWS::EC2::Subnet",
        "gone/Logs (AWS::Logs::LogGroup): deleted: its stack is removed",
    ]


def test_auto_scaling_groups_roll_unless_a_replacing_update_is_asked() -> None:
    asg = {
        "Type": "AWS::AutoScaling::AutoScalingGroup",
        "Properties": {"MaxSize": "2", "MinSize": "1", "VPCZoneIdentifier": ["subnet-a"]},
    }
    old = {"s": _stack({"Asg": asg})}
    new = copy.deepcopy(old)
    new["s"]["Resources"]["Asg"]["Properties"]["VPCZoneIdentifier"] = ["subnet-a", "subnet-b"]
    assert _lines(old, new) == []
    new["s"]["Resources"]["Asg"]["UpdatePolicy"] = {
        "AutoScalingReplacingUpdate": {"WillReplace": True}
    }
    assert _lines(old, new) == [
        "s/Asg (AWS::AutoScaling::AutoScalingGroup): may be replaced: VPCZoneIdentifier changes "
        '(["subnet-a"] -> ["subnet-a", "subnet-b"]), which can require replacement'
    ]


def _write_assembly(directory: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    directory.mkdir(parents=True)
    artifacts = {
        name: {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{name}.template.json"},
        }
        for name in stacks
    }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    for name, template in stacks.items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))
    return directory


def test_cli_json_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write_assembly(tmp_path / "old", {"s": _stack({"Logs": LOGS})})
    new = _write_assembly(tmp_path / "new", {"s": _stack({})})
    assert main(["guard", str(old), str(new), "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "safe": False,
        "findings": [
            {
                "stack": "s",
                "logical_id": "Logs",
                "type": "AWS::Logs::LogGroup",
                "change": "deleted",
                "reason": "its logical ID is gone from the new template",
            }
        ],
        "bus_restarts": [],
        "ami_changes": [],
    }
    assert main(["guard", str(old), str(old), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "safe": True,
        "findings": [],
        "bus_restarts": [],
        "ami_changes": [],
    }
    assert main(["guard", str(old), str(tmp_path / "missing")]) == 2
    assert main(["guard", str(old), str(tmp_path)]) == 2  # no manifest.json
    assert "no manifest.json" in capsys.readouterr().err


# ---------------------------------------------------------------- bus restarts


def _exocom(
    image: str = "originate/exocom:0.21.8",
    routes: tuple[str, str] = ("SERVICE_ROUTES", '[{"role":"web","receives":[],"sends":[]}]'),
    command: list[str] | None = None,
    memory: int = 256,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "Name": "exocom",
        "Image": image,
        "Environment": [{"Name": "PORT", "Value": "3100"}, {"Name": routes[0], "Value": routes[1]}],
        "Memory": memory,
    }
    if command is not None:
        container["Command"] = command
    return {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [container]}}


def _template(
    data: dict[str, Any], ami: str = "ami-1", task: dict[str, Any] | None = None
) -> dict[str, Any]:
    launch = {
        "Type": "AWS::EC2::LaunchTemplate",
        "Properties": {"LaunchTemplateData": {"ImageId": ami}},
    }
    return {"x-exocom": _stack({"Task": task or _exocom(), "Launch": launch, **data})}


def _restarts(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [str(r) for r in bus_restarts(old, new)]


def test_nothing_changed_restarts_nothing() -> None:
    assert _restarts(_template({}), _template({})) == []
    # a resource of ExoCom's stack that is not its task or instance
    assert _restarts(_template({"Logs": LOGS}), _template({})) == []


def test_each_cause_of_a_restart_is_named() -> None:
    routes = (
        '[{"role":"web","receives":["a"],"sends":[]},{"role":"users","receives":[],"sends":[]}]'
    )
    new = _exocom(
        image="originate/exocom:0.22.1",
        routes=("SERVICE_ROUTES", routes),
        command=["bin/exocom"],
        memory=512,
    )
    assert _restarts(_template({}), _template({}, task=new)) == [
        "x-exocom/Task (AWS::ECS::TaskDefinition): restarts the bus: ExoCom's image changes"
        ' ("originate/exocom:0.21.8" -> "originate/exocom:0.22.1"); ExoCom\'s command changes'
        ' ((absent) -> ["bin/exocom"]); ExoCom\'s routes change (added: users; changed: web);'
        " ExoCom's task definition changes (Memory)"
    ]


def test_a_release_that_reads_service_data_is_named() -> None:
    new = _exocom(routes=("SERVICE_DATA", '{"web":{"receives":[],"sends":[]}}'))
    assert _restarts(_template({}), _template({}, task=new)) == [
        "x-exocom/Task (AWS::ECS::TaskDefinition): restarts the bus: ExoCom reads its routes"
        " from SERVICE_DATA instead of SERVICE_ROUTES"
    ]


def test_a_replaced_instance_restarts_the_bus() -> None:
    assert _restarts(_template({}), _template({}, ami="ami-2")) == [
        "x-exocom/Launch (AWS::EC2::LaunchTemplate): restarts the bus: ExoCom's instance is"
        " replaced (ImageId change)"
    ]
    # a launch template in a stack without ExoCom is not the bus's
    old = {"s": _stack({"Launch": _template({})["x-exocom"]["Resources"]["Launch"]})}
    new = {"s": _stack({"Launch": _template({}, ami="ami-2")["x-exocom"]["Resources"]["Launch"]})}
    assert _restarts(old, new) == []


def test_a_new_exocom_restarts_nothing() -> None:
    assert _restarts({}, _template({})) == []


# ---------------------------------------------------------------- outputs other stacks read


def _reads(stack: str, output: str) -> dict[str, Any]:
    return {"Fn::GetStackOutput": {"StackName": stack, "OutputName": output, "Region": "r"}}


def _reader_stack(*subnets: str) -> dict[str, Any]:
    alb = {
        "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "Properties": {"Subnets": [_reads("net", s) for s in subnets]},
    }
    return _stack({"Alb": alb})


def test_an_output_a_staying_stack_reads_is_deleted() -> None:
    second: dict[str, Any] = copy.deepcopy(SUBNET)
    second["Properties"]["CidrBlock"] = "10.0.1.0/24"
    old = {
        "net": _stack(
            {"Vpc": VPC, "Subnet": SUBNET, "Subnet2": second},
            {"S1": {"Value": {"Ref": "Subnet"}}, "S2": {"Value": {"Ref": "Subnet2"}}},
        ),
        "lb": _reader_stack("S1", "S2"),
    }
    new = {
        "net": _stack({"Vpc": VPC, "Subnet": SUBNET}, {"S1": {"Value": {"Ref": "Subnet"}}}),
        "lb": _reader_stack("S1"),
    }
    assert _lines(old, new) == [
        "net/Subnet2 (AWS::EC2::Subnet): deleted: its logical ID is gone from the new template",
        "net/S2 (output): deleted: read by lb (Fn::GetStackOutput); deploying net first deletes"
        " Subnet2, which lb still uses: deploy lb first (npx cdk deploy -e lb)",
    ]
    # the reader leaves with the output: nothing of it stays to be broken
    assert not any("(output)" in line for line in _lines(old, {"net": new["net"]}))


def test_an_output_changed_under_an_unchanged_reader_needs_force() -> None:
    old = {
        "net": _stack({"Vpc": VPC}, {"Id": {"Value": "vpc-1"}}),
        "lb": _reader_stack("Id"),
    }
    new = copy.deepcopy(old)
    new["net"]["Outputs"]["Id"]["Value"] = "vpc-2"
    assert _lines(old, new) == [
        'net/Id (output): changed: "vpc-1" -> "vpc-2"; read by lb (Fn::GetStackOutput), whose'
        " template does not change: it keeps the old value until deployed again"
        " (npx cdk deploy --force -e lb, after net)",
    ]
    # a reader whose template changes anyway is refreshed by the deploy
    new["lb"]["Resources"]["Alb"]["Properties"]["Tags"] = [{"Key": "k", "Value": "v"}]
    assert _lines(old, new) == []


def test_an_imported_export_is_guarded_too() -> None:
    export = {"Value": {"Ref": "Vpc"}, "Export": {"Name": "net:Id"}}
    reader = {"Type": "AWS::SSM::Parameter", "Properties": {"Value": {"Fn::ImportValue": "net:Id"}}}
    old = {"net": _stack({"Vpc": VPC}, {"Id": export}), "app": _stack({"P": reader})}
    new = {"net": _stack({}), "app": copy.deepcopy(old["app"])}
    assert _lines(old, new) == [
        "net/Vpc (AWS::EC2::VPC): deleted: its logical ID is gone from the new template",
        "net/Id (output): deleted: read by app (Fn::ImportValue); deploying net first deletes"
        " Vpc, which app still uses: deploy app first (npx cdk deploy -e app)",
    ]


def test_fewer_availability_zones_delete_outputs_the_platform_reads(
    assembly: Callable[[str], Path],
) -> None:
    old, new = read_assembly(assembly("azs3")), read_assembly(assembly("base"))
    gone = sorted(set(old["hello-network"]["Outputs"]) - set(new["hello-network"]["Outputs"]))
    assert gone
    findings = guard(assembly("azs3"), assembly("base"))
    outputs = {f.logical_id: f for f in findings if f.type == "output"}
    assert sorted(outputs) == gone
    for finding in outputs.values():
        assert finding.change == "deleted"
        assert "hello-platform" in finding.reason
        assert "npx cdk deploy -e " in finding.reason
