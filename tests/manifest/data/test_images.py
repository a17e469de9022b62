"""Registry image names: Docker Hub or not, ECR repositories."""

from __future__ import annotations

import pytest

from exosphere_cdk.manifest.data.images import EcrImage, ecr_image, is_docker_hub, registry_host


@pytest.mark.parametrize(
    ("image", "host", "docker_hub"),
    [
        ("node", None, True),
        ("node:20-alpine", None, True),
        ("originate/exocom:0.22.1", None, True),
        ("docker.io/library/redis:7", "docker.io", True),
        ("index.docker.io/originate/exocom", "index.docker.io", True),
        ("ghcr.io/acme/web:1", "ghcr.io", False),
        ("localhost/web", "localhost", False),
        ("registry.local:5000/web", "registry.local:5000", False),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.2", None, False),
        ("public.ecr.aws/nginx/nginx:1.27", "public.ecr.aws", False),
    ],
)
def test_docker_hub_is_a_name_without_a_registry_host(
    image: str, host: str | None, docker_hub: bool
) -> None:
    if host is not None:
        assert registry_host(image) == host
    assert is_docker_hub(image) is docker_hub


def test_ecr_images_name_their_repository() -> None:
    image = ecr_image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.2")
    assert image == EcrImage("123456789012", "eu-west-1", "shop/web", "1.2", None)
    assert image.repository_arn == "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web"
    pinned = ecr_image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web@sha256:" + "ab" * 32)
    assert pinned is not None
    assert (pinned.tag, pinned.digest) == (None, "sha256:" + "ab" * 32)
    assert pinned.repository_arn == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/web"


@pytest.mark.parametrize(
    "image",
    ["originate/exocom", "public.ecr.aws/nginx/nginx", "1234.dkr.ecr.eu-west-1.amazonaws.com/x"],
)
def test_other_names_are_not_ecr(image: str) -> None:
    assert ecr_image(image) is None
