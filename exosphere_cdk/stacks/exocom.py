"""The ExoCom stack: the message bus on its own single-instance cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from exosphere_cdk.manifest.design.app import PulledImage
from exosphere_cdk.stacks.images import registry_image
from exosphere_constructs import ExoComHost

if TYPE_CHECKING:
    from exosphere_constructs.exocom_reconnector import ExoComReconnector


class ExoComStack(Stack):
    """ExoCom, reachable at `dns_name`:`port` from the app's clusters only.

    Its routing table lists every service, so adding or removing a service
    changes this stack's task definition (and so restarts ExoCom) and nothing
    else here. With `reconnect_clusters`, every service of those clusters is
    restarted each time ExoCom's task starts (ExoComReconnector).

    Attributes:
        exocom: the ExoCom host construct.
        reconnector: what restarts the services after ExoCom starts, or None.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        image: PulledImage,
        command: Sequence[str] | None,
        environment: Mapping[str, str],
        namespace_name: str,
        service_name: str,
        port: int,
        instance_type: ec2.InstanceType,
        clients: Sequence[ec2.ISecurityGroup],
        log_retention: logs.RetentionDays,
        log_encryption_key: kms.IKey,
        log_group_name_prefix: str,
        notifications_topic: sns.ITopic,
        architecture: ec2.InstanceArchitecture,
        execute_command: bool = False,
        session_manager: bool = False,
        container_insights: ecs.ContainerInsights = ecs.ContainerInsights.ENHANCED,
        reconnect_clusters: Sequence[ecs.ICluster] = (),
        reconnect_roles: Sequence[str] = (),
        root_volume_gib: int,
        machine_image: ec2.IMachineImage | None = None,
        **kwargs: Any,
    ) -> None:
        """Create ExoCom's stack.

        `image` is ExoCom's image (`originate/exocom:<version>`, with the Docker
        Hub credentials the app names, if any), `command` and `environment` what
        its release needs (manifest/data/exocom.py); `architecture` is that of
        `instance_type`; `reconnect_clusters` the clusters
        whose services must be restarted when ExoCom starts (default none: the
        clients connect again by themselves), `reconnect_roles` the roles of the
        routes (only their services are restarted). The other arguments are ExoComHost's.
        """
        super().__init__(scope, id_, **kwargs)
        self.exocom = ExoComHost(
            self,
            "ExoCom",
            vpc=vpc,
            image=registry_image(self, image),
            command=command,
            environment=environment,
            namespace_name=namespace_name,
            service_name=service_name,
            instance_type=instance_type,
            port=port,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
            log_group_name_prefix=log_group_name_prefix,
            notifications_topic=notifications_topic,
            architecture=architecture,
            execute_command=execute_command,
            session_manager=session_manager,
            container_insights=container_insights,
            root_volume_size_gib=root_volume_gib,
            machine_image=machine_image,
        )
        for client in clients:
            self.exocom.allow_from(client, "an app service to ExoCom")
        self.reconnector = self._reconnector(
            reconnect_clusters, reconnect_roles, log_retention, log_encryption_key
        )
        CfnOutput(
            self,
            "ExoComAddress",
            value=f"ws://{self.exocom.dns_name}:{port}/services",
            description="ExoCom's address inside the VPC",
        )
        CfnOutput(
            self,
            "LogGroupName",
            value=self.exocom.log_group.log_group_name,
            description="ExoCom's logs (exo-cdk logs APP_DIR exocom)",
        )

    def _reconnector(
        self,
        clusters: Sequence[ecs.ICluster],
        roles: Sequence[str],
        log_retention: logs.RetentionDays,
        log_encryption_key: kms.IKey,
    ) -> ExoComReconnector | None:
        """What restarts the services of `clusters` routing `roles` after ExoCom starts; none
        without clusters (clients that reconnect by themselves)."""
        if not clusters:
            return None
        # Loaded only when ExoCom's clients need it, and Lambda's and EventBridge's
        # CDK modules with it.
        from exosphere_constructs.exocom_reconnector import (  # noqa: PLC0415
            ExoComReconnector,
        )

        return ExoComReconnector(
            self,
            "Reconnector",
            exocom_service=self.exocom.service,
            clusters=clusters,
            roles=roles,
            log_retention=log_retention,
            log_encryption_key=log_encryption_key,
        )

    @property
    def dns_name(self) -> str:
        return self.exocom.dns_name

    @property
    def port(self) -> int:
        return self.exocom.port
