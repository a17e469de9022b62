"""Rules: instance types are EC2's own (botocore's model), with did-you-mean."""

from __future__ import annotations

import difflib
import re

from exosphere_cdk.manifest.data.ec2_type_names import NAMES
from exosphere_cdk.manifest.data.ec2_types import (
    BOTOCORE_VERSION,
    architecture,
    family,
    known_types,
)
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules.base import CLUSTER_SIZES


def check(app: LoadedApp) -> list[Problem]:
    return unknown_instance_types(app)


def unknown_instance_types(app: LoadedApp) -> list[Problem]:
    """A cluster size that is not an EC2 instance type is an error."""
    problems: list[Problem] = []
    known = known_types()
    for name in CLUSTER_SIZES:
        value: str = getattr(app.aws, name)
        if value in known:
            continue
        problems.append(
            app.source.at(f"aws.{name}").problem(
                f"unknown instance type '{value}' (not in EC2's list of botocore"
                f" {BOTOCORE_VERSION}), {instance_type_hint(value)}",
            )
        )
    return problems


# ---------------------------------------------------------------- did-you-mean
# Did-you-mean for an instance type EC2 does not have, preferring current generations.
#
# `m5.medium` (m5 has no medium) must not point at `m3.medium`, a generation AWS
# lists as previous: a size the family lacks is answered with the family's sizes
# and the same size in the nearest generation of the same series and CPU
# architecture not older than the one asked (`m7a.medium`); a name whose family
# EC2 does not have is answered with the closest names, the newest generation
# first among equally close ones (`t5.micro` -> `t3.micro`, not `t1.micro`).
#: A family's series and generation: `m` and 5 in `m5`, `m5ad`; `c` and 7 in `c7i-flex`.
_SERIES_RE = re.compile(r"^([a-z]+)([0-9]+)")


def _series(family_name: str) -> tuple[str, int] | None:
    match = _SERIES_RE.match(family_name)
    return None if match is None else (match[1], int(match[2]))


def instance_type_hint(value: str) -> str:
    """What to suggest for `value`, an instance type EC2 does not have."""
    known = known_types()
    if value.lower() in known:
        return f"did you mean '{value.lower()}'?"
    family_name = family(value)
    in_family = [name for name in NAMES if family(name) == family_name]
    if in_family:
        size = value.partition(".")[2]
        sizes = [name.partition(".")[2] for name in in_family]
        fixed = _close_size(size, sizes)
        if fixed is not None:
            return f"did you mean '{family_name}.{fixed}'?"
        hint = f"expected one of the sizes of {family_name}: {', '.join(sizes)}"
        size = _close_size(size, sorted({name.partition(".")[2] for name in NAMES})) or size
        newer = _same_size_not_older(family_name, size)
        return hint if newer is None else f"{hint}, or '{newer}' for a {size}"
    guess = _closest_newest(value)
    if guess is not None:
        return f"did you mean '{guess}'?"
    return "expected a type like 't3.medium'"


def _close_size(size: str, sizes: list[str]) -> str | None:
    """The size of `sizes` `size` is a typo of (`mediun`), closer than a family's guess:
    `small` is not a typo of `metal`."""
    matches = difflib.get_close_matches(size, sizes, n=1, cutoff=0.75)
    return matches[0] if matches else None


def _same_size_not_older(family_name: str, size: str) -> str | None:
    """`size` in the nearest generation of `family_name`'s series and architecture not
    older than it (the plainest family of that generation), if one has it."""
    asked = _series(family_name)
    if asked is None:
        return None
    arch = architecture(f"{family_name}.{size}")
    candidates = []
    for name in NAMES:
        series = _series(family(name))
        if (
            series is not None
            and series[0] == asked[0]
            and series[1] >= asked[1]
            and name.partition(".")[2] == size
            and architecture(name) == arch
        ):
            candidates.append((series[1], len(family(name)), name))
    return min(candidates)[2] if candidates else None


def _closest_newest(value: str) -> str | None:
    """The closest name to `value`; among equally close ones, the newest generation."""
    matcher = difflib.SequenceMatcher(b=value)
    scored: list[tuple[float, int, str]] = []
    for name in NAMES:
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            ratio = matcher.ratio()
            if ratio >= 0.6:
                series = _series(family(name))
                scored.append((ratio, 0 if series is None else series[1], name))
    if not scored:
        return None
    best = max(ratio for ratio, _, _ in scored)
    return max((gen, name) for ratio, gen, name in scored if ratio == best)[1]
