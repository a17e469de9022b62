"""`exo-cdk schema`: every valid example passes, schema-level invalid manifests fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
import yaml

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import era_of, load_app
from exosphere_cdk.manifest.load.exo_deploy import schema as era_schema
from exosphere_cdk.manifest.load.go_era import schema as go_schema
from exosphere_cdk.manifest.model import constraints as model
from exosphere_cdk.manifest.model.constraints import DEFAULT_INSTANCE_TYPE
from exosphere_cdk.manifest.model.spec import KEY, SPEC, Spec
from exosphere_cdk.ops.schema import (
    ERA_FILES,
    exocom_releases_markdown,
    json_schema,
    reference_markdown,
)
from tests.apps import write_app
from tests.conftest import CORPUS, REPO
from tests.manifest.load.test_invalid import CASES

VALIDATORS = {
    which: jsonschema.Draft202012Validator(json_schema(which))
    for which in ("application", "service")
}
#: Each family's validators, by (era, file).
ERA_VALIDATORS = {
    (era, which): jsonschema.Draft202012Validator(json_schema(which, era))
    for era in ERA_FILES
    for which in ("application", "service")
}


def _which(path: Path) -> str:
    return "application" if path.name == "application.yml" else "service"


def _era(path: Path) -> str:
    """The family of the app a manifest belongs to (its folder, or the nearest above it
    holding an application.yml)."""
    folder = next(p for p in path.parents if (p / "application.yml").is_file())
    return era_of(folder)


def _manifests(root: Path) -> list[Path]:
    return sorted([*root.rglob("application.yml"), *root.rglob("service.yml")])


def _listed(path: Path) -> bool:
    assert CORPUS is not None
    parts = path.relative_to(CORPUS).parts
    return parts[0] != "invalid"


VALID = [*_manifests(REPO / "manifests"), *(filter(_listed, _manifests(CORPUS)) if CORPUS else ())]


def test_the_schemas_are_valid_2020_12() -> None:
    for era, which in ERA_VALIDATORS:
        schema = json_schema(which, era)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_follows_the_model() -> None:
    app = json_schema("application")
    aws = app["$defs"]["AwsProvider"]
    assert aws["additionalProperties"] is False
    assert aws["properties"]["availability-zones"] == {
        "type": "integer",
        "minimum": 2,
        "maximum": 6,
        "description": "availability zones of the VPC",
        "default": 2,
    }
    assert aws["properties"]["public-cluster-size"]["default"] == DEFAULT_INSTANCE_TYPE
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
    errors = [e.message for e in ERA_VALIDATORS[_era(path), _which(path)].iter_errors(data)]
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
    # ranges, patterns and allowed values (the model's Specs)
    "cpu-range",
    "memory-zero",
    "port-range",
    "role-not-dns-label",
    "url-with-scheme",
    "health-check-path",
    "env-names",
    "network",
    "log-retention",
    "aws-ids",
    "slug-invalid",
    "namespace",
    "bus-type",
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


def test_cli_output_of_a_go_era_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--era", "go-f5"]) == 0
    documents = json.loads(capsys.readouterr().out)
    assert documents == {which: json_schema(which, "go-f5") for which in ("application", "service")}
    assert documents["service"]["title"] == (
        "Exosphere service.yml (Go era F5 (Exosphere 0.35-0.37 and master))"
    )
    remote = documents["service"]["$defs"]["F5ServiceRemote"]["properties"]
    assert remote["memory"]["minimum"] == 6
    assert "remote" in documents["application"]["properties"]


def test_a_go_era_schema_refuses_another_family_s_keys() -> None:
    validator = ERA_VALIDATORS["go-f5", "application"]
    errors = [e.message for e in validator.iter_errors({"name": "a", "production": {}})]
    assert errors == ["Additional properties are not allowed ('production' was unexpected)"]


def _fields() -> list[tuple[str, type, attrs.Attribute[Any], dict[str, Any]]]:
    """(file, class, field, the field's schema) for every field of every model class."""
    found = []
    for era, which in ERA_VALIDATORS:
        schema = json_schema(which, era)
        module = era_schema if era == "exo-deploy" else go_schema
        root = ERA_FILES[era][which]
        classes = {root.__name__: (root, schema)}
        classes.update({name: (getattr(module, name), d) for name, d in schema["$defs"].items()})
        for cl, defined in classes.values():
            # SecretRef is `NAME` or the mapping
            properties = (defined["anyOf"][1] if "anyOf" in defined else defined)["properties"]
            for a in attrs.fields(cl):
                found.append((which, cl, a, properties[a.metadata.get(KEY, a.name)]))
    return found


def test_cpu_0_is_refused_by_the_schema() -> None:
    service = {"production": {"aws": {"cpu": 0}}}
    errors = [e.message for e in VALIDATORS["service"].iter_errors(service)]
    assert errors == ["0 is less than the minimum of 1"]


def test_every_constrained_field_carries_its_constraint() -> None:
    checked = 0
    for _, cl, a, field_schema in _fields():
        spec: Spec = a.metadata[SPEC]
        prop = field_schema.get("items", field_schema)
        if isinstance(field_schema.get("additionalProperties"), dict):
            prop = field_schema["additionalProperties"]  # a mapping's values (urls by role)
        for keyword, value in (
            ("minimum", spec.minimum),
            ("maximum", spec.maximum),
            ("pattern", spec.pattern),
            ("enum", list(spec.enum) if spec.enum else None),
        ):
            if value is not None:
                assert prop[keyword] == value, f"{cl.__name__}.{a.name}: {keyword}"
                checked += 1
        if spec.names is not None:
            assert field_schema["propertyNames"] == {"pattern": spec.names.pattern}
            checked += 1
    assert checked > 30


def test_every_field_is_described_and_its_default_is_the_model_s() -> None:
    for _, cl, a, prop in _fields():
        assert prop.get("description") == a.metadata[SPEC].doc != "", f"{cl.__name__}.{a.name}"
        if isinstance(a.default, str | int | bool):
            assert prop["default"] == a.default, f"{cl.__name__}.{a.name}"
        else:
            assert "default" not in prop, f"{cl.__name__}.{a.name}"


def test_the_secret_shorthand_carries_the_name_s_pattern() -> None:
    secret = json_schema("service")["$defs"]["SecretRef"]
    assert secret["anyOf"][0]["pattern"] == model.SECRET_PATTERN
    service = {"production": {"secrets": {"TOKEN": "has space"}}}
    assert any(VALIDATORS["service"].iter_errors(service))


def test_the_reference_shows_each_default_and_range() -> None:
    reference = reference_markdown()
    assert "| `cpu` | integer | `100` | 1 to 16384 CPU units (1024 = 1 vCPU) |" in reference
    assert "| `exocom-cluster-size` | string | `t3.micro` |" in reference
    assert "| `log-retention-days` | integer | `30` | one of CloudWatch's: 1, 3, " in reference


def test_the_releases_table_has_a_row_per_family() -> None:
    table = exocom_releases_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(exocom.FAMILIES)
    assert rows[0].startswith("| `0.21.0`, `0.21.1`")
    assert "Node.js, `bin/exocom`" in rows[0]
    assert "one (deployments 0/100 %" in rows[0]
    assert "stops ExoCom" in rows[0]
    assert "`SERVICE_DATA`" in rows[-1]
    assert "several (deployments 100/200 %" in rows[-1]
