"""ops.remove against moto: what `cdk destroy` kept, found by the app's exact tag, and deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws

from exosphere_cdk.manifest.load.eras import load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import CredentialsError
from exosphere_cdk.ops.remove import (
    KMS_PENDING_DAYS,
    Leftover,
    Snapshot,
    StacksExistError,
    removal_plan,
    remove,
)
from tests import moto_app
from tests.apps import AppFactory

REGION = moto_app.REGION
#: The BASE app's slug and domain, and another app whose slug starts with it.
SLUG, OTHER, DOMAIN = "demo", "demo-2", "demo.example.com"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    with mock_aws():
        yield boto3.Session()


@pytest.fixture
def app(make_app: AppFactory) -> LoadedApp:
    return load_directory(str(make_app(None)), "production")


def _client(session: boto3.Session, service: str) -> Any:
    return session.client(service, region_name=REGION)


def kept(
    session: boto3.Session, slug: str, env: str | None = None, domain: str = DOMAIN
) -> dict[str, str]:
    """What an app's stacks keep after `cdk destroy`, named as CloudFormation names them
    (`env`: of that environment, whose names start with `<slug>-<env>`)."""
    tags = {"exosphere:app": slug} if env is None else {"exosphere:app": slug, "exosphere:env": env}
    slug = slug if env is None else f"{slug}-{env}"
    s3 = _client(session, "s3")
    bucket = f"{slug}-platform-loadbalanceraccesslogs-1a2b3c"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(
        Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="AWSLogs/elb.log.gz", Body=body)
    s3.delete_object(Bucket=bucket, Key="AWSLogs/elb.log.gz")  # a delete marker
    logs = _client(session, "logs")
    groups = [f"{slug}-web-ServiceLogs205D48C6-AbCdEf", f"{slug}-network-NetworkFlowLogs-GhIjKl"]
    for group in groups:
        logs.create_log_group(logGroupName=group, tags=tags)
    key = _client(session, "kms").create_key(
        Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()]
    )["KeyMetadata"]["KeyId"]
    route53 = _client(session, "route53")
    zone = route53.create_hosted_zone(Name=domain, CallerReference=slug)["HostedZone"]["Id"]
    zone_id = zone.removeprefix("/hostedzone/")
    route53.change_tags_for_resource(
        ResourceType="hostedzone",
        ResourceId=zone_id,
        AddTags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": f"{name}.",
                        "Type": kind,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": value}],
                    },
                }
                for name, kind, value in (
                    (f"www.{domain}", "A", "192.0.2.1"),
                    (f"_acme.{domain}", "CNAME", "_x.acm-validations.aws."),
                )
            ]
        },
    )
    return {"bucket": bucket, "groups": ",".join(groups), "key": key, "zone": zone_id}


def test_the_plan_lists_exactly_what_the_apps_stacks_kept(
    app: LoadedApp, session: boto3.Session
) -> None:
    ours = kept(session, SLUG)
    kept(session, OTHER)  # the same domain, a slug that starts with ours
    _client(session, "logs").create_log_group(logGroupName=f"{SLUG}-untagged")
    plan = removal_plan(app, session)
    assert (plan.slug, plan.region, plan.stacks) == (SLUG, REGION, [])
    first, second = ours["groups"].split(",")
    assert plan.leftovers == [
        Leftover("hosted zone", f"{DOMAIN}.", ours["zone"], "2 record sets besides its NS and SOA"),
        Leftover("S3 bucket", ours["bucket"], ours["bucket"], "3 object versions"),
        Leftover("log group", second, second, ""),
        Leftover("log group", first, first, ""),
        Leftover(
            "KMS key",
            ours["key"],
            ours["key"],
            f"deletion scheduled {KMS_PENDING_DAYS} days ahead (AWS's minimum wait)",
        ),
    ]


def test_remove_deletes_them_and_nothing_of_another_app(
    app: LoadedApp, session: boto3.Session
) -> None:
    ours = kept(session, SLUG)
    theirs = kept(session, OTHER)
    _, done = remove(app, session)
    assert [(d.leftover.kind, d.ok) for d in done] == [
        ("hosted zone", True),
        ("S3 bucket", True),
        ("log group", True),
        ("log group", True),
        ("KMS key", True),
    ]
    assert done[0].outcome == "deleted with 2 record sets"
    assert done[1].outcome == "emptied (3 object versions) and deleted"
    assert done[4].outcome.startswith("deletion scheduled on ")
    assert done[4].outcome.endswith(
        f"({KMS_PENDING_DAYS} days, AWS's minimum; until then"
        f" `aws kms cancel-key-deletion --key-id {ours['key']}` keeps it)"
    )
    # Ours: gone, or on their way out.
    assert [b["Name"] for b in _client(session, "s3").list_buckets()["Buckets"]] == [
        theirs["bucket"]
    ]
    groups = _client(session, "logs").describe_log_groups()["logGroups"]
    assert sorted(g["logGroupName"] for g in groups) == sorted(theirs["groups"].split(","))
    kms = _client(session, "kms")
    assert kms.describe_key(KeyId=ours["key"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert kms.describe_key(KeyId=theirs["key"])["KeyMetadata"]["KeyState"] == "Enabled"
    zones = _client(session, "route53").list_hosted_zones()["HostedZones"]
    assert [z["Id"].removeprefix("/hostedzone/") for z in zones] == [theirs["zone"]]
    # A second run finds nothing of ours (the key pending deletion is not listed again).
    assert removal_plan(app, session).leftovers == []
    assert remove(app, session)[1] == []


def snapshots(session: boto3.Session, slug: str, key: str) -> list[str]:
    """What deleting the data stack leaves of a database of the app `slug`: a manual
    snapshot and the final one, tagged as the instance (CopyTagsToSnapshot), both
    encrypted with `key`; and an untagged copy of the manual one with that key."""
    rds = _client(session, "rds")
    arn = _client(session, "kms").describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    instance = f"{slug}-data-notesdbinstance1a2b3c-abcdefghijkl"
    rds.create_db_instance(
        DBInstanceIdentifier=instance,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="notes",
        MasterUserPassword="a-password",
        StorageEncrypted=True,
        KmsKeyId=arn,
        CopyTagsToSnapshot=True,
        Tags=[{"Key": "exosphere:app", "Value": slug}],
    )
    rds.create_db_snapshot(DBInstanceIdentifier=instance, DBSnapshotIdentifier=f"{slug}-manual")
    rds.delete_db_instance(DBInstanceIdentifier=instance, FinalDBSnapshotIdentifier=f"{slug}-final")
    rds.copy_db_snapshot(
        SourceDBSnapshotIdentifier=f"{slug}-manual",
        TargetDBSnapshotIdentifier=f"{slug}-copy",
        KmsKeyId=arn,
    )
    return [instance, f"{slug}-copy", f"{slug}-final", f"{slug}-manual"]


def test_db_snapshots_encrypted_with_the_key_keep_it(
    app: LoadedApp, session: boto3.Session
) -> None:
    ours = kept(session, SLUG)
    theirs = kept(session, OTHER)
    instance, *names = snapshots(session, SLUG, ours["key"])
    snapshots(session, OTHER, theirs["key"])
    plan = removal_plan(app, session)
    assert [(snap.ident, snap.instance, snap.key) for snap in plan.snapshots] == [
        (name, instance, ours["key"]) for name in names
    ]
    taken = f"{datetime.now(UTC):%Y-%m-%d}"
    assert plan.snapshots[1] == Snapshot(
        f"{SLUG}-final",
        instance,
        f"manual, 20 GiB, taken {taken}, encrypted with the app's key",
        ours["key"],
    )
    assert plan.leftovers[-1] == Leftover(
        "KMS key", ours["key"], ours["key"], "kept: 3 DB snapshots encrypted with it"
    )
    _, done = remove(app, session)
    assert [(d.leftover.kind, d.ok) for d in done][-1] == ("KMS key", True)
    assert done[-1].outcome == (
        f"not scheduled for deletion: 3 DB snapshots ({', '.join(names)}) are encrypted with"
        " it and would become unrestorable: copy them re-encrypted with another key (`aws rds"
        " copy-db-snapshot --kms-key-id`) or delete them, then run `exo-cdk remove --yes` again"
    )
    kms, rds = _client(session, "kms"), _client(session, "rds")
    assert kms.describe_key(KeyId=ours["key"])["KeyMetadata"]["KeyState"] == "Enabled"
    assert len(rds.describe_db_snapshots()["DBSnapshots"]) == 6  # none deleted
    # Once they are deleted, the key goes (and the snapshots of the other app stay).
    for name in names:
        rds.delete_db_snapshot(DBSnapshotIdentifier=name)
    plan, done = remove(app, session)
    assert (plan.snapshots, [d.leftover.kind for d in done]) == ([], ["KMS key"])
    assert done[0].outcome.startswith("deletion scheduled on ")
    assert kms.describe_key(KeyId=ours["key"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert len(rds.describe_db_snapshots()["DBSnapshots"]) == 3


def test_a_db_snapshot_re_encrypted_with_another_key_is_listed_and_keeps_nothing(
    app: LoadedApp, session: boto3.Session
) -> None:
    ours = kept(session, SLUG)
    snapshots(session, SLUG, ours["key"])
    rds = _client(session, "rds")
    other = _client(session, "kms").create_key()["KeyMetadata"]["Arn"]
    rds.copy_db_snapshot(
        SourceDBSnapshotIdentifier=f"{SLUG}-final",
        TargetDBSnapshotIdentifier=f"{SLUG}-final-rekeyed",
        KmsKeyId=other,
        CopyTags=True,
    )
    for name in ("copy", "final", "manual"):
        rds.delete_db_snapshot(DBSnapshotIdentifier=f"{SLUG}-{name}")
    plan = removal_plan(app, session)
    ((snap,),) = [plan.snapshots]
    assert (snap.ident, snap.key) == (f"{SLUG}-final-rekeyed", None)
    assert snap.detail.endswith(", encrypted with another key")
    assert plan.leftovers[-1].detail.startswith("deletion scheduled")


STAGING_DOMAIN = f"staging.{DOMAIN}"
#: The BASE app with a staging environment beside production.
STAGING = {"application.yml": {"environments": {"staging": {"domain": STAGING_DOMAIN}}}}


def test_each_environment_finds_only_its_own_leftovers(
    make_app: AppFactory, session: boto3.Session
) -> None:
    directory = str(make_app(STAGING))
    production = load_directory(directory, "production")
    staging = load_directory(directory, "staging")
    ours = kept(session, SLUG)
    theirs = kept(session, SLUG, "staging", STAGING_DOMAIN)
    # a zone of production's name tagged as staging's is not production's (nor staging's)
    route53 = _client(session, "route53")
    stray = route53.create_hosted_zone(Name=DOMAIN, CallerReference="stray")["HostedZone"]["Id"]
    route53.change_tags_for_resource(
        ResourceType="hostedzone",
        ResourceId=stray.removeprefix("/hostedzone/"),
        AddTags=[
            {"Key": "exosphere:app", "Value": SLUG},
            {"Key": "exosphere:env", "Value": "staging"},
        ],
    )
    in_production = removal_plan(production, session).leftovers
    in_staging = removal_plan(staging, session).leftovers
    assert sorted(item.ident for item in in_production) == sorted(
        [ours["zone"], ours["bucket"], *ours["groups"].split(","), ours["key"]]
    )
    assert sorted(item.ident for item in in_staging) == sorted(
        [theirs["zone"], theirs["bucket"], *theirs["groups"].split(","), theirs["key"]]
    )
    assert theirs["bucket"] == "demo-staging-platform-loadbalanceraccesslogs-1a2b3c"
    # removing staging leaves production's alone
    remove(staging, session)
    assert sorted(i.ident for i in removal_plan(production, session).leftovers) == sorted(
        i.ident for i in in_production
    )


def test_remove_refuses_while_a_stack_exists(app: LoadedApp, session: boto3.Session) -> None:
    ours = kept(session, SLUG)
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}}
    cfn = _client(session, "cloudformation")
    for part in ("network", "web"):
        cfn.create_stack(StackName=f"{SLUG}-{part}", TemplateBody=json.dumps(template))
    with pytest.raises(StacksExistError) as raised:
        remove(app, session)
    assert str(raised.value) == (
        f"{SLUG}-network and 1 other stack of the app still exist in {REGION}:"
        " run `cdk destroy --all` first, then `exo-cdk remove --yes` again"
    )
    # The dry run still shows the plan, and which stacks are in the way.
    assert removal_plan(app, session).stacks == [f"{SLUG}-network", f"{SLUG}-web"]
    assert _client(session, "s3").list_buckets()["Buckets"][0]["Name"] == ours["bucket"]
    # Once they are deleted, it goes ahead.
    for part in ("network", "web"):
        cfn.delete_stack(StackName=f"{SLUG}-{part}")
    assert len(remove(app, session)[1]) == 5


def test_an_app_without_a_domain_has_no_zone_to_remove(
    make_app: AppFactory, session: boto3.Session
) -> None:
    app = load_directory(
        str(
            make_app(
                {
                    "application.yml": {"environments": {"production": {"domain": "<delete>"}}},
                    "web/service.yml": {"production": {"url": "<delete>"}},
                }
            )
        ),
        "production",
    )
    kept(session, SLUG)
    kinds = [item.kind for item in removal_plan(app, session).leftovers]
    assert kinds == ["S3 bucket", "log group", "log group", "KMS key"]


def test_without_credentials(
    app: LoadedApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with pytest.raises(CredentialsError, match=r"^no AWS credentials: none found"):
        removal_plan(app, boto3.Session())
