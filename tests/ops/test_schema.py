"""`exo-cdk schema`: every valid example passes, schema-level invalid manifests fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.loader import load_app
from exosphere_cdk.ops.schema import json_schema
from tests.apps import write_app
from tests.conftest import CORPUS, REPO
from tests.manifest.test_manifest_invalid import CASES

VALIDATORS = {
    which: jsonschema.Draft202012Validator(json_schema(which))
    for which in ("application", "service")
}


def _which(path: Path) -> str:
    return "application" if path.name == "application.yml" else "service"


def _manifests(root: Path) -> list[Path]:
    return sorted([*root.rglob("application.yml"), *root.rglob("service.yml")])


def _era1(path: Path) -> bool:
    assert CORPUS is not None
    parts = path.relative_to(CORPUS).parts
    return parts[0] != "invalid" and "go-era" not in parts[0]


VALID = [*_manifests(REPO / "manifests"), *(filter(_era1, _manifests(CORPUS)) if CORPUS else ())]


def test_the_schemas_are_valid_2020_12() -> None:
    for which in VALIDATORS:
        schema = json_schema(which)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_follows_the_model() -> None:
    app = json_schema("application")
    aws = app["$defs"]["AwsProvider"]
    assert aws["additionalProperties"] is False
    assert aws["properties"]["availability-zones"] == {"type": "integer", "default": 2}
    assert app["required"] == ["name"]
    assert set(app["properties"]["environments"]["properties"]) == {"production"}
    service = json_schema("service")
    assert service["$defs"]["AwsService"]["properties"]["public-port"]["type"] == [
        "integer",
        "null",
    ]
    assert "description" in service["$defs"]["ServiceDependency"]["properties"]["secret"]


@pytest.mark.parametrize("path", VALID, ids=lambda p: str(p.relative_to(REPO.parent)))
def test_valid_examples_pass(path: Path) -> None:
    assert len(VALID) > 20
    data = yaml.safe_load(path.read_text())
    errors = [e.message for e in VALIDATORS[_which(path)].iter_errors(data)]
    assert errors == []


#: Cases of the manifest tests whose error is one a schema can see: unknown keys, wrong types.
SCHEMA_LEVEL = {
    "cpu-not-int",
    "cpu-bool",
    "cpu-quoted-number",
    "essential-not-bool",
    "unknown-key-did-you-mean",
    "unknown-key-list",
    "unknown-aws-key",
    "bus-version-missing",
    "name-missing",
    "list-not-mapping",
    "messages-not-list",
    "environment-not-mapping",
    "env-value-bool",
    "secret-not-string",
    "top-level-list",
}


SCHEMA_CASES = [c for c in CASES if c[0] in SCHEMA_LEVEL]


@pytest.mark.parametrize("changes", [c[1] for c in SCHEMA_CASES], ids=[c[0] for c in SCHEMA_CASES])
def test_schema_level_invalid_manifests_fail_both(tmp_path: Path, changes: dict[str, Any]) -> None:
    assert len(SCHEMA_LEVEL & {c[0] for c in CASES}) == len(SCHEMA_LEVEL)
    app = write_app(tmp_path, changes)
    with pytest.raises(ManifestError):
        load_app(app)
    failures = [
        path
        for path in _manifests(app)
        if any(VALIDATORS[_which(path)].iter_errors(yaml.safe_load(path.read_text())))
    ]
    assert failures, "the model refuses this app, the schema accepts every file"


def test_cli_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--output", str(tmp_path / "schemas")]) == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == ["application.schema.json", "service.schema.json"]
    on_disk = json.loads((tmp_path / "schemas" / "service.schema.json").read_text())
    assert on_disk == json_schema("service")
    capsys.readouterr()
    assert main(["schema"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"application", "service"}
