"""The rule packs (cdk-nag's AWS Solutions and NIST 800-53 r5, Control Tower's proactive
controls), cfn-lint and checkov on every example: clean, and each fails on a bad construct."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs

from exosphere_cdk.manifest.data.packs import COMPLIANCE_PACKS, DEFAULT_PACKS
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.stacks import add_compliance_checks, build_stacks
from exosphere_cdk.stacks.platform import PlatformStack
from exosphere_cdk.synth import new_app
from exosphere_constructs.compliance import acknowledge
from tests.apps import AppFactory
from tests.conftest import CORPUS, EXAMPLES, REPO
from tests.synth import Synthesized, synthesize

CFN_LINT = REPO / ".venv" / "bin" / "cfn-lint"
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
#: Our examples, and space-tweet without its domain when the corpus is here.
CHECKED = [*EXAMPLES, *(["space-tweet-no-domain"] if CORPUS else [])]
#: The validation plugin of each pack, as the report names it.
PLUGINS = {
    "aws-solutions": "AwsSolutions",
    "nist-800-53-r5": "NIST.800.53.R5",
    "control-tower": "cdk-validator-cfnguard",
}


def _cfn_lint(templates: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _checkov(directory: Path) -> dict[str, Any]:
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    reports: list[dict[str, Any]] = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for r in reports
        for check in r.get("results", {}).get("failed_checks", [])
    ]
    skipped = [check for r in reports for check in r.get("results", {}).get("skipped_checks", [])]
    return {"failed": failed, "skipped": skipped}


def _templates(outdir: Path) -> list[Path]:
    return sorted(outdir.glob("*.template.json"))


@pytest.fixture(scope="module")
def assemblies(
    synthesized: Callable[[str], Synthesized], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every checked example's templates (synthesized with cdk-nag on) in one folder."""
    root = tmp_path_factory.mktemp("assemblies")
    for example in CHECKED:
        for template in _templates(synthesized(example).outdir):
            shutil.copy(template, root / f"{example}--{template.name}")
    return root


def _report(outdir: Path) -> dict[str, dict[str, Any]]:
    """validation-report.json's plugin reports by plugin name."""
    report = json.loads((outdir / "validation-report.json").read_text())
    return {p["pluginName"]: p for p in report["pluginReports"]}


def _findings(plugin_report: dict[str, Any]) -> list[str]:
    return sorted(
        f"{v['ruleName']} {c.get('constructPath', '')}"
        for v in plugin_report.get("violations", [])
        for c in v.get("violatingConstructs", [])
    )


@pytest.mark.parametrize("pack", list(PLUGINS))
def test_each_pack_passes_every_example(
    synthesized: Callable[[str], Synthesized], pack: str
) -> None:
    """No finding is left that is not acknowledged on its construct."""
    for example in CHECKED:
        plugin = _report(synthesized(example).outdir)[PLUGINS[pack]]
        assert (example, plugin["conclusion"], _findings(plugin)) == (example, "success", [])


def test_the_packs_are_named_alike_in_the_context_and_the_stacks() -> None:
    assert set(PLUGINS) == set(COMPLIANCE_PACKS)
    assert DEFAULT_PACKS == ("aws-solutions",)


def test_an_unknown_pack_or_rule_is_refused(tmp_path: Path) -> None:
    scope = new_app(outdir=tmp_path)
    with pytest.raises(ValueError, match=r"unknown rule packs \['nist'\]"):
        add_compliance_checks(scope, ["nist"])
    with pytest.raises(ValueError, match=r"'HIPAA\.Security-X' is not a rule of a known cdk-nag"):
        acknowledge(scope, "HIPAA.Security-X", "a reason long enough to pass the length check")


def test_cfn_lint_finds_nothing(assemblies: Path) -> None:
    result = _cfn_lint(_templates(assemblies))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_checkov_finds_nothing_and_every_skip_has_a_reason(assemblies: Path) -> None:
    report = _checkov(assemblies)
    assert report["failed"] == []
    assert report["skipped"], "the known skips should be reported as skipped"
    for check in report["skipped"]:
        assert len(check.get("check_result", {}).get("suppress_comment", "")) > 40, check


def test_an_app_with_waf_and_locked_containers_passes_every_pack_and_cfn_lint(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """The opt-ins add resources and settings that every checker accepts."""
    aws = {"waf": True}
    locked = {"production": {"aws": {"read-only-root": True, "user": "1000:1000"}}}
    app_dir = make_app(
        {
            "application.yml": {"environments": {"production": {"providers": {"aws": aws}}}},
            "web/service.yml": locked,
        }
    )
    result = synthesize(app_dir, tmp_path / "cdk.out")  # every pack: a finding raises
    platform = result.template("platform")
    platform.resource_count_is("AWS::WAFv2::WebACL", 1)
    platform.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    for name, plugin in _report(result.outdir).items():
        assert _findings(plugin) == [], name
    lint = _cfn_lint(_templates(result.outdir))
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stdout + lint.stderr


# ---------------------------------------------------------------- each checker bites


def _hello_with(inject: Callable[[PlatformStack], None], tmp_path: Path) -> Path:
    """Synthesize hello with `inject` applied to its platform stack, cdk-nag off."""
    scope = new_app(outdir=tmp_path)
    stacks = build_stacks(scope, load_app(EXAMPLES["hello"]))
    inject(stacks.platform)
    scope.synth()
    return tmp_path


def _ssh_open_to_the_world(stack: PlatformStack) -> None:
    group = ec2.SecurityGroup(stack, "Bad", vpc=stack.public_cluster.cluster.vpc, description="bad")
    group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))


def test_cdk_nag_fails_the_synthesis_on_a_finding(tmp_path: Path) -> None:
    """By default (no `-c nag-packs`) AWS Solutions alone gates the synthesis."""
    scope = new_app(outdir=tmp_path)
    stacks = build_stacks(scope, load_app(EXAMPLES["hello"]))
    _ssh_open_to_the_world(stacks.platform)
    add_compliance_checks(scope)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        scope.synth()
    reports = _report(tmp_path)
    assert "AwsSolutions-EC23 hello-platform/Bad/Resource" in _findings(reports["AwsSolutions"])
    assert "NIST.800.53.R5" not in reports
    assert "cdk-validator-cfnguard" not in reports


def _plain_log_group(stack: PlatformStack) -> None:
    """A log group of CloudWatch's own encryption, kept for a week."""
    logs.LogGroup(stack, "BadLogs", retention=logs.RetentionDays.ONE_WEEK)


@pytest.mark.parametrize(
    ("pack", "finding"),
    [
        ("nist-800-53-r5", "NIST.800.53.R5-CloudWatchLogGroupEncrypted"),
        ("control-tower", "cloudwatch_log_group_encrypted_check"),
    ],
)
def test_each_stricter_pack_fails_the_synthesis_on_a_finding(
    tmp_path: Path, pack: str, finding: str
) -> None:
    scope = new_app(outdir=tmp_path)
    stacks = build_stacks(scope, load_app(EXAMPLES["hello"]))
    _plain_log_group(stacks.platform)
    add_compliance_checks(scope, [pack])
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        scope.synth()
    reports = _report(tmp_path)
    assert f"{finding} hello-platform/BadLogs/Resource" in _findings(reports[PLUGINS[pack]])
    assert "AwsSolutions" not in reports


def test_cfn_lint_fails_on_a_bad_template(tmp_path: Path) -> None:
    def bad_retention(stack: PlatformStack) -> None:
        group = logs.LogGroup(stack, "BadLogs")
        group.node.default_child.add_property_override("RetentionInDays", 42)  # type: ignore[union-attr]

    outdir = _hello_with(bad_retention, tmp_path)
    result = _cfn_lint([outdir / "hello-platform.template.json"])
    assert result.returncode != 0
    assert ":E3030:'42 is not one of" in result.stdout.replace("E3030:42", "E3030:'42")


def test_checkov_fails_on_a_bad_construct(tmp_path: Path) -> None:
    outdir = _hello_with(_ssh_open_to_the_world, tmp_path)
    for other in _templates(outdir):
        if other.name != "hello-platform.template.json":
            other.unlink()
    failed = _checkov(outdir)["failed"]
    assert any(line.startswith("CKV_AWS_24 AWS::EC2::SecurityGroup.Bad") for line in failed), failed


def test_every_acknowledgement_sits_on_its_construct_with_a_reason(
    synthesized: Callable[[str], Synthesized],
) -> None:
    found = 0
    for example in CHECKED:
        for metadata_file in synthesized(example).outdir.glob("*.metadata.json"):
            for path, entries in json.loads(metadata_file.read_text()).items():
                for entry in entries:
                    if entry["type"] != "aws:cdk:acknowledged-rules":
                        continue
                    # `/stack/Construct[/...]`: never the app, never a whole stack.
                    assert path.count("/") >= 2, path
                    for rule, reason in entry["data"].items():
                        if rule.split("::")[0] not in PLUGINS.values():
                            continue  # CDK's own acknowledgements of its built-in rules
                        assert len(reason) >= 40, (path, rule, reason)
                        found += 1
    assert found > 0
