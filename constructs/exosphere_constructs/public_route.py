"""A public route: target group, listener rule, alias record and, if needed, a certificate."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from constructs import Construct

from exosphere_constructs.known import made_once, place, read_once
from exosphere_constructs.logical_id import top_level


@made_once
def _deregistration_delay() -> Duration:
    """Deregistering a target waits this long for its requests in flight (made once)."""
    return Duration.seconds(30)


#: The construct that holds the target group and the listener rule. Its ID is
#: part of their logical IDs (`ServiceTargetGroup…`, `ServiceListenerRule…`),
#: which deployed apps already carry: renaming it replaces both.
TARGET_SCOPE_ID = "Service"


def covered_by(host: str, names: Sequence[str]) -> bool:
    """Whether a certificate for `names` is valid for `host` (`*.d` covers one level below d)."""
    for name in names:
        if name.startswith("*."):
            prefix, _, rest = host.partition(".")
            if rest == name[2:] and prefix not in {"", "*"}:
                return True
        elif host == name:
            return True
    return False


class PublicRoute(Construct):
    """How the internet reaches one service through the shared load balancer.

    A target group for the service's tasks, a listener rule sending the
    requests for `host_header` to it, an alias record of `host_header` to the
    load balancer in `zone`, and, when the listener's own certificate does
    not cover `host_header` (a URL more than one level below the domain), a
    certificate of the route's own added to the listener.

    Construct IDs (a contract: renaming one replaces its resource):
    `Service/TargetGroup`, `Service/ListenerRule`, `Alias` (the record is made
    at the stack's top level under the logical ID of `Alias/Resource` here),
    `Certificate`, `ListenerCertificate`.

    Attributes:
        target_group: the target group of the service's tasks.
        listener_rule: the listener rule that forwards to it.
        alias: the alias record of `host_header`, or None without a zone.
        certificate: the route's own certificate, or None when the listener's
            certificate covers `host_header` (or there is no zone).
        listener_certificate: the attachment of `certificate` to the listener,
            or None with no certificate of its own.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        listener: elbv2.IApplicationListener,
        vpc: ec2.IVpc,
        priority: int,
        port: int,
        targets: Sequence[elbv2.IApplicationLoadBalancerTarget] = (),
        host_header: str | None = None,
        health_check_path: str = "/",
        zone: route53.IHostedZone | None = None,
        load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        certificate_names: Sequence[str] | None = None,
    ) -> None:
        """Create the route.

        Args:
            listener: the load balancer's listener the rule is added to.
            vpc: the VPC of the target group.
            priority: the rule's priority, unique on the listener.
            port: the port the targets listen on (with dynamic host ports,
                only the group's nominal port: each target registers its own).
            targets: what the target group sends requests to; default none
                (add them later with `target_group.add_target`).
            host_header: the host name routed to the targets; default none:
                the rule is a catch-all (path `/*`) for requests no other rule
                matches.
            health_check_path: the path the load balancer polls; default `/`.
            zone: the public hosted zone the alias record of `host_header`
                goes in; default none: no alias record and no certificate
                (the host's DNS is managed elsewhere).
            load_balancer: the load balancer the alias record points at;
                required with `zone`, unused without one.
            certificate_names: the names the listener's certificate is valid
                for (`*.d` covers one level below d); a `host_header` it does
                not cover gets a certificate of its own, validated in `zone`.
                Default: the listener's certificate covers every host, and the
                route issues none.
        """
        super().__init__(scope, id_)
        place(self, scope, id_)
        if zone is not None and host_header is None:
            raise ValueError(f"{self.node.path}: an alias record in a zone needs a host_header")
        if zone is not None and load_balancer is None:
            raise ValueError(f"{self.node.path}: an alias record in a zone needs the load_balancer")
        if not 1 <= priority <= 50000:
            raise ValueError(f"{self.node.path}: a rule priority is 1 to 50000, got {priority}")

        target_scope = Construct(self, TARGET_SCOPE_ID)
        self.target_group = elbv2.ApplicationTargetGroup(
            target_scope,
            "TargetGroup",
            vpc=vpc,
            protocol=elbv2.ApplicationProtocol.HTTP,
            port=port,
            target_type=elbv2.TargetType.INSTANCE,
            deregistration_delay=_deregistration_delay(),
            health_check=elbv2.HealthCheck(
                path=health_check_path,
                # With dynamic host ports, check the port the traffic goes to.
                port="traffic-port",
                healthy_http_codes="200-399",
            ),
            targets=list(targets) or None,
        )
        condition = (
            elbv2.ListenerCondition.host_headers([host_header])
            if host_header is not None
            else elbv2.ListenerCondition.path_patterns(["/*"])
        )
        self.listener_rule = elbv2.ApplicationListenerRule(
            target_scope,
            "ListenerRule",
            listener=listener,
            priority=priority,
            conditions=[condition],
            target_groups=[self.target_group],
        )

        self.alias: route53.CfnRecordSet | None = None
        self.certificate: acm.Certificate | None = None
        self.listener_certificate: elbv2.ApplicationListenerCertificate | None = None
        if zone is None or host_header is None or load_balancer is None:
            return
        self.alias = alias_record(self, "Alias", zone=zone, name=host_header, target=load_balancer)
        if certificate_names is None or covered_by(host_header, certificate_names):
            return
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=host_header,
            validation=acm.CertificateValidation.from_dns(zone),
        )
        self.listener_certificate = elbv2.ApplicationListenerCertificate(
            self,
            "ListenerCertificate",
            listener=listener,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(self.certificate)],
        )


def alias_record(
    scope: Construct,
    id_: str,
    *,
    zone: route53.IHostedZone,
    name: str,
    target: elbv2.IApplicationLoadBalancer,
) -> route53.CfnRecordSet:
    """An A alias record of `name` to the load balancer `target`, in `zone`.

    As `route53.ARecord` with a `LoadBalancerTarget` writes it (the `dualstack.`
    name, the logical ID of its `<id_>/Resource` below `scope`), from Python
    data, in one jsii request: made at the top of `scope`'s stack
    (`logical_id.top_level`). The zone's and the load balancer's attributes are
    read once an app.
    """
    stack, construct_id = top_level(scope, id_, "Resource")
    return route53.CfnRecordSet(
        stack,
        construct_id,
        hosted_zone_id=read_once(zone, "hosted_zone_id"),
        name=f"{name}.",
        type="A",
        # In the order LoadBalancerTarget gives them: the references they make to the
        # load balancer's stack are numbered (its outputs ordered) as they are met.
        alias_target={
            "hostedZoneId": read_once(target, "load_balancer_canonical_hosted_zone_id"),
            "dnsName": f"dualstack.{read_once(target, 'load_balancer_dns_name')}",
        },
    )
