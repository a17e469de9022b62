"""The network stack: the app's VPC."""

from __future__ import annotations

from typing import Any

from aws_cdk import Fn, Stack
from exosphere_constructs import Network

from constructs import Construct


class NetworkStack(Stack):
    """The VPC every other stack of the app runs in.

    Its availability zones are `Fn::GetAZs` picks resolved at deploy time, so
    synthesis needs no lookup even when the stack names its account and region.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        availability_zones: int,
        nat_gateways: int,
        **kwargs: Any,
    ) -> None:
        self._az_count = availability_zones
        super().__init__(scope, id_, **kwargs)
        self.network = Network(
            self,
            "Network",
            availability_zones=availability_zones,
            nat_gateways=nat_gateways,
        )

    @property
    def availability_zones(self) -> list[str]:
        return [Fn.select(i, Fn.get_azs()) for i in range(self._az_count)]
