"""Rules: instance types are EC2's own (botocore's model), with did-you-mean."""

from __future__ import annotations

from exosphere_cdk.manifest.data.ec2_type_names import NAMES
from exosphere_cdk.manifest.data.ec2_types import BOTOCORE_VERSION, family, known_types
from exosphere_cdk.manifest.errors import Problem, did_you_mean
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
                f" {BOTOCORE_VERSION}), {_hint(value)}",
            )
        )
    return problems


def _hint(value: str) -> str:
    known = known_types()
    if value.lower() in known:
        return f"did you mean '{value.lower()}'?"
    guess = did_you_mean(value, sorted(known))
    if guess is not None:
        return f"did you mean '{guess}'?"
    family_name = family(value)
    sizes = [name.partition(".")[2] for name in NAMES if family(name) == family_name]
    if sizes:
        return f"expected one of the sizes of {family_name}: {', '.join(sizes)}"
    return "expected a type like 't3.medium'"
