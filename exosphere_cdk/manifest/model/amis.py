"""The AMIs an app's instances boot, pinned per app and environment (a file the user commits)."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

#: The pin file of an environment, in the app's folder.
PIN_FILE = "ami-pins.{env}.json"
#: The SSM parameters of the recommended ECS-optimized Amazon Linux 2023 AMI, by architecture.
AMI_PARAMETERS: Mapping[str, str] = {
    "x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
}
#: An AMI id.
AMI_PATTERN = r"^ami-[0-9a-f]{8,17}$"


@frozen(kw_only=True)
class AmiPins:
    """The ECS-optimized AMI of each architecture, in one region."""

    #: The file they were read from, as shown.
    file: str
    region: str
    #: `x86_64`/`arm64` -> AMI id.
    images: Mapping[str, str]
