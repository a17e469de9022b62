"""The benchmark's app generator (the 150-service synthesis is in tests/stacks/test_scale.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate import DOMAIN, generate_app, main
from exosphere_cdk.manifest.load.eras import load_app


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under `directory`, by relative path, with its bytes."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("services", [1, 2, 3, 7, 10, 50, 150])
def test_generated_apps_load_without_errors_warnings_or_notices(
    tmp_path: Path, services: int
) -> None:
    generate_app(tmp_path / "app", services)

    app = load_app(tmp_path / "app")

    assert len(app.services) == services
    assert [str(p) for p in app.problems] == []


def test_at_200_services_exocom_routes_near_the_task_definition_limit(tmp_path: Path) -> None:
    generate_app(tmp_path / "app", 200)

    app = load_app(tmp_path / "app")

    assert len(app.services) == 200
    assert [(p.severity, p.path) for p in app.problems] == [("warning", "services")]
    assert "ExoCom's SERVICE_ROUTES would be" in app.problems[0].message


def test_the_same_arguments_write_the_same_bytes(tmp_path: Path) -> None:
    generate_app(tmp_path / "a", 30, seed=4)
    generate_app(tmp_path / "b", 30, seed=4)
    generate_app(tmp_path / "c", 30, seed=5)

    first, again, other = tree(tmp_path / "a"), tree(tmp_path / "b"), tree(tmp_path / "c")
    assert first == again
    assert other != first


def test_the_mix_is_like_a_real_app(tmp_path: Path) -> None:
    generate_app(tmp_path / "app", 100)
    app = load_app(tmp_path / "app")

    public = app.public_services
    assert 15 <= len(public) <= 25  # about a fifth
    for svc in public:
        url = svc.url
        assert url is not None and (url == DOMAIN or url.endswith(f".{DOMAIN}"))
        assert svc.port is not None
    assert any(s.url == DOMAIN for s in public)  # one at the apex
    mongo = [s for s in app.services if "mongo" in s.dependencies]
    namespaced = [s for s in app.services if s.namespace]
    assert 10 <= len(mongo) <= 50
    assert 3 <= len(namespaced) <= 20
    assert all("mongo" in s.dependencies for s in namespaced)
    assert any(s.directory and (s.directory / "Dockerfile").is_file() for s in app.services)
    assert any(s.secrets for s in app.services)
    assert app.aws.availability_zones == 3 and app.aws.account == "123456789012"
    # every service talks to others over the bus
    assert all(s.messages.sends and s.messages.receives for s in app.services)


def test_the_generator_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "notes.txt").write_text("mine")

    with pytest.raises(FileExistsError):
        generate_app(tmp_path / "app", 3)
    with pytest.raises(ValueError, match="at least 1"):
        generate_app(tmp_path / "new", 0)


def test_the_command_line_writes_an_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "app"), "--services", "4", "--seed", "1"]) == 0

    assert len(load_app(tmp_path / "app").services) == 4
    assert "4 services" in capsys.readouterr().out
