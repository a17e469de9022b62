"""Whether Docker is installed and its daemon answers (`docker info`), for Dockerfile services."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

from attrs import frozen

__all__ = ["DOCKER_TIMEOUT", "DockerState", "probe_docker"]

#: Seconds `docker info` may take before the daemon counts as not answering.
DOCKER_TIMEOUT = 20


@frozen
class DockerState:
    """`installed`: a `docker` on PATH; `running`: `docker info` succeeded; else why not."""

    installed: bool
    running: bool
    detail: str = ""


def probe_docker(which: Callable[[str], str | None] = shutil.which) -> DockerState:
    """Ask the `docker` on PATH for `docker info`; its first line of complaint when it fails."""
    docker = which("docker")
    if docker is None:
        return DockerState(installed=False, running=False)
    try:
        done = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=DOCKER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return DockerState(True, False, f"no answer in {DOCKER_TIMEOUT} s")
    except OSError as exc:
        return DockerState(True, False, str(exc))
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        return DockerState(True, False, lines[0] if lines else f"exit code {done.returncode}")
    return DockerState(True, True)
