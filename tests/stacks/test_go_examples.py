"""Our Go-era examples as synthesized: no dns stack (their certificates are given), and
manifests/go-f5's web built from its Dockerfile.prod, as the Go era's exo deploy built it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.ops.assembly import read_stacks
from exosphere_cdk.ops.plan import build_plan
from tests.conftest import MANIFESTS
from tests.synth import Synthesized, synthesize


@pytest.fixture(scope="module")
def f5(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("go-f5") / "cdk.out"
    return synthesize(MANIFESTS / "go-f5", outdir, compliance=False)


def _image_sources(outdir: Path, stack: str) -> list[dict[str, Any]]:
    assets = json.loads((outdir / f"{stack}.assets.json").read_text())
    return [image["source"] for image in assets["dockerImages"].values()]


def test_a_go_era_example_has_no_dns_stack_and_plan_says_why(f5: Synthesized) -> None:
    assert f5.stacks.dns is None
    assert list(f5.templates) == [
        "go-notes-network",
        "go-notes-zone",
        "go-notes-platform",
        "go-notes-exocom",
        "go-notes-data",
        "go-notes-web",
        "go-notes-store",
        "go-notes-monitoring",
    ]
    assert derive.omitted_stacks(f5.app) == {
        "go-notes-dns": "not synthesized: it would hold no resource (the certificate is an"
        " existing one, imported by go-notes-platform)"
    }
    plan = build_plan(f5.app, read_stacks(f5.outdir)).as_json()
    assert plan["omitted_stacks"] == derive.omitted_stacks(f5.app)
    assert "go-notes-dns" in derive.stack_names(f5.app, omitted=True)


def test_dockerfile_prod_is_the_file_the_asset_builds(f5: Synthesized) -> None:
    web, store = (next(s for s in f5.app.services if s.role == r) for r in ("web", "store"))
    assert (web.image.dockerfile, store.image.dockerfile) == ("Dockerfile.prod", "Dockerfile")
    [built] = _image_sources(f5.outdir, "go-notes-web")
    assert built["dockerFile"] == "Dockerfile.prod"
    # CDK's default is not named: an exo-deploy app's assets stay as they were
    [default] = _image_sources(f5.outdir, "go-notes-store")
    assert "dockerFile" not in default
    # and plan names it
    plan = build_plan(f5.app, read_stacks(f5.outdir)).as_json()
    [image] = [s["service"]["image"] for s in plan["stacks"] if s["name"] == "go-notes-web"]
    assert image["dockerfile"] == "Dockerfile.prod"
