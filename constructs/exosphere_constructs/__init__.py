"""exosphere_constructs: the CDK construct library of exosphere-cdk (CDK types only).

The constructs an app may do without (the web ACL: only with `waf`; the ExoCom
reconnector: only for ExoCom releases whose clients do not reconnect) are
loaded when first named, with the CDK modules they need (AWS WAF, Lambda,
EventBridge): an app that does not use them does not load them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from exosphere_constructs.app_key import AppKey
from exosphere_constructs.ec2_cluster import Ec2Cluster
from exosphere_constructs.exo_service import ExoService
from exosphere_constructs.exocom_host import ExoComHost
from exosphere_constructs.load_balancer import PublicLoadBalancer
from exosphere_constructs.network import Network
from exosphere_constructs.public_route import PublicRoute

if TYPE_CHECKING:
    from exosphere_constructs.exocom_reconnector import ExoComReconnector
    from exosphere_constructs.web_acl import LoadBalancerWebAcl

#: The constructs loaded when first named, by the module that holds each.
_LAZY = {
    "ExoComReconnector": "exosphere_constructs.exocom_reconnector",
    "LoadBalancerWebAcl": "exosphere_constructs.web_acl",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "AppKey",
    "Ec2Cluster",
    "ExoComHost",
    "ExoComReconnector",
    "ExoService",
    "LoadBalancerWebAcl",
    "Network",
    "PublicLoadBalancer",
    "PublicRoute",
]
