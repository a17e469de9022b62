"""The corpus's two Go-era apps (optional: skipped without ../shared/exosphere-examples)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import Image, LoadedApp, Secret
from tests.conftest import corpus

SEPTEMBER = "space-tweet--go-era-2017-09"
MARCH = "space-tweet--go-era-2018-03"


@pytest.fixture(scope="module")
def september() -> LoadedApp:
    return load_app(corpus(SEPTEMBER))


def test_the_2017_09_app_is_f2_and_loads_with_only_warnings_and_notices(
    september: LoadedApp,
) -> None:
    assert september.era == "go-f2"
    assert {p.severity for p in september.problems} == {"warning", "notice"}
    assert (september.domain, september.exocom_version) == ("spacetweet.originate.com", "0.26.3")
    assert (september.aws.region, september.aws.account) == ("us-west-2", "518695917306")
    assert september.aws.certificate_arn == (
        "arn:aws:acm:us-west-2:518695917306:certificate/c9a6be72-c6a3-4551-8e5b-53f5cfd89199"
    )


def test_the_2017_09_services(september: LoadedApp) -> None:
    kinds = {s.role: (s.kind, s.image, s.cpu, s.memory, s.port) for s in september.services}
    assert kinds == {
        "exosphere-tweets-service": (
            "worker",
            Image("registry", "originate/exosphere-tweets-service"),
            100,
            500,
            None,
        ),
        "exosphere-users-service": (
            "worker",
            Image("registry", "originate/exosphere-users-service"),
            100,
            500,
            None,
        ),
        "space-tweet-web-service": (
            "public",
            Image("registry", "originate/space-tweet-web-service"),
            128,
            128,
            3000,
        ),
    }
    web = next(s for s in september.services if s.public)
    assert (web.url, web.health_check_path) == ("spacetweet.originate.com", "/")
    assert web.source.at("port").path == "production.public-port"
    tweets = september.services[0]
    assert dict(tweets.secrets) == {
        name: Secret(name="space-tweet/secrets", json_key=name)
        for name in ("MONGODB_USER", "MONGODB_PW")
    }
    assert "create tweet" in tweets.messages.receives


def test_the_2017_09_leftovers_are_notices(september: LoadedApp) -> None:
    notices = [f"{p.path}: {p.message}" for p in september.problems if p.severity == "notice"]
    assert "user-data: ignored: not read by the Go era's exo deploy" in notices
    assert "tests: ignored: not read by the Go era's exo deploy" in notices
    assert (
        "services.public.space-tweet-web-service.docker_image: exo-deploy's key, not read by the"
        " Go era's exo deploy (its key is docker-image): read as the service's image, since the"
        " folder has no Dockerfile.prod or Dockerfile"
    ) in notices


def test_the_2018_03_app_in_place_lacks_only_its_dockerfiles() -> None:
    # The corpus holds the manifests only: the Go era built each folder's Dockerfile.prod.
    with pytest.raises(ManifestError) as raised:
        load_app(corpus(MARCH))
    assert [(p.path, p.message.split(",")[0]) for p in raised.value.errors] == [
        (
            "services.space-tweet-web-service.location",
            "no Dockerfile.prod or Dockerfile in './web-server' and no docker-image",
        ),
        (
            "services.storage-service.location",
            "no Dockerfile.prod or Dockerfile in './storage-service' and no docker-image",
        ),
    ]


def test_the_2018_03_app_with_its_dockerfiles_is_f5(tmp_path: Path) -> None:
    app_dir = tmp_path / MARCH
    shutil.copytree(corpus(MARCH), app_dir)
    for folder in ("web-server", "storage-service"):
        (app_dir / folder / "Dockerfile.prod").write_text("FROM scratch\n")
    app = load_app(app_dir)
    assert (app.era, app.environments, app.exocom_version) == ("go-f5", ("production",), "0.27.0")
    assert (app.domain, app.aws.account) == ("spacetweet.originate.com", "653673351586")
    web, storage = app.services
    assert (web.role, web.kind, web.port, web.url) == (
        "space-tweet-web-service",
        "public",
        3000,
        "spacetweet.originate.com",
    )
    assert (storage.role, storage.kind, storage.cpu, storage.memory) == (
        "storage-service",
        "worker",
        100,
        500,
    )
    assert dict(web.environment) == {}  # EXOCOM_HOST: ours (a notice)
    assert set(storage.secrets) == {"MONGODB_USER", "MONGODB_PW"}
    # the app's own unmatched messages are warnings; everything else is a notice
    assert {p.severity for p in app.problems} == {"warning", "notice"}
    warned = {p.path.split("[")[0] for p in app.problems if p.severity == "warning"}
    assert warned == {"dependency-data.exocom.receives", "dependency-data.exocom.sends"}
