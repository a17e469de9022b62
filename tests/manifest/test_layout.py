"""docs/contributing.md's "where things go", kept true: rules listed once, fields carried over."""

from __future__ import annotations

import importlib
import pkgutil

import attrs

from exosphere_cdk.manifest import rules
from exosphere_cdk.manifest.load.exo_deploy import schema, translate
from exosphere_cdk.manifest.model.app import AwsSettings, LoadedService

#: LoadedService's values that are not written at a key of their own (memory_is_reservation
#: is the era's meaning of `memory`).
NOT_WRITTEN = {"role", "kind", "directory", "image", "source", "memory_is_reservation"}


def test_every_rule_module_is_listed_once_in_rules() -> None:
    # GIVEN every module of manifest/rules/ but the shared helpers
    names = [m.name for m in pkgutil.iter_modules(rules.__path__) if m.name != "base"]
    checks = [importlib.import_module(f"{rules.__name__}.{name}").check for name in names]
    # THEN each module's check is in RULES, once, and RULES holds nothing else
    assert sorted(rules.RULES, key=id) == sorted(checks, key=id)
    assert len(set(rules.RULES)) == len(rules.RULES)


def test_every_value_of_a_service_has_the_key_it_is_written_at() -> None:
    # GIVEN the app model's values of a service, and where the exo-deploy era writes them
    values = {a.name for a in attrs.fields(LoadedService)} - NOT_WRITTEN
    written = set(translate.SERVICE_KEYS) | set(translate.ENTRY_KEYS)
    # THEN a rule can report at the user's key for each of them
    assert values - written == set()


def test_every_aws_setting_is_the_schemas_field_of_that_name() -> None:
    settings = {a.name for a in attrs.fields(AwsSettings)}
    provider = {a.name for a in attrs.fields(schema.AwsProvider)}
    # remote-state-store is exo-deploy's Terraform bucket: read, noticed, not deployed;
    # account-id is the account's name, `account` its former one (translate.aws_settings)
    assert provider - settings == {"remote_state_store", "account_id"}
    assert settings - provider == set()
