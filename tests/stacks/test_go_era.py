"""What a Go-era app deploys beyond the exo-deploy era's stacks, template by template: its
databases, ExoCom's translations, soft memory, the peers' variables, the imported
certificate, a worker without a route; and every rule pack, cfn-lint and checkov clean."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from rich.console import Console

from exosphere_cdk.cli.plan import render_tree
from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS
from exosphere_cdk.manifest.data.rds import engine_major_version
from exosphere_cdk.ops.assembly import read_stacks
from exosphere_cdk.ops.guard import compare
from exosphere_cdk.ops.plan import build_plan
from exosphere_cdk.stacks import add_compliance_checks, build_stacks
from exosphere_cdk.synth import new_app
from tests.apps import GO_CERTIFICATE_ARN, go_era_app
from tests.conftest import REPO
from tests.synth import Synthesized

#: Why a Go-era app (its certificate given) has no dns stack, as plan and status say.
OMITTED_DNS = (
    "not synthesized: it would hold no resource (the certificate is an existing one,"
    " imported by hello-platform)"
)
PASSWORD = "{{resolve:secretsmanager:hello/db:SecretString:password::}}"


@pytest.fixture(scope="module")
def go(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """go_era_app, synthesized once with every rule pack (a finding fails the synthesis)."""
    app = go_era_app()
    outdir = tmp_path_factory.mktemp("go-era") / "cdk.out"
    scope = new_app(outdir=outdir)
    stacks = build_stacks(scope, app)
    add_compliance_checks(scope, COMPLIANCE_PACKS)
    assembly = scope.synth()
    return Synthesized(app, stacks, {s.stack_name: s.template for s in assembly.stacks}, outdir)


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _container(go: Synthesized, role: str) -> dict[str, Any]:
    [task] = _of_type(go.templates[f"hello-{role}"], "AWS::ECS::TaskDefinition").values()
    [container] = task["Properties"]["ContainerDefinitions"]
    return dict(container)


def _environment(go: Synthesized, role: str) -> dict[str, str]:
    return {v["Name"]: v["Value"] for v in _container(go, role)["Environment"]}


def _secrets(go: Synthesized, role: str) -> dict[str, Any]:
    return {v["Name"]: v["ValueFrom"] for v in _container(go, role).get("Secrets", [])}


def _output_of(stack: str, name_part: str) -> Any:
    return {
        "Fn::GetStackOutput": Match.object_like(
            {"StackName": stack, "OutputName": Match.string_like_regexp(name_part)}
        )
    }


# ---------------------------------------------------------------- databases


def test_the_databases_have_a_stack_of_their_own_after_exocom(go: Synthesized) -> None:
    assert go.stacks.data is not None
    assert list(go.templates) == [
        "hello-network",
        "hello-zone",
        "hello-platform",
        "hello-exocom",
        "hello-data",
        "hello-greeter",
        "hello-mailer",
        "hello-web",
        "hello-monitoring",
    ]
    # every service uses main-db: each deploys after the data stack
    for role in ("web", "greeter", "mailer"):
        assert go.stacks.data in go.stacks.services[role].dependencies
    assert go.templates["hello-data"]["Description"] == "hello: RDS databases"


def test_the_postgres_instance_is_what_the_manifest_asks_for(go: Synthesized) -> None:
    data = go.template("data")
    data.resource_count_is("AWS::RDS::DBInstance", 2)
    data.has_resource(
        "AWS::RDS::DBInstance",
        {
            "DeletionPolicy": "Snapshot",
            "UpdateReplacePolicy": "Snapshot",
            "Properties": Match.object_like(
                {
                    "Engine": "postgres",
                    "EngineVersion": "17.6",
                    "DBInstanceClass": "db.t3.micro",
                    "AllocatedStorage": "20",
                    "StorageType": "gp3",
                    "DBName": "maindb",
                    "MasterUsername": "hello",
                    "MasterUserPassword": PASSWORD,
                    "Port": "5432",
                    "StorageEncrypted": True,
                    "KmsKeyId": _output_of("hello-network", "Key"),
                    "BackupRetentionPeriod": 7,
                    "DeletionProtection": True,
                    "MultiAZ": False,
                    "PubliclyAccessible": False,
                    "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
                }
            ),
        },
    )
    data.has_resource_properties(
        "AWS::RDS::DBInstance",
        {
            "Engine": "mysql",
            "EngineVersion": "8.4.6",
            "StorageType": "gp2",
            "Port": "3306",
            "MasterUserPassword": "{{resolve:secretsmanager:hello/users:SecretString:::}}",
            "EnableCloudwatchLogsExports": ["audit", "error", "general", "slowquery"],
        },
    )


def test_logical_ids_come_from_the_database_id(go: Synthesized) -> None:
    ids = sorted(_of_type(go.templates["hello-data"], "AWS::RDS::DBInstance"))
    assert [i[: -len("0F247BB3")] for i in ids] == ["maindbInstance", "usersInstance"]


def test_the_instances_sit_in_the_private_subnets(go: Synthesized) -> None:
    go.template("data").has_resource_properties(
        "AWS::RDS::DBSubnetGroup",
        {
            "SubnetIds": [
                _output_of("hello-network", "PrivateSubnet1"),
                _output_of("hello-network", "PrivateSubnet2"),
            ]
        },
    )


def test_only_the_clusters_reach_a_database_on_its_port(go: Synthesized) -> None:
    template = go.templates["hello-data"]
    for group in _of_type(template, "AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]
    ingress = [
        r["Properties"] for r in _of_type(template, "AWS::EC2::SecurityGroupIngress").values()
    ]
    sources = sorted(
        (p["FromPort"], p["ToPort"], p["SourceSecurityGroupId"]["Fn::GetStackOutput"]["OutputName"])
        for p in ingress
    )
    assert [(a, b) for a, b, _ in sources] == [(3306, 3306)] * 2 + [(5432, 5432)] * 2
    assert all(("PublicCluster" in s) != ("PrivateCluster" in s) for *_, s in sources)
    assert all("CidrIp" not in p for p in ingress)
    assert all(
        p["SourceSecurityGroupId"]["Fn::GetStackOutput"]["StackName"] == "hello-platform"
        for p in ingress
    )


def test_each_database_has_its_name_in_the_private_namespace(go: Synthesized) -> None:
    data = go.template("data")
    data.has_resource_properties(
        "AWS::ServiceDiscovery::Service",
        {
            "Name": "maindb",
            "NamespaceId": _output_of("hello-exocom", "Namespace"),
            "DnsConfig": Match.object_like({"DnsRecords": [{"TTL": 60, "Type": "CNAME"}]}),
        },
    )
    data.has_resource_properties(
        "AWS::ServiceDiscovery::Instance",
        {
            "InstanceAttributes": {
                "AWS_INSTANCE_CNAME": {
                    "Fn::GetAtt": [Match.string_like_regexp("^maindbInstance"), "Endpoint.Address"]
                }
            }
        },
    )
    assert go.templates["hello-data"]["Outputs"]["maindbHost"]["Value"] == "maindb.hello.internal"


def test_each_database_outputs_its_instances_own_address(go: Synthesized) -> None:
    # sslmode=verify-full needs the name the instance's certificate holds, not the CNAME's
    [instance] = [
        k for k in _of_type(go.templates["hello-data"], "AWS::RDS::DBInstance") if "maindb" in k
    ]
    assert go.templates["hello-data"]["Outputs"]["maindbEndpoint"] == {
        "Description": "the instance's own address (the name its TLS certificate holds), port 5432",
        "Value": {"Fn::GetAtt": [instance, "Endpoint.Address"]},
    }


def test_no_password_is_in_any_template(go: Synthesized) -> None:
    # The secret's value never is; the one dynamic reference is the master password.
    for name, template in go.templates.items():
        text = json.dumps(template)
        expected = 2 if name == "hello-data" else 0
        assert (name, text.count("{{resolve:")) == (name, expected)


def test_services_get_their_databases_variables(go: Synthesized) -> None:
    greeter, web = _environment(go, "greeter"), _environment(go, "web")
    for environment in (greeter, web):
        assert environment["MAIN_DB_HOST"] == "maindb.hello.internal"
        assert environment["MAIN_DB_PORT"] == "5432"
        assert environment["DB_NAME"] == "maindb"
        assert environment["DB_USER"] == "hello"
    # users is for web only
    assert web["USERS_HOST"] == "users.hello.internal"
    assert "USERS_HOST" not in greeter
    assert sorted(_secrets(go, "web")) == ["DB_PASSWORD", "USERS_PASSWORD"]
    assert sorted(_secrets(go, "greeter")) == ["DB_PASSWORD"]


# ---------------------------------------------------------------- services


def test_a_go_era_memory_is_a_reservation(go: Synthesized) -> None:
    web, greeter = _container(go, "web"), _container(go, "greeter")
    assert (web.get("Memory"), web["MemoryReservation"]) == (None, go.app.services[0].memory)
    assert (greeter["Memory"], greeter.get("MemoryReservation")) == (256, None)


def test_peers_variables_name_the_public_services_urls(go: Synthesized) -> None:
    for role in ("greeter", "mailer"):
        environment = _environment(go, role)
        assert environment["WEB_EXTERNAL_ORIGIN"] == "https://hello.example.com"
        assert environment["WEB_INTERNAL_ORIGIN"] == "https://hello.example.com"
    # not a service's own, nor of a private service or a worker
    assert [n for n in _environment(go, "web") if n.endswith(("_ORIGIN", "_HOST"))] == [
        "EXOCOM_HOST",
        "MAIN_DB_HOST",
        "USERS_HOST",
    ]


def test_the_deployments_exocom_host_replaces_the_users(go: Synthesized) -> None:
    assert _environment(go, "greeter")["EXOCOM_HOST"] == "exocom.hello.internal"


def test_the_go_eras_database_host_in_a_variable_is_the_databases(go: Synthesized) -> None:
    assert _environment(go, "greeter")["MAIN_DB_URL"] == (
        "postgres://hello@maindb.hello.internal:5432/maindb"
    )


def test_exocom_routes_the_translations(go: Synthesized) -> None:
    [task] = _of_type(go.templates["hello-exocom"], "AWS::ECS::TaskDefinition").values()
    [container] = task["Properties"]["ContainerDefinitions"]
    variables = {v["Name"]: v["Value"] for v in container["Environment"]}
    routes = {r["role"]: r for r in json.loads(variables["SERVICE_ROUTES"])}
    assert routes["greeter"] == {
        "role": "greeter",
        "receives": ["ask.greeting"],
        "sends": ["greeting.reply"],
        "messageTranslations": [{"public": "greeting.request", "internal": "ask.greeting"}],
    }
    assert "messageTranslations" not in routes["web"]


def test_a_worker_has_no_route(go: Synthesized) -> None:
    mailer = go.template("mailer")
    for kind in ("TargetGroup", "ListenerRule", "LoadBalancer"):
        mailer.resource_count_is(f"AWS::ElasticLoadBalancingV2::{kind}", 0)
    assert "PortMappings" not in _container(go, "mailer")
    go.template("web").resource_count_is("AWS::ElasticLoadBalancingV2::TargetGroup", 1)


def test_the_certificate_is_imported_on_the_https_listener(go: Synthesized) -> None:
    # the platform stack imports it: a dns stack would hold no resource, so there is none
    assert go.stacks.dns is None
    assert "hello-dns" not in go.templates
    for name in go.templates:
        Template.from_json(go.templates[name]).resource_count_is(
            "AWS::CertificateManager::Certificate", 0
        )
    go.template("platform").has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": GO_CERTIFICATE_ARN}],
        },
    )


# ---------------------------------------------------------------- plan, checks


def test_plan_lists_the_databases_under_their_stack(go: Synthesized) -> None:
    document = build_plan(go.app, read_stacks(go.outdir)).as_json()
    [data] = [s for s in document["stacks"] if s["name"] == "hello-data"]
    assert [db["id"] for db in data["databases"]] == ["main-db", "users"]
    assert data["databases"][0] == {
        "id": "main-db",
        "engine": "postgres",
        "engine_version": "17.6",
        "instance_class": "db.t3.micro",
        "storage": {"gib": 20, "type": "gp3"},
        "db_name": "maindb",
        "username": "hello",
        "password": {"secret": "hello/db", "json_key": "password"},
        "host": "maindb.hello.internal",
        "port": 5432,
        "backup_retention_days": 7,
        "multi_az": False,
    }
    [web] = [s["service"] for s in document["stacks"] if s["name"] == "hello-web"]
    assert web["memory"] == "reservation"
    assert "databases" not in document["stacks"][0]
    assert document["omitted_stacks"] == {"hello-dns": OMITTED_DNS}


def test_plan_prints_the_databases_memory_and_translations(go: Synthesized) -> None:
    console = Console(width=400, record=True)
    console.print(render_tree(build_plan(go.app, read_stacks(go.outdir))))
    lines = [line.strip("│├└─ ") for line in console.export_text().splitlines()]
    for line in (
        "database main-db: postgres 17.6 on db.t3.micro, 20 GiB gp3",
        "at maindb.hello.internal:5432, database maindb, user hello",
        "password: Secrets Manager secret hello/db (key password)",
        "backups kept 7 days; deletion protection; a final snapshot when deleted; one"
        " availability zone",
        "public service on the public cluster: 128 CPU units, 256 MiB reserved (no hard limit)",
        "greeter [translations: ask.greeting as greeting.request]: receives ask.greeting;"
        " sends greeting.reply",
        f"hello-dns: {OMITTED_DNS}",
    ):
        assert line in lines


def test_the_rule_packs_pass(go: Synthesized) -> None:
    report = json.loads((go.outdir / "validation-report.json").read_text())
    assert {p["pluginName"]: p["conclusion"] for p in report["pluginReports"]} == {
        "AwsSolutions": "success",
        "NIST.800.53.R5": "success",
        "cdk-validator-cfnguard": "success",
    }


def test_cfn_lint_and_checkov_pass_the_data_stack(go: Synthesized, tmp_path: Path) -> None:
    template = go.outdir / "hello-data.template.json"
    lint = subprocess.run(
        [str(REPO / ".venv" / "bin" / "cfn-lint"), "--format", "parseable", str(template)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert (lint.returncode, lint.stdout) == (0, "")
    shutil.copy(template, tmp_path)
    result = subprocess.run(
        [
            str(REPO / ".venv-checkov" / "bin" / "checkov"),
            *("--directory", str(tmp_path), "--framework", "cloudformation"),
            *("--output", "json", "--skip-download"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    results = json.loads(result.stdout)["results"]
    assert results["failed_checks"] == []
    skipped = sorted((c["check_id"], c["resource"]) for c in results["skipped_checks"])
    assert [check for check, _ in skipped] == ["CKV_AWS_118"] * 2 + ["CKV_AWS_157"] * 2
    assert all(len(c["check_result"]["suppress_comment"]) > 40 for c in results["skipped_checks"])


def test_guard_finds_a_database_replaced_by_a_new_name(go: Synthesized) -> None:
    new = copy.deepcopy(go.templates)
    data = new["hello-data"]["Resources"]
    [instance] = [
        k for k, v in data.items() if v["Type"] == "AWS::RDS::DBInstance" and k.startswith("maindb")
    ]
    data[instance]["Properties"]["DBName"] = "main"
    lines = [str(f) for f in compare(go.templates, new)]
    assert (
        f"hello-data/{instance} (AWS::RDS::DBInstance): replaced:"
        ' create-only DBName changes ("maindb" -> "main")'
    ) in lines
    removed = copy.deepcopy(go.templates)
    del removed["hello-data"]["Resources"][instance]
    assert [str(f) for f in compare(go.templates, removed)] == [
        f"hello-data/{instance} (AWS::RDS::DBInstance): deleted: its logical ID is gone from"
        " the new template"
    ]


@pytest.mark.parametrize(
    ("engine", "version", "major"),
    [
        ("postgres", "9.6.3", "9.6"),
        ("postgres", "10.4", "10"),
        ("postgres", "17.6", "17"),
        ("mysql", "5.7.22", "5.7"),
        ("mysql", "8.4.6", "8.4"),
    ],
)
def test_an_engine_version_names_its_major_version_as_rds_does(
    engine: str, version: str, major: str
) -> None:
    assert engine_major_version(engine, version) == major
