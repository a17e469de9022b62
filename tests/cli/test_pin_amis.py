"""`exo-cdk pin-amis` against moto: the recommended ECS-optimized AMIs from SSM, in a file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.amis import AMI_PARAMETERS
from tests import moto_app
from tests.apps import AppFactory


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[object]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.client("ssm", region_name=moto_app.REGION)


def _published(ssm: object) -> dict[str, str]:
    """What SSM names today (moto publishes AWS's parameters)."""
    return {
        arch: ssm.get_parameter(Name=name)["Parameter"]["Value"]  # type: ignore[attr-defined]
        for arch, name in AMI_PARAMETERS.items()
    }


def test_pin_then_read_then_update(
    make_app: AppFactory, ssm: object, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(None)
    amis = _published(ssm)
    assert main(["pin-amis", str(app)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"x86_64: {amis['x86_64']}",
        f"arm64: {amis['arm64']}",
        "pinned in app/ami-pins.production.json for us-east-1; commit it",
    ]
    assert json.loads((app / "ami-pins.production.json").read_text()) == {
        "region": "us-east-1",
        "amis": amis,
        "parameters": dict(AMI_PARAMETERS),
    }
    loaded = load_app(app)
    assert loaded.ami_pins is not None
    assert dict(loaded.ami_pins.images) == amis
    # again: nothing changed
    assert main(["pin-amis", str(app)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "app/ami-pins.production.json is up to date; commit it"
    )
    # pinned a month ago: since then AWS published a new x86_64 AMI. Updating the pin is a
    # deliberate step, and says what it costs.
    pin = app / "ami-pins.production.json"
    old = json.loads(pin.read_text())
    old["amis"]["x86_64"] = "ami-0aaaaaaaaaaaaaaaa"
    pin.write_text(json.dumps(old))
    assert main(["pin-amis", str(app)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"x86_64: {amis['x86_64']} (was ami-0aaaaaaaaaaaaaaaa)",
        f"arm64: {amis['arm64']} (unchanged)",
        "updated app/ami-pins.production.json: the next deploy replaces the instances of the"
        " clusters on the changed AMIs, one at a time (ExoCom's too: the bus restarts; exo-cdk"
        " guard shows which); commit it",
    ]


def test_without_credentials(
    make_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", moto_app.REGION)
    app = make_app(None)
    assert main(["pin-amis", str(app)]) == 2
    assert capsys.readouterr().err.startswith("exo-cdk: error: no AWS credentials")
    assert not (app / "ami-pins.production.json").exists()
