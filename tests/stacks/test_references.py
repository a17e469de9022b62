"""The synthesis fails on a dynamic reference or a CDK token in any template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import CfnOutput, CfnResource

from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.stacks import add_compliance_checks, build_stacks
from exosphere_cdk.stacks.references import RULE, found, found_in_text, may_hold
from exosphere_cdk.synth import new_app
from tests.conftest import EXAMPLES
from tests.synth import violations


def test_a_dynamic_reference_fails_the_synthesis(tmp_path: Path) -> None:
    scope = new_app(outdir=tmp_path)
    stacks = build_stacks(scope, load_app(EXAMPLES["hello"]))
    CfnResource(
        stacks.platform,
        "Leak",
        type="AWS::SSM::Parameter",
        properties={"Type": "String", "Value": "{{resolve:ssm:/prod/db-password}}"},
    )
    CfnOutput(stacks.platform, "LeakOut", value="x {{resolve:secretsmanager:db}}")
    add_compliance_checks(scope)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        scope.synth()
    ours = violations(tmp_path, RULE)
    assert len(ours) == 1, ours
    where = [
        (
            c["constructPath"],
            c["cloudFormationResource"]["templatePath"],
            c["cloudFormationResource"]["propertyPaths"],
        )
        for c in ours[0]["violatingConstructs"]
    ]
    assert where == [
        (
            "hello-platform/Leak",
            "hello-platform.template.json",
            ["Resources/Leak/Properties/Value"],
        ),
        # the CDK maps only resources to their constructs: an output is named by its path
        ("", "hello-platform.template.json", ["Outputs/LeakOut/Value"]),
    ]


def test_found_names_each_string_and_passes_plain_ones() -> None:
    template = {
        "Description": "a {{name}} template",
        "Resources": {
            "Task": {
                "Properties": {
                    "Environment": [
                        {"Name": "A", "Value": "{{name}}"},
                        {"Name": "B", "Value": "${Token[TOKEN.12]}"},
                        {"Name": "C", "Value": "{{ RESOLVE:ssm:x}}"},
                    ]
                }
            }
        },
    }
    assert list(found(template)) == [
        ("Task", "Resources/Task/Properties/Environment/1/Value"),
        ("Task", "Resources/Task/Properties/Environment/2/Value"),
    ]


def test_only_a_whole_master_password_from_secrets_manager_passes() -> None:
    password = "{{resolve:secretsmanager:shop/db:SecretString:password::}}"

    def instance(**properties: object) -> dict[str, object]:
        return {"Type": "AWS::RDS::DBInstance", "Properties": properties}

    template = {
        "Resources": {
            "Db": instance(MasterUserPassword=password),
            "Ssm": instance(MasterUserPassword="{{resolve:ssm:/shop/pw}}"),
            "Part": instance(MasterUserPassword=f"x{password}"),
            "Name": instance(MasterUserPassword=password, DBName=password),
            "Other": {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {"MasterUserPassword": password},
            },
        },
        "Outputs": {"Db": {"Value": password}},
    }
    assert sorted(found(template)) == [
        ("Db", "Outputs/Db/Value"),
        ("Name", "Resources/Name/Properties/DBName"),
        ("Other", "Resources/Other/Properties/MasterUserPassword"),
        ("Part", "Resources/Part/Properties/MasterUserPassword"),
        ("Ssm", "Resources/Ssm/Properties/MasterUserPassword"),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "{{resolve:ssm:x}}",
        "{{ \n RESOLVE :ssm:x}}",  # whitespace, escaped in the JSON text
        "${Token[TOKEN.12]}",
        "#{\tTOKEN[TOKEN.1]}",
    ],
)
def test_the_text_of_a_template_holding_one_is_read_whatever_its_escapes(value: str) -> None:
    template = {"Resources": {"R": {"Properties": {"V": value}}}}
    text = json.dumps(template)
    # A JSON writer may escape any character: `{` as \u007b, a letter of Token as \u006f.
    escaped = text.replace("{{", "\\u007b{").replace("oken", "\\u006fken")
    assert json.loads(escaped) == template
    for written in (text, json.dumps(template, indent=2), escaped):
        assert may_hold(written)
        assert list(found_in_text(written)) == [("R", "Resources/R/Properties/V")]


def test_a_template_of_none_is_not_parsed() -> None:
    text = json.dumps({"Resources": {"R": {"Properties": {"V": "${AWS::Region} {x}"}}}})
    assert not may_hold(text)
    assert list(found_in_text(text + "not JSON")) == []  # not parsed: no error
    assert may_hold(json.dumps({"V": "é"}))  # ensure_ascii: \u00e9, read to be sure
