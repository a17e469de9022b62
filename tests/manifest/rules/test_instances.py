# ruff: noqa: E501 - exact one-line messages
"""Instance types: EC2's own list (botocore's model), did-you-mean, architecture."""

from __future__ import annotations

import time
from typing import Any

import botocore  # type: ignore[import-untyped]
import botocore.loaders  # type: ignore[import-untyped]
import pytest

from exosphere_cdk.manifest.data.ec2_type_names import BOTOCORE_VERSION, NAMES
from exosphere_cdk.manifest.data.ec2_types import architecture, known_types, render
from tests.apps import AppFactory, problem_lines


def _aws(**values: Any) -> dict[str, Any]:
    return {"application.yml": {"environments": {"production": {"providers": {"aws": values}}}}}


def test_the_copy_matches_the_installed_botocore() -> None:
    model = botocore.loaders.Loader().load_service_model("ec2", "service-2")
    names = model["shapes"]["InstanceType"]["enum"]
    assert (BOTOCORE_VERSION, list(NAMES)) == (botocore.__version__, names), (
        "run scripts/regenerate after upgrading botocore"
    )
    assert render(BOTOCORE_VERSION, list(NAMES)).count("\n") == len(NAMES) + 6


def test_known_types_is_fast_and_complete() -> None:
    start = time.perf_counter()
    known = known_types()
    assert time.perf_counter() - start < 0.05
    assert {"t2.nano", "t3.medium", "t4g.small", "m6g.large", "x1e.xlarge"} <= known
    assert "t3.gigantic" not in known


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (
            "t3.gigantic",
            "expected one of the sizes of t3: nano, micro, small, medium, large, xlarge, 2xlarge",
        ),
        ("t3.mediun", "did you mean 't3.medium'?"),
        ("M5.Large", "did you mean 'm5.large'?"),
        ("zz9.huge", "expected a type like 't3.medium'"),
        # a size the family lacks: its sizes, and that size in the nearest generation of
        # the series not older (never m3.medium, a previous generation)
        (
            "m5.medium",
            "expected one of the sizes of m5: large, xlarge, 2xlarge, 4xlarge, 8xlarge,"
            " 12xlarge, 16xlarge, 24xlarge, metal, or 'm7a.medium' for a medium",
        ),
        (
            "m5.mediun",
            "expected one of the sizes of m5: large, xlarge, 2xlarge, 4xlarge, 8xlarge,"
            " 12xlarge, 16xlarge, 24xlarge, metal, or 'm7a.medium' for a medium",
        ),
        # a close size of another kind is no typo: small is not metal
        (
            "r5.small",
            "expected one of the sizes of r5: large, xlarge, 2xlarge, 4xlarge, 8xlarge,"
            " 12xlarge, 16xlarge, 24xlarge, metal",
        ),
        ("t2.xlarge2", "did you mean 't2.xlarge'?"),
        # a family EC2 lacks: the closest names, the newest generation among equals
        ("t5.micro", "did you mean 't3.micro'?"),
        ("t3medium", "did you mean 't3.medium'?"),
    ],
)
def test_unknown_instance_type(make_app: AppFactory, value: str, hint: str) -> None:
    app = make_app(_aws(**{"private-cluster-size": value}))
    assert problem_lines(app) == [
        f"app/application.yml:10: environments.production.providers.aws.private-cluster-size: unknown instance type '{value}' (not in EC2's list of botocore {BOTOCORE_VERSION}), {hint}",
    ]


ARM64 = [
    "a1.medium", "a1.metal", "t4g.nano", "m6g.large", "m6gd.metal", "c6gn.16xlarge",
    "c7gn.medium", "c7gd.large", "r8g.large", "m8gd.large", "x2gd.large", "im4gn.large",
    "is4gen.large", "i4g.large", "g5g.xlarge", "hpc7g.4xlarge", "m7g.large",
]  # fmt: skip
X86_64 = [
    "t2.nano", "t3.small", "t3a.large", "m5.large", "m5zn.large", "m6i.large", "m6a.large",
    "c5n.large", "c7i-flex.large", "r7iz.large", "x1e.xlarge", "g4dn.xlarge", "g6.xlarge",
    "gr6.4xlarge", "p5.48xlarge", "inf2.xlarge", "trn1.2xlarge", "u-6tb1.metal", "z1d.large",
    "d3en.xlarge", "hpc7a.12xlarge", "vt1.3xlarge", "dl1.24xlarge",
]  # fmt: skip


@pytest.mark.parametrize("name", ARM64)
def test_graviton_types_are_arm64(name: str) -> None:
    assert name in known_types()
    assert architecture(name) == "arm64"


@pytest.mark.parametrize("name", X86_64)
def test_other_types_are_x86_64(name: str) -> None:
    assert name in known_types()
    assert architecture(name) == "x86_64"


def test_every_graviton_family_of_the_model() -> None:
    """The families the rule calls arm64, as of the model: a new one shows up here."""
    arm = sorted({n.partition(".")[0] for n in NAMES if architecture(n) == "arm64"})
    assert arm == [
        "a1", "c6g", "c6gd", "c6gn", "c7g", "c7gd", "c7gn", "c8g", "c8gb", "c8gd", "c8gn",
        "c9g", "c9gd", "g5g", "hpc7g", "i4g", "i8g", "i8ge", "im4gn", "is4gen", "m6g", "m6gd",
        "m7g", "m7gd", "m8g", "m8gb", "m8gd", "m8gn", "m9g", "m9gd", "p6e-gb200", "r6g",
        "r6gd", "r7g", "r7gd", "r8g", "r8gb", "r8gd", "r8gn", "r9g", "r9gd", "t4g", "x2gd",
        "x8g",
    ]  # fmt: skip
