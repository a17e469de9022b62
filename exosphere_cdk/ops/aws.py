"""What status, logs and remove share: boto3 clients in the app's region (and account, when
the environment pins one), its stacks, AWS errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import boto3  # type: ignore[import-untyped]
from attrs import frozen
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.model.app import LoadedApp

__all__ = [
    "AwsError",
    "CredentialsError",
    "Deployed",
    "NotDeployedError",
    "StackResource",
    "aws_errors",
    "check_account",
    "clients",
    "existing_stacks",
    "new_session",
    "stack_resources",
]

#: Error codes with which AWS refuses the caller, not the request.
_REFUSED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AuthFailure",
    }
)


class AwsError(UsageError):
    """AWS cannot answer for this app: one line for the user (the command line's exit 2)."""


class CredentialsError(AwsError):
    """No credentials, an unknown profile, or credentials AWS refuses."""


class NotDeployedError(AwsError):
    """A stack the command needs does not exist in the account and region."""

    def __init__(self, stack: str, region: str) -> None:
        super().__init__(f"stack {stack} is not deployed in {region}")
        self.stack = stack
        self.region = region


@contextmanager
def aws_errors() -> Iterator[None]:
    """botocore's errors that are the user's setup, not a bug, as AwsError."""
    try:
        yield
    except NoCredentialsError:
        raise CredentialsError(
            "no AWS credentials: none found in the environment, the shared files or"
            " the instance role (set AWS_PROFILE, or run `aws configure`)"
        ) from None
    except ProfileNotFound as exc:
        raise CredentialsError(f"no AWS credentials: {exc}") from None
    except NoRegionError:
        raise AwsError(
            "no AWS region: the app sets none (environments.production.providers.aws.region);"
            " set AWS_REGION or the profile's region"
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in _REFUSED:
            raise CredentialsError(
                f"AWS refused the credentials: {error.get('Code')}: {error.get('Message')}"
            ) from None
        raise
    except BotoCoreError as exc:  # no network, no endpoint for the region, ...
        raise AwsError(f"cannot reach AWS: {exc}") from None


@frozen
class Deployed:
    """boto3 clients for one app: CloudFormation, ECS, ELBv2 and CloudWatch Logs in `region`."""

    region: str
    cloudformation: Any
    ecs: Any
    elbv2: Any
    logs: Any


def new_session(profile: str | None = None) -> boto3.Session:
    """A session with the usual credentials: `profile`, else AWS_PROFILE, else the default."""
    with aws_errors():
        return boto3.Session(profile_name=profile)


def clients(app: LoadedApp, session: boto3.Session) -> Deployed:
    """Clients in the app's region (else the session's), after checking there are credentials."""
    with aws_errors():
        region = app.aws.region or session.region_name
        if not region:
            raise NoRegionError()
        if session.get_credentials() is None:
            raise NoCredentialsError()
        check_account(app, session, region)
        return Deployed(
            region=region,
            cloudformation=session.client("cloudformation", region_name=region),
            ecs=session.client("ecs", region_name=region),
            elbv2=session.client("elbv2", region_name=region),
            logs=session.client("logs", region_name=region),
        )


def check_account(app: LoadedApp, session: boto3.Session, region: str) -> None:
    """CredentialsError when the environment is pinned to an account and the credentials
    are of another (STS GetCallerIdentity, which needs no permission)."""
    pinned = app.aws.account
    if pinned is None:
        return
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    if account != pinned:
        key = app.source.at("aws.account").path
        raise CredentialsError(
            f"the credentials are of account {account}, environment {app.env_name} is pinned"
            f" to account {pinned} ({key}): use credentials of that account (--profile)"
        )


@frozen
class StackResource:
    """One resource of a deployed stack."""

    logical_id: str
    type: str
    physical_id: str
    status: str


def stack_resources(deployed: Deployed, stack: str) -> list[StackResource]:
    """The resources of `stack` (ListStackResources: DescribeStackResources stops at 100).

    Raises NotDeployedError when the stack does not exist.
    """
    found: list[StackResource] = []
    with aws_errors():
        try:
            pages = deployed.cloudformation.get_paginator("list_stack_resources")
            for page in pages.paginate(StackName=stack):
                for r in page["StackResourceSummaries"]:
                    found.append(
                        StackResource(
                            logical_id=r["LogicalResourceId"],
                            type=r["ResourceType"],
                            physical_id=r.get("PhysicalResourceId", ""),
                            status=r["ResourceStatus"],
                        )
                    )
        except ClientError as exc:
            if _does_not_exist(exc):
                raise NotDeployedError(stack, deployed.region) from None
            raise
    return found


def _does_not_exist(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", "")


def existing_stacks(deployed: Deployed, names: Sequence[str]) -> list[str]:
    """Those of `names` that exist in the region (any status but DELETE_COMPLETE), in order."""
    wanted = set(names)
    found: set[str] = set()
    with aws_errors():
        for page in deployed.cloudformation.get_paginator("list_stacks").paginate():
            for summary in page["StackSummaries"]:
                if summary["StackName"] in wanted and summary["StackStatus"] != "DELETE_COMPLETE":
                    found.add(summary["StackName"])
    return [name for name in names if name in found]
