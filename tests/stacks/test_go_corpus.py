"""The corpus's two Go-era apps synthesize, every rule pack on (optional: skipped, saying
how to run them, without ../shared/exosphere-examples). Synthesized from temporary copies:
the 2018-03 app gets the Dockerfile.prod each service folder had (the corpus keeps the
manifests only); the 2017-09 app runs its services' images as written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import corpus
from tests.synth import synthesize

#: About 10-15 s an app on 2 cores: cdk-nag's packs on every stack.
pytestmark = pytest.mark.slow

#: Each corpus app, and the service folders that get a Dockerfile.prod in its copy.
APPS = {
    "space-tweet--go-era-2017-09": (),
    "space-tweet--go-era-2018-03": ("web-server", "storage-service"),
}


@pytest.mark.parametrize("name", list(APPS))
def test_a_corpus_go_era_app_synthesizes(name: str, tmp_path: Path) -> None:
    directory = tmp_path / name
    shutil.copytree(corpus(name), directory)
    for folder in APPS[name]:
        (directory / folder / "Dockerfile.prod").write_text("FROM scratch\n")
    synthesized = synthesize(directory, tmp_path / "cdk.out")
    names = list(synthesized.templates)
    assert names[0] == "space-tweet-network"
    assert "space-tweet-dns" not in names  # its certificate is given
    # network, zone, platform, exocom, one per service, monitoring (no databases)
    assert len(names) == len(synthesized.app.services) + 5
