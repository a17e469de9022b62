"""ops.scaffold: `init`'s app validates and synthesizes as written; services added by lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.load.exo_deploy.loader import load_app, load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.scaffold import (
    ExistsError,
    add_service,
    app_files,
    insert_service,
    write_files,
)
from tests.synth import synthesize

FILE = Path("application.yml")


def new_app(root: Path, *, dockerfile: bool = False) -> Path:
    directory = root / "my-app"
    write_files(directory, app_files(str(directory), dockerfile=dockerfile))
    return directory


def test_init_writes_an_app_that_validates(tmp_path: Path) -> None:
    directory = new_app(tmp_path)
    assert sorted(str(p.relative_to(directory)) for p in directory.rglob("*")) == [
        "application.yml",
        "web",
        "web/service.yml",
        "worker",
        "worker/service.yml",
    ]
    app = load_app(directory)
    assert app.problems == ()
    assert (app.slug, [(s.role, s.public) for s in app.services]) == (
        "my-app",
        [("web", True), ("worker", False)],
    )
    web, worker = app.services
    assert (web.messages.sends, web.messages.receives) == (
        ("work.request",),
        ("work.done",),
    )
    assert worker.messages.receives == ("work.request",)
    assert web.port == 3000
    assert web.image.value == "my-app/web"
    for path in (directory / "application.yml", directory / "web/service.yml"):
        assert "docs/manifest.md" in path.read_text()


def test_init_with_dockerfiles_synthesizes(tmp_path: Path) -> None:
    directory = new_app(tmp_path, dockerfile=True)
    assert (directory / "web/Dockerfile").read_text().startswith("# Built at `exo-cdk deploy`")
    assert "listen(3000" in (directory / "web/server.js").read_text()
    app = load_app(directory)
    assert app.problems == ()
    assert [s.image.kind for s in app.services] == ["asset", "asset"]
    synthesized = synthesize(directory, tmp_path / "cdk.out")
    assert sorted(synthesized.templates) == [
        "my-app-exocom",
        "my-app-monitoring",
        "my-app-network",
        "my-app-platform",
        "my-app-web",
        "my-app-worker",
    ]
    assets = list((tmp_path / "cdk.out").glob("asset.*/Dockerfile"))
    assert len(assets) == 2


def test_init_never_overwrites(tmp_path: Path) -> None:
    directory = tmp_path / "my-app"
    (directory / "worker").mkdir(parents=True)
    (directory / "worker" / "service.yml").write_text("mine\n")
    with pytest.raises(ExistsError) as raised:
        write_files(directory, app_files(str(directory)))
    assert str(raised.value) == (
        f"{directory}/worker/service.yml exists: nothing was written (it is never overwritten)"
    )
    assert raised.value.exit_code == 2
    assert sorted(p.name for p in directory.rglob("*")) == ["service.yml", "worker"]
    (tmp_path / "file").write_text("")
    with pytest.raises(ExistsError, match="file exists and is not a folder: nothing was written"):
        write_files(tmp_path / "file", app_files(str(tmp_path / "file")))


def test_init_needs_a_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        app_files(str(tmp_path / "___"))
    assert str(raised.value) == (
        f"{tmp_path}/___: its name '___' has no letter or digit to name the app's stacks"
    )


#: An application.yml as people write them: comments everywhere, 4-space indentation.
COMMENTED = """\
# my app
name: demo  # the name

services:
    # the public ones
    public:
        web:
            location: ./web   # the site

        # more to come
    private:
        users:
            location: ./users
# the end
"""


def test_insert_keeps_every_line() -> None:
    assert insert_service(COMMENTED, "api", "public", FILE) == COMMENTED.replace(
        "            location: ./web   # the site\n",
        "            location: ./web   # the site\n        api:\n            location: ./api\n",
    )
    assert insert_service(COMMENTED, "mailer", "private", FILE) == COMMENTED.replace(
        "            location: ./users\n",
        "            location: ./users\n        mailer:\n            location: ./mailer\n",
    )


def test_insert_a_group_or_the_services() -> None:
    only_private = "name: x\nservices:\n  private:\n    users:\n      location: ./users\n"
    assert insert_service(only_private, "web", "public", FILE) == (
        f"{only_private}  public:\n    web:\n      location: ./web\n"
    )
    assert insert_service("name: x", "web", "public", FILE) == (
        "name: x\nservices:\n  public:\n    web:\n      location: ./web\n"
    )
    empty = "services:\n  public:\n  private:\n    users:\n      location: ./users\n"
    assert insert_service(empty, "web", "public", FILE) == empty.replace(
        "  public:\n", "  public:\n    web:\n      location: ./web\n"
    )


def test_insert_refuses_flow_style() -> None:
    with pytest.raises(UsageError) as raised:
        insert_service("services:\n  public: {web: {location: ./web}}\n", "api", "public", FILE)
    assert str(raised.value) == (
        "application.yml:2: services.public is written inline: add the service there by hand"
    )
    with pytest.raises(UsageError, match=r"application.yml:1: services is written inline"):
        insert_service("services: {public: {}}\n", "api", "public", FILE)


@pytest.fixture
def app(tmp_path: Path) -> LoadedApp:
    return load_directory(str(new_app(tmp_path)), "production")


def test_add_a_private_service(app: LoadedApp) -> None:
    before = (app.directory / "application.yml").read_text()
    written = add_service(app, "mailer", public=False, dockerfile=True)
    assert [p.relative_to(app.directory).as_posix() for p in written] == [
        "application.yml",
        "mailer/service.yml",
        "mailer/Dockerfile",
        "mailer/server.js",
    ]
    after = (app.directory / "application.yml").read_text()
    assert after == before.replace(
        "      location: ./worker\n",
        "      location: ./worker\n    mailer:\n      location: ./mailer\n",
    )
    reloaded = load_app(app.directory)
    assert reloaded.problems == ()
    assert [s.role for s in reloaded.private_services] == ["mailer", "worker"]


def test_add_a_public_service_needs_a_url_beside_a_catch_all(app: LoadedApp) -> None:
    with pytest.raises(UsageError) as raised:
        add_service(app, "api", public=True, dockerfile=False)
    assert str(raised.value) == (
        "web takes every request already (a public service without production.url): give api"
        " one with --url HOST"
    )
    add_service(app, "api", public=True, dockerfile=False, url="api.my-app.example.com")
    reloaded = load_app(app.directory)
    api = next(s for s in reloaded.services if s.role == "api")
    assert (api.public, api.url) == (True, "api.my-app.example.com")
    # Without a domain the url is a host header only, as validate says.
    assert [f"{p.severity}: {p.path}: {p.message}" for p in reloaded.problems] == [
        "warning: production.url: 'api.my-app.example.com' has no domain to live in: no DNS"
        " record or certificate is made for it (set environments.production.domain)"
    ]


def test_a_public_service_gets_a_url_in_the_domain(tmp_path: Path) -> None:
    directory = new_app(tmp_path)
    application = directory / "application.yml"
    application.write_text(
        application.read_text().replace("# domain: my-app.example.com", "domain: example.org")
    )
    app = load_directory(str(directory), "production")
    add_service(app, "api", public=True, dockerfile=False)
    api = next(s for s in load_app(directory).services if s.role == "api")
    assert api.url == "api.example.org"


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("web", "my-app has a service web already"),
        ("worker", "my-app has a service worker already"),
        (
            "Mailer",
            "invalid service name 'Mailer': expected a DNS label (lowercase letters, digits and"
            " '-', at most 32 characters, not starting or ending with '-')",
        ),
        (
            "network",
            "service name 'network' is reserved for a stack of the app's own, expected another"
            " name (not dns, exocom, monitoring, network, platform, zone)",
        ),
    ],
)
def test_add_refuses(role: str, message: str, app: LoadedApp) -> None:
    before = {p: p.read_bytes() for p in app.directory.rglob("*") if p.is_file()}
    with pytest.raises(UsageError) as raised:
        add_service(app, role, public=False, dockerfile=False)
    assert str(raised.value) == message
    assert raised.value.exit_code == 2
    assert {p: p.read_bytes() for p in app.directory.rglob("*") if p.is_file()} == before


def test_add_never_overwrites_a_folder(app: LoadedApp) -> None:
    (app.directory / "mailer").mkdir()
    (app.directory / "mailer" / "service.yml").write_text("mine\n")
    before = (app.directory / "application.yml").read_text()
    with pytest.raises(ExistsError):
        add_service(app, "mailer", public=False, dockerfile=False)
    assert (app.directory / "application.yml").read_text() == before
    assert (app.directory / "mailer" / "service.yml").read_text() == "mine\n"
