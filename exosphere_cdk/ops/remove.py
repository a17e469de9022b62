"""What `cdk destroy` keeps of an app, found by its tag, and deleting it on request.

The app's stacks retain its hosted zone (when they created it), its log groups,
its KMS key and the load balancer's access-log bucket: deleting a stack keeps
them, and CloudFormation then forgets them. Every resource of the app carries
the tag `exosphere:app` = the app's slug, and outside production `exosphere:env` =
the environment (design.app.tags), so they are found by those tags, matched
exactly (the app `x` never takes the app `x-y`'s, production never takes
staging's, which carry an `exosphere:env` tag),
through the Resource Groups Tagging API (log groups, the key, the bucket) and
Route53's own tags (the hosted zone, a global resource). Nothing here prints.

The databases' snapshots (a manual one, and the final one that deleting the data
stack takes) are the app's data: they are listed, never deleted, and while one is
encrypted with the app's KMS key the key's deletion is not scheduled (it would
make them unrestorable). They are found by the app's tags, which the instances
copy to their snapshots, or by that key (a copy made by hand, untagged): not by
the instance's identifier, whose generated prefix (the stack's name, lowercased)
the app `x` would share with the app `x-data`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
from attrs import evolve, field, frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import APP_TAG, ENV_TAG, tags
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import AwsError, Deployed, aws_errors, clients, existing_stacks

__all__ = [
    "APP_TAG",
    "ENV_TAG",
    "KMS_PENDING_DAYS",
    "Leftover",
    "RemovalPlan",
    "Removed",
    "Snapshot",
    "StacksExistError",
    "key_kept",
    "removal_plan",
    "remove",
]

#: The shortest wait AWS allows before it deletes a KMS key.
KMS_PENDING_DAYS = 7
#: The services of what the stacks retain in the Tagging API (the zone is Route53's), by
#: service rather than type (`logs:log-group`, which moto names otherwise): the ARN tells.
_TAGGED_SERVICES = ["logs", "kms", "s3"]
#: Kinds in the order they are deleted: the key last (the logs it encrypted go first).
KINDS = ("hosted zone", "S3 bucket", "log group", "KMS key")
#: Error codes of a resource that is already gone.
_GONE = frozenset(
    {"NoSuchBucket", "ResourceNotFoundException", "NotFoundException", "NoSuchHostedZone"}
)


class StacksExistError(AwsError):
    """The app's stacks are still deployed: `cdk destroy` comes first."""

    def __init__(self, stacks: list[str], region: str) -> None:
        others = f" and {len(stacks) - 1} other stack{'s' * (len(stacks) > 2)}" * (len(stacks) > 1)
        super().__init__(
            f"{stacks[0]}{others} of the app still exist{'s' * (len(stacks) == 1)} in {region}:"
            " run `cdk destroy --all` first, then `exo-cdk remove --yes` again"
        )
        self.stacks = stacks


@frozen
class Leftover:
    """One resource the app's stacks kept.

    Attributes:
        kind: `hosted zone`, `S3 bucket`, `log group` or `KMS key`.
        name: what the user knows it by (zone name, bucket or group name, key id).
        ident: what deleting it takes (zone id, bucket name, group name, key id).
        detail: what deleting it means beyond the name (objects, records, the wait).
    """

    kind: str
    name: str
    ident: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "id": self.ident, "detail": self.detail}


@frozen
class Snapshot:
    """A DB snapshot of the app's databases: kept, never deleted by `remove`.

    Attributes:
        ident: the snapshot's identifier.
        instance: the identifier of the instance it was taken of.
        detail: its type, size and date, and what it is encrypted with.
        key: the id of the app's KMS key it is encrypted with (None: another key, or none).
    """

    ident: str
    instance: str
    detail: str
    key: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"id": self.ident, "instance": self.instance, "detail": self.detail, "key": self.key}


@frozen
class RemovalPlan:
    """What `remove` would delete, the app's stacks that still exist, and its DB snapshots."""

    slug: str
    region: str
    stacks: list[str]
    leftovers: list[Leftover]
    env: str
    #: What the environment's names start with (design.derive.deployment_name).
    deployment: str
    #: The app's DB snapshots, which `remove` keeps.
    snapshots: list[Snapshot] = field(factory=list)

    def blocking(self, key: Leftover) -> list[Snapshot]:
        """The snapshots encrypted with `key`, which keep it from being scheduled for deletion."""
        return [snap for snap in self.snapshots if snap.key == key.ident]

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "env": self.env,
            "region": self.region,
            "stacks": self.stacks,
            "leftovers": [item.as_json() for item in self.leftovers],
            "snapshots": [snap.as_json() for snap in self.snapshots],
        }


@frozen
class Removed:
    """The outcome for one leftover: deleted (or scheduled), already gone, or an error."""

    leftover: Leftover
    outcome: str
    ok: bool


@frozen
class _Clients:
    deployed: Deployed
    region: str
    cloudformation: Any
    tagging: Any
    logs: Any
    kms: Any
    s3: Any
    route53: Any
    rds: Any


def _clients(app: LoadedApp, session: boto3.Session) -> _Clients:
    deployed = clients(app, session)  # the region, and a check that there are credentials
    with aws_errors():
        region = deployed.region
        return _Clients(
            deployed=deployed,
            region=region,
            cloudformation=deployed.cloudformation,
            tagging=session.client("resourcegroupstaggingapi", region_name=region),
            logs=deployed.logs,
            kms=session.client("kms", region_name=region),
            s3=session.client("s3", region_name=region),
            route53=session.client("route53", region_name=region),
            rds=session.client("rds", region_name=region),
        )


def removal_plan(app: LoadedApp, session: boto3.Session) -> RemovalPlan:
    """The environment's stacks that still exist and every retained resource tagged as it."""
    aws = _clients(app, session)
    with aws_errors():
        stacks = existing_stacks(aws.deployed, derive.stack_names(app))
        leftovers = [*_hosted_zones(aws, app), *_tagged(aws, app)]
        keys = {item.ident for item in leftovers if item.kind == "KMS key"}
        snapshots = sorted(_snapshots(aws, app, keys), key=lambda snap: snap.ident)
    order = {kind: i for i, kind in enumerate(KINDS)}
    leftovers.sort(key=lambda item: (order[item.kind], item.name))
    leftovers = [_held(item, snapshots) for item in leftovers]
    return RemovalPlan(
        slug=app.slug,
        region=aws.region,
        stacks=stacks,
        leftovers=leftovers,
        env=app.env_name,
        deployment=derive.deployment_name(app),
        snapshots=snapshots,
    )


def remove(app: LoadedApp, session: boto3.Session) -> tuple[RemovalPlan, list[Removed]]:
    """Delete what `removal_plan` finds; refuses (StacksExistError) while a stack exists.

    Buckets are emptied first (every object version and delete marker); the KMS
    key's deletion is scheduled `KMS_PENDING_DAYS` ahead (AWS's minimum), unless
    a DB snapshot is encrypted with it (then it is kept, and the outcome says what
    to do); a zone loses its records but its own NS and SOA, then is deleted. A
    failure is recorded and the others still go.
    """
    plan = removal_plan(app, session)
    if plan.stacks:
        raise StacksExistError(plan.stacks, plan.region)
    aws = _clients(app, session)
    deleters: dict[str, Callable[[_Clients, Leftover], str]] = {
        "hosted zone": _delete_zone,
        "S3 bucket": _delete_bucket,
        "log group": _delete_log_group,
        "KMS key": _schedule_key_deletion,
    }
    done: list[Removed] = []
    for item in plan.leftovers:
        if item.kind == "KMS key" and plan.blocking(item):
            done.append(Removed(item, key_kept(plan.blocking(item)), ok=True))
            continue
        with aws_errors():
            try:
                done.append(Removed(item, deleters[item.kind](aws, item), ok=True))
            except ClientError as exc:
                error = exc.response.get("Error", {})
                if error.get("Code") in _GONE:
                    done.append(Removed(item, "already gone", ok=True))
                elif error.get("Code") in ("AccessDenied", "AccessDeniedException"):
                    raise
                else:
                    done.append(
                        Removed(item, f"{error.get('Code')}: {error.get('Message')}", ok=False)
                    )
    return plan, done


def _held(item: Leftover, snapshots: list[Snapshot]) -> Leftover:
    """The key as the plan shows it: kept while DB snapshots are encrypted with it."""
    held = [snap for snap in snapshots if item.kind == "KMS key" and snap.key == item.ident]
    if not held:
        return item
    count = f"{len(held)} DB snapshot{'s' * (len(held) != 1)}"
    return evolve(item, detail=f"kept: {count} encrypted with it")


def key_kept(snapshots: list[Snapshot]) -> str:
    """Why the key's deletion is not scheduled, and what to do, in one line."""
    count = f"{len(snapshots)} DB snapshot{'s' * (len(snapshots) != 1)}"
    return (
        f"not scheduled for deletion: {count} ({', '.join(s.ident for s in snapshots)})"
        f" {'are' if len(snapshots) != 1 else 'is'} encrypted with it and would become"
        " unrestorable: copy them re-encrypted with another key (`aws rds copy-db-snapshot"
        " --kms-key-id`) or delete them, then run `exo-cdk remove --yes` again"
    )


# ---------------------------------------------------------------- finding


def _of_environment(app: LoadedApp, found: dict[str, str]) -> bool:
    """Whether a resource with the tags `found` is of the app's deployed environment: the
    slug's tag, and the environment's (none in production: another environment's is not)."""
    return all(found.get(key) == tags(app).get(key) for key in (APP_TAG, ENV_TAG))


def _tagged(aws: _Clients, app: LoadedApp) -> Iterator[Leftover]:
    wanted = [{"Key": key, "Values": [value]} for key, value in tags(app).items()]
    pages = aws.tagging.get_paginator("get_resources").paginate(
        TagFilters=wanted, ResourceTypeFilters=_TAGGED_SERVICES
    )
    for page in pages:
        for mapping in page["ResourceTagMappingList"]:
            found = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
            if not _of_environment(app, found):  # the filter matches exactly; say so twice
                continue
            item = _describe(aws, mapping["ResourceARN"])
            if item is not None:
                yield item


def _describe(aws: _Clients, arn: str) -> Leftover | None:
    """The leftover `arn` names, or None when it is gone or already on its way out."""
    service, resource = arn.split(":")[2], arn.split(":", 5)[5]
    if service == "logs" and resource.startswith("log-group:"):
        name = resource.removeprefix("log-group:").removesuffix(":*")
        groups = aws.logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        stored = next((g for g in groups if g["logGroupName"] == name), None)
        if stored is None:
            return None
        size = stored.get("storedBytes", 0)
        return Leftover("log group", name, name, f"{size} bytes stored" if size else "")
    if service == "kms" and resource.startswith("key/"):
        try:
            key = aws.kms.describe_key(KeyId=arn)["KeyMetadata"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                return None
            raise
        if key.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            return None
        return Leftover(
            "KMS key",
            key["KeyId"],
            key["KeyId"],
            f"deletion scheduled {KMS_PENDING_DAYS} days ahead (AWS's minimum wait)",
        )
    if service == "s3" and "/" not in resource:
        versions = _object_versions(aws, resource)
        if versions is None:
            return None
        count = len(versions)
        return Leftover(
            "S3 bucket", resource, resource, f"{count} object version{'s' * (count != 1)}"
        )
    return None


def _object_versions(aws: _Clients, bucket: str) -> list[dict[str, str]] | None:
    """Every object version and delete marker of `bucket`; None when it does not exist."""
    found: list[dict[str, str]] = []
    try:
        for page in aws.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return None
        raise
    return found


def _snapshots(aws: _Clients, app: LoadedApp, keys: set[str]) -> Iterator[Snapshot]:
    """The DB snapshots tagged as the environment, or encrypted with one of its `keys`."""
    for page in aws.rds.get_paginator("describe_db_snapshots").paginate():
        for snap in page["DBSnapshots"]:
            found = {t["Key"]: t["Value"] for t in snap.get("TagList", [])}
            key_id = str(snap.get("KmsKeyId") or "").rsplit("/", 1)[-1]
            key = key_id if key_id in keys else None
            if key is None and not _of_environment(app, found):
                continue
            taken = snap.get("SnapshotCreateTime")
            when = f", taken {taken:%Y-%m-%d}" if taken is not None else ""
            encrypted = (
                "the app's key" if key else "another key" if snap.get("Encrypted") else "none"
            )
            yield Snapshot(
                snap["DBSnapshotIdentifier"],
                snap.get("DBInstanceIdentifier", ""),
                f"{snap.get('SnapshotType', 'manual')}, {snap.get('AllocatedStorage', 0)} GiB"
                f"{when}, encrypted with {encrypted}",
                key,
            )


def _hosted_zones(aws: _Clients, app: LoadedApp) -> Iterator[Leftover]:
    """The app's public zones: named `domain`, tagged as the environment (an imported zone
    is not)."""
    if app.domain is None:
        return
    name = f"{app.domain}."
    answer = aws.route53.list_hosted_zones_by_name(DNSName=name)
    for zone in answer["HostedZones"]:
        if zone["Name"] != name or zone.get("Config", {}).get("PrivateZone"):
            continue
        zone_id = zone["Id"].removeprefix("/hostedzone/")
        zone_tags = aws.route53.list_tags_for_resource(
            ResourceType="hostedzone", ResourceId=zone_id
        )
        values = {t["Key"]: t["Value"] for t in zone_tags["ResourceTagSet"].get("Tags", [])}
        if not _of_environment(app, values):
            continue
        records = len(_records(aws, zone_id, name))
        yield Leftover(
            "hosted zone",
            name,
            zone_id,
            f"{records} record set{'s' * (records != 1)} besides its NS and SOA",
        )


def _records(aws: _Clients, zone_id: str, apex: str) -> list[dict[str, Any]]:
    """The zone's record sets but the apex NS and SOA (Route53 deletes those with the zone)."""
    found = []
    pages = aws.route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
    for page in pages:
        for record in page["ResourceRecordSets"]:
            if record["Name"] == apex and record["Type"] in ("NS", "SOA"):
                continue
            found.append(record)
    return found


# ---------------------------------------------------------------- deleting


def _delete_zone(aws: _Clients, item: Leftover) -> str:
    records = _records(aws, item.ident, item.name)
    for start in range(0, len(records), 500):
        batch = records[start : start + 500]
        aws.route53.change_resource_record_sets(
            HostedZoneId=item.ident,
            ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": r} for r in batch]},
        )
    aws.route53.delete_hosted_zone(Id=item.ident)
    return f"deleted with {len(records)} record set{'s' * (len(records) != 1)}"


def _delete_bucket(aws: _Clients, item: Leftover) -> str:
    versions = _object_versions(aws, item.ident) or []
    for start in range(0, len(versions), 1000):
        aws.s3.delete_objects(
            Bucket=item.ident,
            Delete={"Objects": versions[start : start + 1000], "Quiet": True},
        )
    aws.s3.delete_bucket(Bucket=item.ident)
    return f"emptied ({len(versions)} object version{'s' * (len(versions) != 1)}) and deleted"


def _delete_log_group(aws: _Clients, item: Leftover) -> str:
    aws.logs.delete_log_group(logGroupName=item.ident)
    return "deleted"


def _schedule_key_deletion(aws: _Clients, item: Leftover) -> str:
    answer = aws.kms.schedule_key_deletion(KeyId=item.ident, PendingWindowInDays=KMS_PENDING_DAYS)
    when = answer.get("DeletionDate")
    on = f" on {when:%Y-%m-%d}" if when is not None else ""
    return (
        f"deletion scheduled{on} ({KMS_PENDING_DAYS} days, AWS's minimum; until then"
        f" `aws kms cancel-key-deletion --key-id {item.name}` keeps it)"
    )
