"""exosphere_constructs: the CDK construct library of exosphere-cdk (CDK types only)."""

from exosphere_constructs.app_key import AppKey
from exosphere_constructs.ec2_cluster import Ec2Cluster
from exosphere_constructs.exo_service import ExoService
from exosphere_constructs.exocom_host import ExoComHost
from exosphere_constructs.exocom_reconnector import ExoComReconnector
from exosphere_constructs.load_balancer import PublicLoadBalancer
from exosphere_constructs.network import Network
from exosphere_constructs.public_route import PublicRoute
from exosphere_constructs.web_acl import LoadBalancerWebAcl

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
