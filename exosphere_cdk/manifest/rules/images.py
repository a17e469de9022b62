"""Rules: images that pull as the user meant (a tag, the Dockerfile or the image, ECR access)."""

from __future__ import annotations

from exosphere_cdk.manifest.data.images import ecr_image, is_docker_hub
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp

DOCKER_HUB = "Docker Hub"


def image_tag(image: str) -> str | None:
    """The tag of `image` (`redis:7.2` -> `7.2`), None without one (a registry port is no tag)."""
    name = image.partition("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.partition(":")[2] or None if ":" in last else None


def check(app: LoadedApp) -> list[Problem]:
    problems: list[Problem] = []
    for svc in app.services:
        image = svc.image_name
        if not image:
            continue
        at = svc.source.at("image_name")
        tag = image_tag(image)
        if "@" not in image and tag in (None, "latest"):
            problems.append(
                at.problem(
                    f"'{image}' is {'untagged' if tag is None else 'tagged latest'}:"
                    f" {DOCKER_HUB if is_docker_hub(image) else 'its registry'}'s moving"
                    " 'latest', so each new task may run another image; expected a version"
                    " tag or a digest",
                    "warning",
                )
            )
        if svc.image.kind == "asset":
            problems.append(
                at.problem(
                    f"the service folder has a Dockerfile: it is built and used, '{image}' is not"
                    " (remove one of them)",
                    "notice",
                )
            )
        ecr = ecr_image(image)
        account = app.aws.account
        if ecr is not None and account is not None and ecr.account != account:
            problems.append(
                at.problem(
                    f"ECR repository '{ecr.repository}' is in account {ecr.account}, the app"
                    f" deploys to {account}: that repository's policy must allow the pull"
                    f" (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) by account {account}",
                    "warning",
                )
            )
    return problems
