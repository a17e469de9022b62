"""Pinning the ECS-optimized AMIs of an app's environment: read from SSM, written to its pin file.

The file (`ami-pins.<env>.json` beside application.yml) is the user's to
commit: synthesis reads it and makes no lookup, so the instances change AMI
only when the pin does. Nothing here prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3  # type: ignore[import-untyped]
from attrs import frozen
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from exosphere_cdk.manifest.errors import display_path
from exosphere_cdk.manifest.load.ami_pins import pin_path
from exosphere_cdk.manifest.model.amis import AMI_PARAMETERS, AmiPins
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.aws import AwsError, aws_errors, clients

__all__ = ["Pinned", "pin_amis", "unpinned_notice"]


@frozen
class Pinned:
    """What `pin_amis` wrote: the new pins, and the AMIs they replace (None: no pin file)."""

    pins: AmiPins
    previous: dict[str, str] | None

    @property
    def changed(self) -> dict[str, tuple[str | None, str]]:
        """Architecture -> (old AMI or None, new AMI), for those that changed."""
        before = self.previous or {}
        return {
            arch: (before.get(arch), ami)
            for arch, ami in self.pins.images.items()
            if before.get(arch) != ami
        }


def pin_amis(app: LoadedApp, session: boto3.Session) -> Pinned:
    """Read the recommended ECS-optimized AMIs in the app's region and write the pin file."""
    deployed = clients(app, session)  # the region, and a check that there are credentials
    images: dict[str, str] = {}
    with aws_errors():
        ssm = session.client("ssm", region_name=deployed.region)
        for arch, name in AMI_PARAMETERS.items():
            try:
                images[arch] = ssm.get_parameter(Name=name)["Parameter"]["Value"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
                    raise AwsError(f"no SSM parameter {name} in {deployed.region}") from None
                raise
    path = pin_path(app.directory, app.env_name)
    previous = app.ami_pins.images if app.ami_pins is not None else None
    document = {
        "region": deployed.region,
        "amis": images,
        "parameters": dict(AMI_PARAMETERS),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    pins = AmiPins(file=display_path(path), region=deployed.region, images=images)
    return Pinned(pins, None if previous is None else dict(previous))


def unpinned_notice(app: LoadedApp) -> str | None:
    """What `validate` and `plan` say of an environment without AMI pins; None with them."""
    if app.ami_pins is not None:
        return None
    file = display_path(pin_path(Path(app.directory), app.env_name))
    return (
        f"no AMI pin ({file}): the instances boot the ECS-optimized AMI that SSM names at"
        " deploy time, so once AWS publishes a new one any deploy may replace every instance,"
        " ExoCom's included (the bus restarts); pin them with exo-cdk pin-amis"
        f" {display_path(Path(app.directory))}"
    )
