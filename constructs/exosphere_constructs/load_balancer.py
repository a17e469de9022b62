"""The one internet-facing Application Load Balancer in front of every public service."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from exosphere_constructs.compliance import Findings
from exosphere_constructs.known import has_token, read_once

#: The port-80 listener's construct ID, with a certificate (where it redirects to
#: HTTPS) and without (where it serves the routes). One ID for both, so that
#: adding a domain to a deployed app updates that listener in place: with two
#: IDs, CloudFormation would create the new port-80 listener before deleting
#: the old one, and the load balancer refuses a second listener on a port.
#: `Redirect80To443` is the ID CDK's `add_redirect` gave it in apps with a
#: domain, which keeps their logical ID.
HTTP_LISTENER_ID = "Redirect80To443"


def _not_found() -> elbv2.ListenerAction:
    return elbv2.ListenerAction.fixed_response(
        404, content_type="text/plain", message_body="no service here"
    )


class PublicLoadBalancer(Construct):
    """An internet-facing ALB: HTTPS with HTTP redirected to it, or HTTP only.

    Services attach their own listener rules to `listener`; a request that no
    rule matches gets a 404.

    Attributes:
        load_balancer: the ALB.
        security_group: the ALB's security group, open to the internet on its
            listener ports only.
        listener: the listener services attach rules to (HTTPS when a
            certificate is given, else HTTP).
        http_listener: the port-80 listener: it redirects to HTTPS when a
            certificate is given, else it is `listener`.
        https: whether `listener` is the HTTPS one.
        access_logs: the encrypted, private bucket of the ALB's access logs (kept on
            delete), or None when access logs are off.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        certificate: acm.ICertificate | None = None,
        ssl_policy: elbv2.SslPolicy = elbv2.SslPolicy.RECOMMENDED_TLS,
        deletion_protection: bool = True,
        access_logs: bool = True,
        access_log_retention_days: int = 365,
    ) -> None:
        """Create the load balancer and its listeners.

        Args:
            vpc: the VPC; the ALB sits in its public subnets.
            certificate: the certificate of the HTTPS listener; without one the
                ALB listens on HTTP only (port 80) and routes from there.
            ssl_policy: the HTTPS listener's TLS policy; default
                ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2 and 1.3).
            deletion_protection: refuse to delete the ALB; default on (turn it
                off in a deployment before destroying the stack).
            access_logs: write access logs to a bucket; default on (the stack's
                region must then be known at synthesis).
            access_log_retention_days: how long access logs are kept; default a year.
        """
        super().__init__(scope, id_)
        findings = Findings()
        self.https = certificate is not None
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Internet-facing load balancer of the public services",
            allow_all_outbound=False,
        )
        findings.nag(
            self.security_group,
            "AwsSolutions-EC23",
            "the internet-facing load balancer must accept 443 (and 80, which only"
            " redirects to 443 when HTTPS is on) from anywhere",
        )
        findings.skip(
            self.security_group,
            "CKV_AWS_260",
            "port 80 is open on the internet-facing load balancer to redirect to HTTPS"
            " (or, without a domain, to serve HTTP as configured)",
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            deletion_protection=deletion_protection,
        )
        if not deletion_protection:
            lifted = (
                "deletion protection is lifted on purpose (teardown) so that the app can be"
                " destroyed; every other deployment keeps it on"
            )
            findings.nag(self.load_balancer, "NIST.800.53.R5-ELBDeletionProtectionEnabled", lifted)
            findings.control(self.load_balancer, "elbv2_deletion_protection_enabled_check", lifted)
        self.access_logs = (
            self._log_access(access_log_retention_days, findings) if access_logs else None
        )
        if self.access_logs is None:
            no_logs = (
                "access logs are off: ELB's log delivery is granted per region, and this"
                " stack's region is unknown at synthesis"
            )
            findings.nag(self.load_balancer, "AwsSolutions-ELB2", no_logs)
            findings.nag(self.load_balancer, "NIST.800.53.R5-ELBLoggingEnabled", no_logs)
            findings.control(self.load_balancer, "elbv2_logging_enabled_check", no_logs)
            findings.skip(self.load_balancer, "CKV_AWS_91", no_logs)
        if certificate is not None:
            self.listener = self.load_balancer.add_listener(
                "Https",
                protocol=elbv2.ApplicationProtocol.HTTPS,
                port=443,
                certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
                ssl_policy=ssl_policy,
                default_action=_not_found(),
                open=True,
            )
            if has_token(read_once(certificate, "certificate_arn")):
                findings.control(
                    self.listener,
                    "elbv2_acm_certificate_required_check",
                    "the listener's certificate is the ACM certificate of the DNS stack: a"
                    " cross-stack reference the rule cannot read",
                )
        self.http_listener = self.load_balancer.add_listener(
            HTTP_LISTENER_ID,
            protocol=elbv2.ApplicationProtocol.HTTP,
            port=80,
            default_action=(
                elbv2.ListenerAction.redirect(port="443", protocol="HTTPS", permanent=True)
                if certificate is not None
                else _not_found()
            ),
            open=True,
        )
        if certificate is None:
            self.listener = self.http_listener
            http_only = (
                "HTTP only because no certificate was given: the app has no domain, so there"
                " is no name a certificate could be issued for"
            )
            findings.skip(self.listener, "CKV_AWS_2", http_only)
            findings.skip(self.listener, "CKV_AWS_103", http_only)
            findings.nag(self.listener, "NIST.800.53.R5-ELBv2ACMCertificateRequired", http_only)
            findings.nag(self.listener, "NIST.800.53.R5-ALBHttpToHttpsRedirection", http_only)
            findings.control(self.listener, "alb_http_to_https_redirection_check", http_only)
        else:
            findings.nag(
                self.http_listener,
                "NIST.800.53.R5-ELBv2ACMCertificateRequired",
                "the port-80 listener serves nothing: it redirects every request to the"
                " HTTPS listener, which holds the ACM certificate",
            )
        findings.done()

    def _log_access(self, retention_days: int, findings: Findings) -> s3.Bucket:
        """The access-log bucket: private, encrypted, TLS only, expiring, kept on delete."""
        bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(retention_days),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        no_server_logs = (
            "this bucket holds the load balancer's access logs; logging access to it"
            " would need another log bucket in turn"
        )
        findings.nag(bucket, "AwsSolutions-S1", no_server_logs)
        findings.skip(bucket, "CKV_AWS_18", no_server_logs)
        findings.nag(bucket, "NIST.800.53.R5-S3BucketLoggingEnabled", no_server_logs)
        findings.control(bucket, "s3_bucket_logging_enabled_check", no_server_logs)
        sse_s3_only = (
            "Elastic Load Balancing writes access logs only to a bucket encrypted with"
            " S3-managed keys (SSE-S3), not with a KMS key"
        )
        findings.nag(bucket, "NIST.800.53.R5-S3DefaultEncryptionKMS", sse_s3_only)
        findings.control(bucket, "s3_bucket_default_encryption_kms_check", sse_s3_only)
        findings.nag(
            bucket,
            "NIST.800.53.R5-S3BucketReplicationEnabled",
            "access logs expire after their retention and can be rebuilt from nothing else;"
            " a replica in another region would double their cost for no recovery need",
        )
        findings.control(
            bucket,
            "s3_event_notifications_enabled_check",
            "nothing reacts to new access-log objects: they are read when investigating,"
            " through S3 or Athena",
        )
        findings.control(
            bucket,
            "s3_bucket_object_lock_enabled_check",
            "access logs expire by lifecycle rule after their retention; object lock would"
            " keep them past it (versioning and private, TLS-only access protect them)",
        )
        self.load_balancer.log_access_logs(bucket, prefix="alb")
        return bucket
