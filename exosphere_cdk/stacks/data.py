"""The data stack: the app's RDS databases (only an app with databases has it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Duration, SecretValue, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from exosphere_cdk.manifest.design.app import DatabaseDesign
from exosphere_cdk.stacks.convert import database_engine, database_instance_type, storage_type
from exosphere_constructs.database import AppDatabase
from exosphere_constructs.known import read_once


class DataStack(Stack):
    """Every database of the app, each reachable from the app's clusters at its host.

    A stack of its own: a change to a database touches no other stack, and the
    platform's and ExoCom's templates are the same with or without databases.

    Attributes:
        databases: the database constructs, by the database's id.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        databases: Sequence[DatabaseDesign],
        vpc: ec2.IVpc,
        encryption_key: kms.IKey,
        namespace: servicediscovery.IPrivateDnsNamespace,
        clients: Sequence[ec2.ISecurityGroup],
        protect: bool = True,
        **kwargs: Any,
    ) -> None:
        """Create the databases' stack.

        Args:
            databases: the databases' designs.
            vpc: the app's VPC.
            encryption_key: the app's KMS key (their storage).
            namespace: the app's private namespace (their names).
            clients: the security groups of the clusters whose services use them.
            protect: deletion protection on the instances (off for `cdk destroy`).
            kwargs: the Stack's own properties.
        """
        super().__init__(scope, id_, **kwargs)
        self.databases: dict[str, AppDatabase] = {}
        for db in databases:
            database = AppDatabase(
                self,
                db.id,
                vpc=vpc,
                engine=database_engine(db),
                port=db.port,
                instance_type=database_instance_type(db),
                allocated_storage_gib=db.allocated_storage_gib,
                storage_type=storage_type(db),
                database_name=db.db_name,
                username=db.username,
                password=SecretValue.secrets_manager(
                    db.password.name, json_field=db.password.json_key
                ),
                encryption_key=encryption_key,
                namespace=namespace,
                service_name=db.service_name,
                clients=clients,
                log_exports=db.log_exports,
                backup_retention=Duration.days(db.backup_retention_days),
                deletion_protection=protect,
                multi_az=db.multi_az,
            )
            self.databases[db.id] = database
            CfnOutput(
                self,
                f"{db.id}Host",
                value=db.host,
                description=f"the database {db.db_name} ({db.engine}) in the VPC, port {db.port}",
            )
            CfnOutput(
                self,
                f"{db.id}Endpoint",
                value=read_once(database.instance, "db_instance_endpoint_address"),
                description=f"the instance's own address (the name its TLS certificate holds),"
                f" port {db.port}",
            )
