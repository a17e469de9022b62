"""The app's VPC: public and private subnets over several AZs, NAT egress, flow logs."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from exosphere_constructs.compliance import acknowledge
from exosphere_constructs.log_group import retained_log_group


class Network(Construct):
    """A VPC with a public and a private (NAT egress) subnet in each AZ, and flow logs.

    Attributes:
        vpc: the VPC.
        flow_log_group: the CloudWatch log group receiving the VPC flow logs.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        availability_zones: int = 2,
        nat_gateways: int = 1,
        cidr: str = "10.0.0.0/16",
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """Create the network.

        Args:
            availability_zones: how many AZs the subnets span; default two.
            nat_gateways: how many NAT gateways give the private subnets egress
                (one per AZ at most); default one, shared by every AZ.
            cidr: the VPC's address range; default 10.0.0.0/16.
            flow_log_retention: how long flow logs are kept; default one month.
            encryption_key: the KMS key of the flow log group; default CloudWatch's own encryption.
        """
        super().__init__(scope, id_)
        if availability_zones < 2:
            raise ValueError(f"availability_zones must be at least 2, got {availability_zones}")
        if not 1 <= nat_gateways <= availability_zones:
            raise ValueError(
                f"nat_gateways must be between 1 and availability_zones ({availability_zones}),"
                f" got {nat_gateways}"
            )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=availability_zones,
            nat_gateways=nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=24,
                    map_public_ip_on_launch=False,
                ),
                ec2.SubnetConfiguration(
                    name="Private",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                    cidr_mask=20,
                ),
            ],
        )
        self.flow_log_group = retained_log_group(
            self, "FlowLogs", retention=flow_log_retention, encryption_key=encryption_key
        )
        for subnet in self.vpc.public_subnets:
            acknowledge(
                subnet,
                "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
                "a public subnet's default route to the internet gateway is what makes it"
                " public: only the load balancer and the NAT gateways live there",
            )
        flow_log = self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        acknowledge(
            flow_log,
            "NIST.800.53.R5-IAMNoInlinePolicy",
            "the flow log's role holds one policy of its own, scoped to its log group:"
            " a managed policy would be attachable to other principals",
        )
