# ruff: noqa: E501 - exact one-line messages
"""Images: a tag, the Dockerfile or the docker_image, pulls from another account's ECR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.rules.images import image_tag
from tests.apps import AppFactory

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/cache"


def _cache(image: str, **aws: Any) -> dict[str, Any]:
    # messages: ExoCom must know them, and the image has no service.yml here
    cache = {"docker_image": image, "messages": {"receives": ["cache.get"]}}
    app: dict[str, Any] = {"services": {"private": {"cache": cache}}}
    if aws:
        app["environments"] = {"production": {"providers": {"aws": aws}}}
    return {"application.yml": app}


def _lines(app: Path, severity: str) -> list[str]:
    problems = load_app(app).problems
    return [str(p) for p in problems if p.severity == severity and "docker_image" in p.path]


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("redis", None),
        ("redis:7.2", "7.2"),
        ("redis:latest", "latest"),
        ("localhost:5000/cache", None),
        ("localhost:5000/cache:1", "1"),
        ("redis@sha256:abc", None),
        (f"{ECR}:v1", "v1"),
    ],
)
def test_image_tag(image: str, tag: str | None) -> None:
    assert image_tag(image) == tag


@pytest.mark.parametrize(
    ("image", "what"), [("redis", "untagged"), ("redis:latest", "tagged latest")]
)
def test_untagged_or_latest_warns(make_app: AppFactory, image: str, what: str) -> None:
    assert _lines(make_app(_cache(image)), "warning") == [
        f"app/application.yml:16: services.private.cache.docker_image: warning: '{image}' is {what}: Docker Hub's moving 'latest', so each new task may run another image; expected a version tag or a digest",
    ]


def test_untagged_image_of_another_registry_names_that_registry(make_app: AppFactory) -> None:
    assert _lines(make_app(_cache("ghcr.io/acme/cache")), "warning") == [
        "app/application.yml:16: services.private.cache.docker_image: warning: 'ghcr.io/acme/cache' is untagged: its registry's moving 'latest', so each new task may run another image; expected a version tag or a digest",
    ]


DIGEST = "sha256:" + "0123abcd" * 8  # a digest is 64 hex digits (rules/grammars.py)


@pytest.mark.parametrize("image", ["redis:7.2", f"redis@{DIGEST}", f"redis:latest@{DIGEST}"])
def test_a_tag_or_digest_is_quiet(make_app: AppFactory, image: str) -> None:
    assert _lines(make_app(_cache(image)), "warning") == []


def test_dockerfile_beside_docker_image_names_the_one_used(make_app: AppFactory) -> None:
    app = make_app(
        {
            "application.yml": {
                "services": {"private": {"users": {"docker_image": "demo/users:1.0"}}}
            }
        }
    )
    (app / "users" / "Dockerfile").write_text("FROM node:20\n")
    assert _lines(app, "notice") == [
        "app/application.yml:15: services.private.users.docker_image: notice: the service folder has a Dockerfile: it is built and used, 'demo/users:1.0' is not (remove one of them)",
    ]


def test_ecr_image_in_another_account_warns(make_app: AppFactory) -> None:
    app = make_app(_cache(f"{ECR}:v1", account="210987654321"))
    assert _lines(app, "warning") == [
        "app/application.yml:19: services.private.cache.docker_image: warning: ECR repository 'team/cache' is in account 123456789012, the app deploys to 210987654321: that repository's policy must allow the pull (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) by account 210987654321",
    ]


def test_ecr_image_in_the_apps_account_or_without_account_is_quiet(make_app: AppFactory) -> None:
    assert _lines(make_app(_cache(f"{ECR}:v1", account="123456789012")), "warning") == []
    assert _lines(make_app(_cache(f"{ECR}:v1")), "warning") == []
