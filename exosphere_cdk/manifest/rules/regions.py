"""Rules: the region is one of AWS's own (botocore's endpoints data), with did-you-mean."""

from __future__ import annotations

import difflib
import re

from exosphere_cdk.manifest.data.aws_regions import BOTOCORE_VERSION, known_regions
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.constraints import REGION_PATTERN


def check(app: LoadedApp) -> list[Problem]:
    return unknown_region(app)


def unknown_region(app: LoadedApp) -> list[Problem]:
    """A region AWS does not have is an error (one not shaped like a region is the field's)."""
    region = app.aws.region
    if region is None or region in known_regions():
        return []
    if not re.match(REGION_PATTERN, region):
        return []  # reported by the field's own pattern
    return [
        app.source.at("aws.region").problem(
            f"unknown region '{region}' (not in AWS's list of botocore {BOTOCORE_VERSION}),"
            f" {region_hint(region)}",
        )
    ]


def region_hint(region: str) -> str:
    """`did you mean 'us-east-1'?`, every region as close when several are (`eu-west-9`)."""
    known = sorted(known_regions())
    scored = sorted(
        ((difflib.SequenceMatcher(None, region, name).ratio(), name) for name in known),
        key=lambda pair: -pair[0],
    )
    best = scored[0][0]
    if best < 0.6:
        return f"expected a region like 'us-east-1' (AWS has {len(known)})"
    closest = [name for score, name in scored if score == best]
    if len(closest) == 1:
        return f"did you mean '{closest[0]}'?"
    return "did you mean one of " + ", ".join(f"'{name}'" for name in closest) + "?"
