# ruff: noqa: E501 - exact one-line messages
"""Pinned AMIs: read from the app's pin file (no lookup), booted by every cluster; refused when bad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.guard import ami_changes
from tests.apps import AppFactory, problem_lines
from tests.synth import synthesize

X86, ARM = "ami-0123456789abcdef0", "ami-0fedcba9876543210"
IN_REGION = {
    "application.yml": {
        "environments": {"production": {"providers": {"aws": {"region": "us-east-1"}}}}
    }
}


def _pins(app: Path, document: Any, env: str = "production") -> None:
    (app / f"ami-pins.{env}.json").write_text(
        document if isinstance(document, str) else json.dumps(document)
    )


def _image_ids(template: dict[str, Any]) -> list[Any]:
    return [
        r["Properties"]["LaunchTemplateData"]["ImageId"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::EC2::LaunchTemplate"
    ]


def test_every_cluster_boots_the_pinned_ami(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app(IN_REGION)
    _pins(app, {"region": "us-east-1", "amis": {"x86_64": X86, "arm64": ARM}})
    loaded = load_app(app)
    assert loaded.ami_pins is not None
    assert dict(loaded.ami_pins.images) == {"x86_64": X86, "arm64": ARM}
    synth = synthesize(app, tmp_path / "cdk.out")
    assert _image_ids(synth.templates["demo-platform"]) == [X86, X86]
    assert _image_ids(synth.templates["demo-exocom"]) == [X86]
    # no SSM lookup is left in the templates
    for name in ("demo-platform", "demo-exocom"):
        assert "ecs/optimized-ami" not in json.dumps(synth.templates[name])


def test_the_pin_file_is_checked(make_app: AppFactory) -> None:
    app = make_app(IN_REGION)
    _pins(app, {"region": "eu-west-1", "amis": {"x86_64": "ami-nothex", "riscv": X86}})
    assert problem_lines(app) == [
        "app/ami-pins.production.json: region: the AMIs are pinned in eu-west-1, the app deploys to us-east-1: pin them again (exo-cdk pin-amis)",
        "app/ami-pins.production.json: amis.x86_64: invalid AMI id 'ami-nothex', expected 'ami-' and hex digits",
        "app/ami-pins.production.json: amis.riscv: unknown architecture, expected x86_64, arm64",
    ]
    _pins(app, "{not json")
    (line,) = problem_lines(app)
    assert line.startswith(
        "app/ami-pins.production.json: not JSON (Expecting property name enclosed in double quotes"
    )
    assert line.endswith("): write it with exo-cdk pin-amis")
    # another environment's pins are not this one's
    _pins(app, {"region": "us-east-1", "amis": {"x86_64": X86}}, env="staging")
    (app / "ami-pins.production.json").unlink()
    assert load_app(app).ami_pins is None


UNPINNED = "note: no AMI pin (app/ami-pins.production.json): the instances boot the ECS-optimized AMI that SSM names at deploy time, so once AWS publishes a new one any deploy may replace every instance, ExoCom's included (the bus restarts); pin them with exo-cdk pin-amis app"


def test_validate_and_plan_say_when_there_is_no_pin(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    app = make_app(IN_REGION)
    assert main(["validate", str(app)]) == 0
    assert UNPINNED in capsys.readouterr().out.splitlines()
    assert main(["validate", str(app), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["ami_pins"], document["notes"]) == (None, [UNPINNED.removeprefix("note: ")])
    _pins(app, {"region": "us-east-1", "amis": {"x86_64": X86}})
    assert main(["validate", str(app)]) == 0
    assert "no AMI pin" not in capsys.readouterr().out
    assert main(["plan", str(app), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ami_pins"] == {
        "file": "app/ami-pins.production.json",
        "region": "us-east-1",
        "amis": {"x86_64": X86},
    }
    assert document["notes"] == []


def _launch_template(image: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::EC2::LaunchTemplate",
        "Properties": {"LaunchTemplateData": {"ImageId": image}},
    }


def test_guard_shows_an_ami_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ssm = {"Ref": "SsmParameterValueawsserviceecsoptimizedami"}
    old = {"demo-platform": {"Resources": {"Lt": _launch_template(ssm)}}}
    pinned = {"demo-platform": {"Resources": {"Lt": _launch_template(X86)}}}
    updated = {"demo-platform": {"Resources": {"Lt": _launch_template("ami-0aaaaaaaaaaaaaaaa")}}}
    assert [str(c) for c in ami_changes(old, pinned)] == [
        'demo-platform/Lt (AWS::EC2::LaunchTemplate): new AMI "!Ref SsmParameterValueawsserviceecsoptimizedami" -> "ami-0123456789abcdef0": its instances are replaced, one at a time',
    ]
    assert [str(c) for c in ami_changes(pinned, updated)] == [
        'demo-platform/Lt (AWS::EC2::LaunchTemplate): new AMI "ami-0123456789abcdef0" -> "ami-0aaaaaaaaaaaaaaaa": its instances are replaced, one at a time',
    ]
    assert ami_changes(pinned, pinned) == []
    # the command line shows it, and an AMI change alone is not unsafe
    for name, templates in (("old", pinned), ("new", updated)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "manifest.json").write_text(
            json.dumps(
                {
                    "version": "41.0.0",
                    "artifacts": {
                        "demo-platform": {
                            "type": "aws:cloudformation:stack",
                            "properties": {"templateFile": "demo-platform.template.json"},
                        }
                    },
                }
            )
        )
        (folder / "demo-platform.template.json").write_text(json.dumps(templates["demo-platform"]))
    capsys.readouterr()
    assert main(["guard", str(tmp_path / "old"), str(tmp_path / "new")]) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .endswith(
            '(AWS::EC2::LaunchTemplate): new AMI "ami-0123456789abcdef0" -> "ami-0aaaaaaaaaaaaaaaa": its instances are replaced, one at a time'
        )
    )
