"""The account's quotas a new app counts against: VPCs, Elastic IPs, load balancers per region."""

from __future__ import annotations

from typing import Any

import boto3  # type: ignore[import-untyped]
from attrs import frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from exosphere_cdk.manifest.design.derive import stack_name
from exosphere_cdk.manifest.model.app import LoadedApp

__all__ = ["VPC_QUOTA_CODE", "Quota", "quotas"]

#: Service Quotas' code of "VPCs per Region" (AWS's default: 5).
VPC_QUOTA_CODE = "L-F678F1CE"
_DEFAULT_VPCS = 5


@frozen
class Quota:
    """One quota in the region: how many exist, the limit, and how many the app adds."""

    name: str
    used: int
    limit: int
    needed: int
    #: Where the limit comes from, and how to raise it.
    source: str


def quotas(app: LoadedApp, session: boto3.Session, region: str) -> list[Quota]:
    """VPCs, Elastic IPs (one per NAT gateway) and load balancers: used, limit, app's need."""
    ec2 = session.client("ec2", region_name=region)
    elbv2 = session.client("elbv2", region_name=region)
    cfn = session.client("cloudformation", region_name=region)
    network = 0 if _exists(cfn, stack_name(app, "network")) else 1
    platform = 0 if _exists(cfn, stack_name(app, "platform")) else 1
    vpcs, vpc_source = _vpc_limit(session, region)
    attributes = ec2.describe_account_attributes(AttributeNames=["vpc-max-elastic-ips"])
    eips = int(attributes["AccountAttributes"][0]["AttributeValues"][0]["AttributeValue"])
    limits = elbv2.describe_account_limits()["Limits"]
    albs = int(next(x["Max"] for x in limits if x["Name"] == "application-load-balancers"))
    balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    return [
        Quota("VPCs", len(ec2.describe_vpcs()["Vpcs"]), vpcs, network, vpc_source),
        Quota(
            "Elastic IPs",
            len(ec2.describe_addresses()["Addresses"]),
            eips,
            network * app.aws.nat_gateways,
            "EC2 account attribute vpc-max-elastic-ips (Service Quotas L-0263D0A3)",
        ),
        Quota(
            "application load balancers",
            sum(1 for b in balancers if b.get("Type") == "application"),
            albs,
            platform,
            "ELB account limit application-load-balancers (Service Quotas L-53DA6B97)",
        ),
    ]


def _exists(cfn: Any, stack: str) -> bool:
    try:
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return bool(status != "DELETE_COMPLETE")


def _vpc_limit(session: boto3.Session, region: str) -> tuple[int, str]:
    client = session.client("service-quotas", region_name=region)
    try:
        quota = client.get_service_quota(ServiceCode="vpc", QuotaCode=VPC_QUOTA_CODE)["Quota"]
    except ClientError:
        return _DEFAULT_VPCS, f"AWS's default: Service Quotas {VPC_QUOTA_CODE} could not be read"
    return int(quota["Value"]), f"Service Quotas {VPC_QUOTA_CODE}"
