# ruff: noqa: E501 - exact one-line messages
"""Regions: AWS's own list (botocore's endpoints data), with did-you-mean."""

from __future__ import annotations

from typing import Any

import botocore  # type: ignore[import-untyped]
import botocore.loaders  # type: ignore[import-untyped]
import pytest

from exosphere_cdk.manifest.data.aws_region_names import BOTOCORE_VERSION, REGIONS
from exosphere_cdk.manifest.data.aws_regions import known_regions, regions_of
from exosphere_cdk.manifest.load.exo_deploy.loader import load_app
from tests.apps import AppFactory, problem_lines

REGION = "environments.production.providers.aws.region"


def _region(value: str) -> dict[str, Any]:
    return {
        "application.yml": {
            "environments": {"production": {"providers": {"aws": {"region": value}}}}
        }
    }


def test_the_copy_matches_the_installed_botocore() -> None:
    endpoints = botocore.loaders.Loader().load_data("endpoints")
    assert (botocore.__version__, regions_of(endpoints)) == (BOTOCORE_VERSION, REGIONS), (
        "run scripts/regenerate after upgrading botocore"
    )
    assert {"us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"} <= known_regions()
    assert REGIONS["eu-west-1"] == "Europe (Ireland)"


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("eu-west-9", "did you mean one of 'eu-west-1', 'eu-west-2', 'eu-west-3'?"),
        ("eu-wset-1", "did you mean 'eu-west-1'?"),
        ("us-gov-west-2", "did you mean 'us-gov-west-1'?"),
        ("zz-nowhere-1", f"expected a region like 'us-east-1' (AWS has {len(REGIONS)})"),
    ],
)
def test_a_region_aws_does_not_have_is_an_error(
    make_app: AppFactory, value: str, hint: str
) -> None:
    app = make_app(_region(value))
    assert problem_lines(app) == [
        f"app/application.yml:10: {REGION}: unknown region '{value}' (not in AWS's list of botocore {BOTOCORE_VERSION}), {hint}",
    ]


def test_a_region_not_shaped_like_one_is_reported_once(make_app: AppFactory) -> None:
    app = make_app(_region("Europe"))
    assert problem_lines(app) == [
        f"app/application.yml:10: {REGION}: invalid region 'Europe', expected an AWS region like 'us-west-2'",
    ]


@pytest.mark.parametrize("value", ["eu-west-3", "cn-north-1", "us-gov-east-1"])
def test_every_region_of_every_partition_is_accepted(make_app: AppFactory, value: str) -> None:
    assert load_app(make_app(_region(value))).aws.region == value
