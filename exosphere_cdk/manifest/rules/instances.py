"""Rules: instance types are EC2's own (botocore's model), with did-you-mean (instance_hints)."""

from __future__ import annotations

from exosphere_cdk.manifest.data.ec2_types import BOTOCORE_VERSION, known_types
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules.base import CLUSTER_KEYS, app_file, aws_path, cluster_size
from exosphere_cdk.manifest.rules.instance_hints import instance_type_hint


def check(app: LoadedApp) -> list[Problem]:
    return unknown_instance_types(app)


def unknown_instance_types(app: LoadedApp) -> list[Problem]:
    """A cluster size that is not an EC2 instance type is an error."""
    problems: list[Problem] = []
    known = known_types()
    for key in CLUSTER_KEYS:
        value = cluster_size(app, key)
        if value is None or value in known:
            continue
        problems.append(
            Problem(
                app_file(app),
                aws_path(app, key),
                f"unknown instance type '{value}' (not in EC2's list of botocore"
                f" {BOTOCORE_VERSION}), {instance_type_hint(value)}",
            )
        )
    return problems
