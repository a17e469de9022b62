"""Which family an app is read as: told by application.yml's keys; two families refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load import reading, yaml_io
from exosphere_cdk.manifest.load.eras import era_of, load_app
from exosphere_cdk.manifest.load.go_era import translate
from exosphere_cdk.manifest.model.app import ERAS, LoadedService
from tests.conftest import EXAMPLES, REPO
from tests.manifest.load.go_era.apps import BASES, GoApp

MIXED = """\
name: demo
description: a manifest of two families
version: 1.0.0

development:
  dependencies: []

production:
  url: demo.example.com
  dependencies:
    - name: exocom
      version: 0.26.3

remote:
  environments:
    production: {}
services: {}
"""
MIXED_MESSAGE = (
    "application.yml:14: remote: a key of the Go era F5 (Exosphere 0.35-0.37 and master) in a"
    " manifest read as the Go era F2 (Exosphere 0.26-0.31) (development/production at lines 5,"
    " 8): expected one family"
)


def _era_of(tmp_path: Path, application: dict[str, Any]) -> str:
    (tmp_path / "application.yml").write_text(yaml.safe_dump(application))
    return era_of(tmp_path)


@pytest.mark.parametrize("era", sorted(BASES))
def test_each_family_is_told_by_its_keys(go_app: GoApp, era: str) -> None:
    assert go_app.load(era).era == era


@pytest.mark.parametrize("name", ["go-f2", "go-f5"])
def test_the_examples_families(name: str) -> None:
    assert era_of(EXAMPLES[name]) == name


@pytest.mark.parametrize("name", ["hello", "shop", "blog", "chat"])
def test_the_exo_deploy_examples_stay_exo_deploy(name: str) -> None:
    assert era_of(EXAMPLES[name]) == "exo-deploy"


def test_a_manifest_of_two_families_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("application.yml").write_text(MIXED)
    with pytest.raises(ManifestError) as raised:
        load_app(Path())
    assert [str(p) for p in raised.value.problems] == [MIXED_MESSAGE]


def test_the_docs_quote_the_message() -> None:
    text = " ".join((REPO / "docs" / "manifest.md").read_text().split())
    assert f"`{MIXED_MESSAGE}`" in text


def test_exo_deploy_s_dependencies_against_f1_s(tmp_path: Path) -> None:
    exo_deploy = {"name": "a", "dependencies": [{"type": "exocom", "version": "0.22.1"}]}
    assert _era_of(tmp_path, exo_deploy) == "exo-deploy"
    f1 = {"name": "a", "dependencies": [{"name": "exocom", "version": "0.25.0"}]}
    assert _era_of(tmp_path, {**f1, "production": {"url": "a.example.com"}}) == "go-f1"


def test_an_exo_deploy_key_in_a_go_era_manifest(tmp_path: Path) -> None:
    application: dict[str, Any] = {
        "remote": {"environments": {}},
        "environments": {"production": {}},
    }
    with pytest.raises(ManifestError) as raised:
        _era_of(tmp_path, application)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line) == ("remote", 3)
    assert problem.message == (
        "a key of the Go era F5 (Exosphere 0.35-0.37 and master) in a manifest read as the"
        " exo-deploy era (Exosphere 0.21-0.22) (environments at line 1): expected one family"
    )


def test_a_worker_group_is_the_go_era_s(tmp_path: Path) -> None:
    application = {"bus": {"type": "exocom"}, "services": {"worker": {}}}
    with pytest.raises(ManifestError) as raised:
        _era_of(tmp_path, application)
    (problem,) = raised.value.problems
    assert problem.path == "services.worker"
    assert problem.message.startswith("a key of the Go era F1 or Go era F2 in a manifest read as")


@pytest.mark.parametrize(
    ("remote", "era"),
    [
        ({"url": "a.example.com"}, "go-f4"),
        ({"dependencies": [{"name": "exocom"}]}, "go-f3"),
        ({"dependencies": {"exocom": {"type": "exocom"}}}, "go-f4"),
        ({"environment": {"A": "1"}}, "go-f4"),
        ({"environments": {}}, "go-f5"),
    ],
)
def test_remote_s_content_tells_f3_f4_and_f5(
    tmp_path: Path, remote: dict[str, Any], era: str
) -> None:
    assert _era_of(tmp_path, {"name": "a", "remote": remote}) == era


def test_every_era_is_named() -> None:
    assert set(translate.SERVICE_KEYS) | {"exo-deploy"} == set(ERAS)


def test_every_go_era_key_names_a_value_of_the_model() -> None:
    # `kind` is service.yml's `type`; `location` the service's folder (`directory`)
    values = {a.name for a in attrs.fields(LoadedService)} | {"kind", "location"}
    names = {name for table in translate.SERVICE_KEYS.values() for name in table}
    names |= {name for table in translate.ENTRY_KEYS.values() for name in table}
    assert names - values == set()


@pytest.mark.parametrize("example", ["hello", "go-f2", "go-f5"])
def test_each_manifest_is_read_once(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Telling the era reads application.yml; the era's loader reuses that reading."""
    read: list[str] = []
    real = yaml_io.load_yaml

    def counted(path: Path, shown: str) -> Any:
        read.append(Path(path).name if Path(path).name == "application.yml" else shown)
        return real(path, shown)

    monkeypatch.setattr(reading, "load_yaml", counted)
    app = load_app(Path(__file__).parents[4] / "manifests" / example)
    assert read.count("application.yml") == 1
    assert len(read) == len(set(read)) == 1 + len({s.directory for s in app.services})
