"""AppDatabase: an RDS instance in the private subnets, for its clients only, named by a CNAME."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk.assertions import Match, Template

from exosphere_constructs.database import AppDatabase


def _database(stack: cdk.Stack, vpc: ec2.Vpc, **changes: object) -> AppDatabase:
    props: dict[str, object] = {
        "vpc": vpc,
        "engine": rds.DatabaseInstanceEngine.postgres(
            version=rds.PostgresEngineVersion.of("17.6", "17")
        ),
        "port": 5432,
        "instance_type": ec2.InstanceType("t3.micro"),
        "allocated_storage_gib": 20,
        "storage_type": rds.StorageType.GP3,
        "database_name": "shop",
        "username": "shop",
        "password": cdk.SecretValue.secrets_manager("shop/db", json_field="password"),
        "encryption_key": kms.Key(stack, "Key"),
        "namespace": servicediscovery.PrivateDnsNamespace(
            stack, "Namespace", name="shop.internal", vpc=vpc
        ),
        "service_name": "shop",
        "clients": [ec2.SecurityGroup(stack, "Clients", vpc=vpc)],
        "log_exports": ("postgresql", "upgrade"),
    }
    return AppDatabase(stack, "Db", **{**props, **changes})  # type: ignore[arg-type]


@pytest.fixture
def template(stack: cdk.Stack, vpc: ec2.Vpc) -> Template:
    database = _database(stack, vpc)
    assert database.host == "shop.shop.internal"
    return Template.from_stack(stack)


def test_the_instance_is_private_encrypted_backed_up_and_protected(template: Template) -> None:
    template.has_resource(
        "AWS::RDS::DBInstance",
        {
            "DeletionPolicy": "Snapshot",
            "Properties": Match.object_like(
                {
                    "StorageEncrypted": True,
                    "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]},
                    "BackupRetentionPeriod": 7,
                    "DeletionProtection": True,
                    "PubliclyAccessible": False,
                    "MultiAZ": False,
                    "MasterUserPassword": (
                        "{{resolve:secretsmanager:shop/db:SecretString:password::}}"
                    ),
                    "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::RDS::DBSubnetGroup",
        {"SubnetIds": [{"Ref": Match.string_like_regexp("^VpcPrivateSubnet")}] * 2},
    )


def test_only_the_clients_come_in_on_the_port(template: Template) -> None:
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 1)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "SourceSecurityGroupId": {
                "Fn::GetAtt": [Match.string_like_regexp("^Clients"), "GroupId"]
            },
        },
    )


def test_its_name_is_a_cname_in_the_namespace(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ServiceDiscovery::Service",
        {
            "Name": "shop",
            "DnsConfig": Match.object_like({"DnsRecords": [{"TTL": 60, "Type": "CNAME"}]}),
        },
    )
    template.resource_count_is("AWS::ServiceDiscovery::Instance", 1)


def test_protection_can_be_lifted_and_a_standby_added(stack: cdk.Stack, vpc: ec2.Vpc) -> None:
    _database(stack, vpc, deletion_protection=False, multi_az=True)
    Template.from_stack(stack).has_resource_properties(
        "AWS::RDS::DBInstance", {"DeletionProtection": False, "MultiAZ": True}
    )
