"""`exo-cdk remove` against moto: a dry run by default, --yes deletes, one-line refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from exosphere_cdk.cli import main
from tests import moto_app
from tests.apps import AppFactory
from tests.ops.test_remove import SLUG, kept, snapshots

REGION = moto_app.REGION


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    with mock_aws():
        yield boto3.Session()


@pytest.fixture
def app_dir(make_app: AppFactory) -> str:
    return str(make_app(None))


def test_without_yes_it_only_shows_what_would_go(
    app_dir: str, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = kept(session, SLUG)
    assert main(["remove", app_dir]) == 0
    out = capsys.readouterr().out
    assert f"demo in {REGION}: what `remove --yes` would delete" in out
    assert "│ hosted zone │ demo.example.com. " in out
    assert f"│ S3 bucket   │ {ours['bucket']} " in out
    assert "│ 3 object versions " in out
    (key_line,) = (line for line in out.splitlines() if "KMS key" in line)
    assert key_line.startswith(f"│ KMS key     │ {ours['key']} ")
    assert key_line.endswith("│ deletion scheduled 7 days ahead (AWS's minimum wait) │")
    assert out.endswith(
        f"to deploy the app again on the kept zone {ours['zone']} (its delegation kept), do not"
        f" remove it: set hosted-zone-id: {ours['zone']} in application.yml"
        " (environments.<env>.providers.aws); the next deploy then creates no second zone\n"
        f"nothing was deleted: `exo-cdk remove {app_dir} --yes` deletes these\n"
    )
    # Nothing was deleted.
    assert len(session.client("s3").list_buckets()["Buckets"]) == 1
    assert main(["remove", app_dir, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["deleted"], document["slug"], document["stacks"]) == (False, "demo", [])
    assert [item["kind"] for item in document["leftovers"]] == [
        "hosted zone",
        "S3 bucket",
        "log group",
        "log group",
        "KMS key",
    ]


def test_with_yes_it_deletes(
    app_dir: str, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = kept(session, SLUG)
    assert main(["remove", app_dir, "--yes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "hosted zone demo.example.com.: deleted with 2 record sets",
        f"S3 bucket {ours['bucket']}: emptied (3 object versions) and deleted",
        "log group demo-network-NetworkFlowLogs-GhIjKl: deleted",
        "log group demo-web-ServiceLogs205D48C6-AbCdEf: deleted",
    ]
    assert lines[4].startswith(f"KMS key {ours['key']}: deletion scheduled on ")
    assert len(lines) == 5
    assert main(["remove", app_dir, "--yes"]) == 0
    assert capsys.readouterr().out == f"nothing of demo is left in {REGION}\n"


def test_db_snapshots_are_listed_and_keep_the_key(
    app_dir: str, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = kept(session, SLUG)
    instance, *names = snapshots(session, SLUG, ours["key"])
    kept_line = (
        f"KMS key {ours['key']}: not scheduled for deletion: 3 DB snapshots"
        f" ({', '.join(names)}) are encrypted with it and would become unrestorable: copy them"
        " re-encrypted with another key (`aws rds copy-db-snapshot --kms-key-id`) or delete"
        " them, then run `exo-cdk remove --yes` again"
    )
    assert main(["remove", app_dir]) == 0
    out = capsys.readouterr().out
    (key_row,) = (line for line in out.splitlines() if line.startswith("│ KMS key"))
    assert key_row.endswith("│ kept: 3 DB snapshots encrypted with it │")
    assert "demo's DB snapshots: `remove` keeps them" in out
    assert f"│ demo-final  │ {instance} │ manual, 20 GiB, taken " in out
    assert f"{kept_line}\n" in out
    assert main(["remove", app_dir, "--yes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" (")[0] for line in lines[:3]] == [
        f"DB snapshot {name}: kept" for name in names
    ]
    assert lines[-1] == kept_line
    assert session.client("kms").describe_key(KeyId=ours["key"])["KeyMetadata"]["KeyState"] == (
        "Enabled"
    )


def test_yes_refuses_while_a_stack_exists(
    app_dir: str, session: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    kept(session, SLUG)
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}
    session.client("cloudformation").create_stack(
        StackName="demo-platform", TemplateBody=json.dumps(template)
    )
    assert main(["remove", app_dir, "--yes"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (
        "",
        f"exo-cdk: error: demo-platform of the app still exists in {REGION}: run `cdk destroy"
        " --all` first, then `exo-cdk remove --yes` again\n",
    )
    assert len(session.client("s3").list_buckets()["Buckets"]) == 1
    # The dry run says so too, and exits 0.
    assert main(["remove", app_dir]) == 0
    assert capsys.readouterr().out.endswith(
        "1 of the app's stacks still exist: `cdk destroy --all` first (`remove --yes` refuses"
        " until then)\n"
    )


@pytest.mark.parametrize("yes", [[], ["--yes"]])
def test_without_credentials(
    yes: list[str],
    app_dir: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert main(["remove", app_dir, *yes]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("exo-cdk: error: no AWS credentials: none found")
    assert captured.err.count("\n") == 1
