"""An AWS WAF web ACL in front of a load balancer, made of AWS's managed rule groups."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from exosphere_constructs.compliance import acknowledge

#: AWS's managed rule groups the web ACL evaluates, in this order: generic web
#: exploits (OWASP-style), request patterns known to be malicious (Log4j, ...),
#: and addresses on Amazon's threat-intelligence reputation list.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=True,
    )


class LoadBalancerWebAcl(Construct):
    """A regional web ACL that allows by default and blocks what AWS's managed rule groups match.

    Every rule group reports CloudWatch metrics (named after the group) and
    keeps sampled requests, so a blocked request can be looked at in the WAF
    console.

    Attributes:
        web_acl: the web ACL.
        association: its association with the load balancer.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        load_balancer: elbv2.IApplicationLoadBalancer,
        metric_prefix: str,
        rule_groups: Sequence[str] = MANAGED_RULE_GROUPS,
    ) -> None:
        """Create the web ACL and associate it with `load_balancer`.

        Args:
            load_balancer: the load balancer the web ACL protects.
            metric_prefix: the prefix of the CloudWatch metric names (the app's
                slug): `<prefix>-web-acl` and `<prefix>-<rule group>`.
            rule_groups: the names of AWS's managed rule groups (vendor `AWS`),
                evaluated in this order; default MANAGED_RULE_GROUPS.
        """
        super().__init__(scope, id_)
        if not rule_groups:
            raise ValueError("a web ACL needs at least one managed rule group, got none")
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                # A managed group's own actions (block) apply: no override.
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                visibility_config=_visibility(f"{metric_prefix}-{group}"),
            )
            for priority, group in enumerate(rule_groups)
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            description="AWS managed rule groups in front of the load balancer of the app",
            rules=rules,
            visibility_config=_visibility(f"{metric_prefix}-web-acl"),
        )
        self.association = wafv2.CfnWebACLAssociation(
            self,
            "Association",
            resource_arn=load_balancer.load_balancer_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        acknowledge(
            self.web_acl,
            "NIST.800.53.R5-WAFv2LoggingEnabled",
            "every rule reports CloudWatch metrics and keeps sampled requests, and the load"
            " balancer's access logs record each request WAF blocked (actions_executed: waf)",
        )
