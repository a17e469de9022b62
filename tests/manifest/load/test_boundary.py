"""The app folder is a boundary: nothing outside it is read or packaged, odd paths are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory, problem_lines

OUT = (
    "outside the application folder, expected a file inside it"
    " (nothing outside the app folder is read or packaged)"
)
LOOP = "a symbolic link that cannot be followed (a loop), expected a file inside the app folder"


def with_location(location: str) -> dict[str, str]:
    """application.yml with `web` at `location` (written as YAML text, escapes included)."""
    return {
        "application.yml": (
            "name: demo\nbus: {type: exocom, version: 0.21.8}\nservices:\n  public:\n"
            f'    web: {{location: "{location}"}}\n  private:\n    users: {{location: ./users}}\n'
        )
    }


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the app, with a secret in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret").write_text("hunter2\n")
    return folder


def test_an_escaped_nul_in_location(make_app: AppFactory) -> None:
    assert problem_lines(make_app(with_location("./w\\0eb"))) == [
        "app/application.yml:5: services.public.web.location: holds a NUL character,"
        " expected a folder path"
    ]


def test_a_6000_character_location(make_app: AppFactory) -> None:
    assert problem_lines(make_app(with_location("./" + "a" * 6000))) == [
        "app/application.yml:5: services.public.web.location: a path of 6,002 characters,"
        " expected a folder path of at most 1,024"
    ]


def test_a_folder_name_longer_than_the_file_system_takes(make_app: AppFactory) -> None:
    name = "a" * 300
    assert problem_lines(make_app(with_location(f"./{name}"))) == [
        f"app/application.yml:5: services.public.web.location: './{name}' cannot be read"
        " (file name too long), expected a service folder"
    ]


def test_a_symlink_loop_as_location(make_app: AppFactory) -> None:
    app = make_app(with_location("./loop"))
    (app / "loop").symlink_to("loop2")
    (app / "loop2").symlink_to("loop")
    assert problem_lines(app) == [
        "app/application.yml:5: services.public.web.location: './loop' cannot be followed"
        " (a loop), expected a service folder"
    ]


def test_a_location_linked_out(make_app: AppFactory, outside: Path) -> None:
    app = make_app(with_location("./elsewhere"))
    (app / "elsewhere").symlink_to(outside)
    assert problem_lines(app) == [
        "app/application.yml:5: services.public.web.location: './elsewhere' is outside the"
        " application folder, expected a folder inside it"
    ]


def test_application_yml_linked_out(make_app: AppFactory, outside: Path) -> None:
    app = make_app(None)
    (app / "application.yml").rename(outside / "application.yml")
    (app / "application.yml").symlink_to(outside / "application.yml")
    assert problem_lines(app) == [
        f"app/application.yml: a symbolic link to outside/application.yml, {OUT}"
    ]


def test_service_yml_linked_out(make_app: AppFactory, outside: Path) -> None:
    app = make_app(None)
    (app / "web" / "service.yml").rename(outside / "service.yml")
    (app / "web" / "service.yml").symlink_to("../../outside/service.yml")
    assert problem_lines(app) == [
        f"app/web/service.yml: a symbolic link to outside/service.yml, {OUT}"
    ]


def test_a_dockerfile_linked_out(make_app: AppFactory, outside: Path) -> None:
    app = make_app(None)
    (app / "web" / "Dockerfile").symlink_to(outside / "secret")
    assert problem_lines(app) == [f"app/web/Dockerfile: a symbolic link to outside/secret, {OUT}"]


def test_build_context_files_linked_out(make_app: AppFactory, outside: Path) -> None:
    """Every link of a service folder with a Dockerfile is checked (not followed), however deep."""
    app = make_app({"users/Dockerfile": "FROM node:20\n", "users/src/index.js": "x\n"})
    src = app / "users" / "src"
    (src / "shared").symlink_to("../../../outside")  # a folder out
    (src / "config.json").symlink_to("../../../outside/secret")  # a file out
    (src / "main.js").symlink_to("index.js")  # inside: fine
    (src / "web").symlink_to("../../web")  # inside the app folder: fine
    (src / "loop1").symlink_to("loop2")
    (src / "loop2").symlink_to("loop1")
    assert problem_lines(app) == [
        f"app/users/src/config.json: a symbolic link to outside/secret, {OUT}",
        f"app/users/src/loop1: {LOOP}",
        f"app/users/src/loop2: {LOOP}",
        f"app/users/src/shared: a symbolic link to outside, {OUT}",
    ]


def test_links_out_of_a_folder_without_dockerfile_are_not_packaged(
    make_app: AppFactory, outside: Path
) -> None:
    """Only a Dockerfile's folder is a build context: the rest of a folder is never read."""
    app = make_app(None)
    (app / "web" / "notes.txt").symlink_to(outside / "secret")
    assert load_app(app).slug == "demo"


def test_links_inside_the_app_folder_load(make_app: AppFactory) -> None:
    app = make_app(with_location("./front"))
    (app / "front").symlink_to("web")
    (app / "users" / "web.yml").symlink_to("../web/service.yml")
    loaded = load_app(app)
    assert [s.directory for s in loaded.services] == [
        (app / "users").resolve(),
        (app / "web").resolve(),
    ]


def test_an_app_folder_reached_through_a_link_loads(tmp_path: Path, make_app: AppFactory) -> None:
    app = make_app(None)
    (tmp_path / "linked").symlink_to(app.resolve())
    assert load_app(tmp_path / "linked").slug == "demo"
