"""Control Tower's controls run only the rules that can apply, with the plugin's findings."""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsii
import pytest
from aws_cdk import IPolicyValidationContext
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

from exosphere_cdk.stacks.control_tower import (
    ControlTowerControls,
    not_applicable,
    plugin_library,
    read_rule_types,
    resource_types,
    rule_code,
    rule_types,
)
from tests.synth import Synthesized


@jsii.implements(IPolicyValidationContext)
class _Templates:
    """What the plugins read of the context CDK hands them: the templates' paths."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = [str(p) for p in paths]

    @property
    def template_paths(self) -> list[str]:
        return self._paths


def _findings(report: Any) -> list[tuple[str, str, tuple[tuple[str, str, str], ...]]]:
    """A report's violations as data: rule, description, resources (id, template, places)."""
    return sorted(
        (
            v.rule_name,
            v.description,
            tuple(
                sorted(
                    (r.resource_logical_id, r.template_path, json.dumps(sorted(r.locations)))
                    for r in v.violating_resources
                )
            ),
        )
        for v in report.violations
    )


def test_the_rules_name_the_resource_types_they_check() -> None:
    rules = rule_types()
    assert len(rules) > 200  # 237 in cdk-validator-cfnguard 0.0.62
    assert "AWS::S3::Bucket" in rules["ct-s3-pr-1"]
    assert rules["ct-redshift-pr-7"] == {"AWS::Redshift::Cluster"}


def test_every_rule_selects_its_resources_by_a_type_it_names() -> None:
    """What skipping a rule rests on, for the pinned plugin: no rule selects resources by a
    pattern of types (`Type == /AWS::S3::.*/`) rather than a type it names. A plugin upgrade
    that brings one fails here."""
    pattern = re.compile(r"\bType\s*(?:==|!=|\bin\b|\bIN\b)\s*(?:\[\s*)?/")
    with plugin_library() as library:
        assert library is not None
        rules = dict(rule_code(library))
    assert set(rules) == set(rule_types())
    assert pattern.search("Resources.*[ Type == /AWS::S3::.*/ ]")  # the pattern finds one
    assert [name for name, text in rules.items() if pattern.search(text)] == []


def test_a_rule_is_skipped_only_when_it_names_types_none_of_them_in_the_templates() -> None:
    rules = {
        "bucket": frozenset({"AWS::S3::Bucket"}),
        "role-or-user": frozenset({"AWS::IAM::Role", "AWS::IAM::User"}),
        "redshift": frozenset({"AWS::Redshift::Cluster"}),
        "names-none": frozenset(),
    }
    assert not_applicable(rules, frozenset({"AWS::IAM::Role", "AWS::SNS::Topic"})) == [
        "bucket",
        "redshift",
    ]
    assert not_applicable(rules, frozenset()) == ["bucket", "redshift", "role-or-user"]
    assert not_applicable(rules, None) == []


def test_a_template_that_cannot_be_read_leaves_every_rule_on(tmp_path: Path) -> None:
    good = tmp_path / "good.template.json"
    good.write_text(json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}))
    empty = tmp_path / "empty.template.json"
    empty.write_text("{}")
    assert resource_types([str(good), str(empty)]) == frozenset({"AWS::S3::Bucket"})
    broken = tmp_path / "broken.template.json"
    broken.write_text("{not json")
    assert resource_types([str(good), str(broken)]) is None
    assert resource_types([str(tmp_path / "missing.template.json")]) is None
    listed = tmp_path / "list.template.json"
    listed.write_text("[]")
    assert resource_types([str(listed)]) is None


@pytest.mark.slow
def test_the_rules_skipped_change_no_finding_of_the_plugin(
    synthesized: Callable[[str], Synthesized],
) -> None:
    """All 237 rules, as the plugin runs them, against ours on the bundled example's
    templates (45 resource types): the same findings, the plugin's own, before CDK applies
    the acknowledgements."""
    templates = sorted(synthesized("hello").outdir.glob("*.template.json"))
    context: Any = _Templates(templates)  # holds only what the plugins read of CDK's context
    skipped = not_applicable(rule_types(), resource_types(context.template_paths))
    assert len(skipped) > 100, skipped
    full = _findings(CfnGuardValidator(control_tower_rules_enabled=True).validate(context))
    ours = ControlTowerControls().validate(context)
    assert full, "the example's templates hold findings the check can compare"
    assert _findings(ours) == full
    assert {v.severity for v in ours.violations} == {"error"}


def _library(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return path


def test_the_types_of_a_rule_are_those_its_code_names(tmp_path: Path) -> None:
    folder = "package/rules/control-tower/cfn-guard/"
    library = _library(
        tmp_path / "plugin.jsii.tgz",
        {
            f"{folder}s3/ct-s3-pr-1.guard": "# AWS::S3::AccessPoint in prose\n"
            'let RESOURCE_TYPE = "AWS::S3::Bucket"\n',
            f"{folder}x/ct-twice.guard": 'let T = "AWS::SNS::Topic"\n',
            f"{folder}y/ct-twice.guard": 'let T = "AWS::SQS::Queue"\n',
            f"{folder}z/ct-no-type.guard": "rule r { Resources exists }\n",
            "package/rules/other/ct-elsewhere.guard": 'let T = "AWS::EC2::VPC"\n',
        },
    )
    assert read_rule_types(library) == {
        "ct-s3-pr-1": {"AWS::S3::Bucket"},
        "ct-twice": frozenset(),
        "ct-no-type": frozenset(),
    }


def test_a_library_that_cannot_be_read_skips_no_rule(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsii.tgz"
    broken.write_bytes(b"not a tarball")
    assert read_rule_types(broken) == {}
    assert read_rule_types(tmp_path / "missing.jsii.tgz") == {}
    assert not_applicable(read_rule_types(broken), frozenset({"AWS::S3::Bucket"})) == []
