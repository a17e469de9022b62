"""Reading an environment's AMI pins (`ami-pins.<env>.json` beside application.yml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exosphere_cdk.manifest.errors import Problem, display_path
from exosphere_cdk.manifest.model.amis import AMI_PARAMETERS, AMI_PATTERN, PIN_FILE, AmiPins
from exosphere_cdk.manifest.model.spec import as_json_schema

#: A region name.
_REGION = as_json_schema(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
#: A pin file is a few hundred bytes; more is not one.
_MAX_BYTES = 64 * 1024


def pin_path(directory: Path, env: str) -> Path:
    return directory / PIN_FILE.format(env=env)


def read_pins(
    directory: Path, env: str, region: str | None
) -> tuple[AmiPins | None, list[Problem]]:
    """The pins of `env` (None without a pin file), and the problems of a pin file.

    `region` is the app's (None: environment-agnostic): pins of another region
    are an error, their AMIs do not exist there.
    """
    path = pin_path(directory, env)
    if not path.is_file():
        return None, []
    file = display_path(path)
    if path.stat().st_size > _MAX_BYTES:
        return None, [Problem(file, "", f"larger than {_MAX_BYTES} bytes: not an AMI pin file")]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, [Problem(file, "", f"not JSON ({exc}): write it with exo-cdk pin-amis")]
    problems = _problems(file, data, region)
    if problems:
        return None, problems
    return AmiPins(file=file, region=data["region"], images=dict(data["amis"])), []


def _problems(file: str, data: Any, region: str | None) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(file, "", "expected a JSON object with region and amis")]
    problems = []
    pinned = data.get("region")
    if not isinstance(pinned, str) or not _REGION.match(pinned):
        problems.append(
            Problem(file, "region", f"invalid region {pinned!r}, expected e.g. 'us-east-1'")
        )
    elif region is not None and pinned != region:
        problems.append(
            Problem(
                file,
                "region",
                f"the AMIs are pinned in {pinned}, the app deploys to {region}:"
                " pin them again (exo-cdk pin-amis)",
            )
        )
    amis = data.get("amis")
    if not isinstance(amis, dict) or not amis:
        problems.append(Problem(file, "amis", f"expected an object of {', '.join(AMI_PARAMETERS)}"))
        return problems
    for arch, ami in amis.items():
        if arch not in AMI_PARAMETERS:
            expected = ", ".join(AMI_PARAMETERS)
            problems.append(
                Problem(file, f"amis.{arch}", f"unknown architecture, expected {expected}")
            )
        elif not isinstance(ami, str) or not as_json_schema(AMI_PATTERN).match(ami):
            problems.append(
                Problem(
                    file, f"amis.{arch}", f"invalid AMI id {ami!r}, expected 'ami-' and hex digits"
                )
            )
    return problems
