"""Where a registry image name points: Docker Hub, an ECR repository, or another registry.

Docker's rule: the first path component of a name is a registry host when it
holds a `.` or a `:` or is `localhost`; otherwise the name is Docker Hub's
(`node:20`, `originate/exocom:0.22.1`). `docker.io/...` names Docker Hub too.
"""

from __future__ import annotations

import re

from attrs import frozen

#: The hosts under which Docker Hub serves images.
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")

#: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@digest]` (FIPS and China too).
ECR_IMAGE_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)"
    r"\.amazonaws\.com(?:\.cn)?/(?P<repository>[a-z0-9._/-]+?)"
    r"(?::(?P<tag>[A-Za-z0-9_.-]+))?(?:@(?P<digest>[a-z0-9]+:[a-f0-9]+))?$"
)


def registry_host(image: str) -> str | None:
    """The registry host `image` names, or None for a Docker Hub name without one."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def is_docker_hub(image: str) -> bool:
    """Whether Docker Hub serves `image` (its pull rate limits and credentials apply)."""
    host = registry_host(image)
    return host is None or host in DOCKER_HUB_HOSTS


@frozen
class EcrImage:
    """An image in an ECR repository, read from its name."""

    account: str
    region: str
    repository: str
    #: The tag, or None (a digest, or neither: ECR then serves `latest`).
    tag: str | None
    #: `sha256:...`, or None.
    digest: str | None

    @property
    def repository_arn(self) -> str:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        if self.region.startswith("us-gov-"):
            partition = "aws-us-gov"
        return f"arn:{partition}:ecr:{self.region}:{self.account}:repository/{self.repository}"


def ecr_image(image: str) -> EcrImage | None:
    """`image` as an ECR repository and tag or digest; None when it is not an ECR name."""
    match = ECR_IMAGE_RE.match(image)
    if match is None:
        return None
    return EcrImage(
        account=match["account"],
        region=match["region"],
        repository=match["repository"],
        tag=match["tag"],
        digest=match["digest"],
    )
