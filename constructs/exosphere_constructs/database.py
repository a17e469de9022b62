"""An app's RDS database: private, reachable from its clusters only, named in its namespace."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, SecretValue
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from exosphere_constructs.compliance import acknowledge_all, checkov_skips, control, nag
from exosphere_constructs.known import place, read_once

#: The master user names Control Tower's CT.RDS.PR.22 refuses as well known.
DEFAULT_USERNAMES = ("admin", "postgres")
MONITORING = (
    "RDS's CloudWatch metrics (CPU, memory, storage, connections) are on; Enhanced"
    " Monitoring's OS metrics would need a role and a log group of their own"
)
SINGLE_AZ = (
    "one instance, as the Go era deployed it: a standby doubles its price; the"
    " automated backups and the final snapshot keep the data"
)


class AppDatabase(Construct):
    """One RDS instance in the VPC's private subnets, encrypted with the app's key.

    Its security group lets in only `clients`, on the engine's port. Automated
    backups are kept `backup_retention` and deletion protection is on unless
    lifted; deleting the resource (a replacement or a removal) takes a final
    snapshot first. The master password is read by CloudFormation at deploy from
    Secrets Manager (`password`, a dynamic reference): it is never in the
    template. `host` is a CNAME in `namespace` to the instance's address.

    Attributes:
        instance: the RDS instance.
        security_group: the instance's security group.
        host: the name services connect to (`<service_name>.<namespace>`).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        engine: rds.IInstanceEngine,
        port: int,
        instance_type: ec2.InstanceType,
        allocated_storage_gib: int,
        storage_type: rds.StorageType,
        database_name: str,
        username: str,
        password: SecretValue,
        encryption_key: kms.IKey,
        namespace: servicediscovery.IPrivateDnsNamespace,
        service_name: str,
        clients: Sequence[ec2.ISecurityGroup],
        log_exports: Sequence[str] = (),
        backup_retention: Duration | None = None,
        deletion_protection: bool = True,
        multi_az: bool = False,
    ) -> None:
        """Create the database.

        Args:
            vpc: the app's VPC (the instance goes in its private subnets).
            engine: the engine and its version.
            port: the port it listens on (the engine's default).
            instance_type: the instance class, without RDS's `db.`.
            allocated_storage_gib: its storage.
            storage_type: its storage type.
            database_name: the database created in it.
            username: the master user.
            password: the master password (a Secrets Manager dynamic reference).
            encryption_key: the KMS key of its storage.
            namespace: the private namespace its name goes in.
            service_name: its name there (the CNAME's first label).
            clients: the security groups let in on `port`.
            log_exports: the engine's logs sent to CloudWatch Logs (RDS creates their
                log groups, `/aws/rds/instance/<instance>/<log>`); default none.
            backup_retention: how long automated backups are kept; default 7 days.
            deletion_protection: refuse deleting the instance; default on.
            multi_az: a standby in another availability zone; default off (one instance).
        """
        super().__init__(scope, id_)
        place(self, scope)
        retention = backup_retention or Duration.days(7)
        self._retention_days = int(retention.to_days())
        self.security_group = self._security_group(vpc, database_name, port, clients)
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            engine=engine,
            instance_type=instance_type,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.security_group],
            port=port,
            database_name=database_name,
            credentials=rds.Credentials.from_password(username, password),
            allocated_storage=allocated_storage_gib,
            storage_type=storage_type,
            storage_encrypted=True,
            storage_encryption_key=encryption_key,
            backup_retention=retention,
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT,
            multi_az=multi_az,
            publicly_accessible=False,
            auto_minor_version_upgrade=True,
            iam_authentication=True,
            copy_tags_to_snapshot=True,
            cloudwatch_logs_exports=list(log_exports) or None,
        )
        place(self.instance, self)
        checkov_skips(
            self.instance,
            [
                ("CKV_AWS_118", MONITORING),
                *([("CKV_AWS_157", SINGLE_AZ)] if not multi_az else []),
            ],
        )
        self.host = self._name(namespace, service_name, database_name)
        self._acknowledge(username, multi_az=multi_az)

    def _security_group(
        self,
        vpc: ec2.IVpc,
        database_name: str,
        port: int,
        clients: Sequence[ec2.ISecurityGroup],
    ) -> ec2.SecurityGroup:
        """The instance's security group: `clients` in on `port`, nothing out."""
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"the database {database_name}, from the clusters of the app only",
            allow_all_outbound=False,
        )
        for client in clients:
            group.add_ingress_rule(
                client, ec2.Port.tcp(port), f"an app service to the database {database_name}"
            )
        return group

    def _name(
        self,
        namespace: servicediscovery.IPrivateDnsNamespace,
        service_name: str,
        database_name: str,
    ) -> str:
        """The CNAME `<service_name>.<namespace>` to the instance's address."""
        names = servicediscovery.Service(
            self,
            "Name",
            namespace=namespace,
            name=service_name,
            description=f"the database {database_name}",
            dns_record_type=servicediscovery.DnsRecordType.CNAME,
            dns_ttl=Duration.minutes(1),
        )
        names.register_cname_instance(
            "Address",
            instance_cname=read_once(self.instance, "db_instance_endpoint_address"),
        )
        return f"{service_name}.{read_once(namespace, 'namespace_name')}"

    def _acknowledge(self, username: str, *, multi_az: bool) -> None:
        """The findings that do not apply to an app's database, each with its reason."""
        default_port = (
            "the engine's default port: Go-era services connect to it, and the security"
            " group lets in only the app's clusters"
        )
        found = [
            nag("AwsSolutions-RDS11", default_port),
            control("rds_instance_no_default_ports_check", default_port),
            nag("NIST.800.53.R5-RDSEnhancedMonitoringEnabled", MONITORING),
            control("rds_instance_enhanced_monitoring_enabled_check", MONITORING),
            control(
                "rds_storage_encrypted_kms_key_check",
                "encrypted with the app's KMS key, which lives in the network stack: the rule"
                " cannot follow the cross-stack reference to it",
            ),
            nag(
                "NIST.800.53.R5-RDSInBackupPlan",
                f"automated backups are on ({self._retention_days} days) and deleting the"
                " instance takes a final snapshot; an AWS Backup plan is the account's choice",
            ),
        ]
        if username in DEFAULT_USERNAMES:
            found.append(
                control(
                    "rds_instance_default_admin_check",
                    f"the master user '{username}' is the app's own choice (its manifest's"
                    " username), kept so that its services connect as they did",
                )
            )
        if not multi_az:
            found += [
                nag("AwsSolutions-RDS3", SINGLE_AZ),
                nag("NIST.800.53.R5-RDSMultiAZSupport", SINGLE_AZ),
                control("rds_instance_multi_az_support_check", SINGLE_AZ),
            ]
        acknowledge_all(self, found)
