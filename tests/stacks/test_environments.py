"""Two environments of one app side by side: no stack or AWS name shared, the account pinned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.design.app import design
from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import write_app
from tests.synth import Synthesized, synthesize

PRODUCTION_ACCOUNT = "111111111111"
STAGING_ACCOUNT = "222222222222"
#: The app of tests/apps.py with a staging environment in another account, ExoCom's
#: reconnector (0.21.8), the web ACL, and mongo (its default secret is per environment).
TWO_ENVIRONMENTS: dict[str, Any] = {
    "application.yml": {
        "environments": {
            "local": None,
            "production": {
                "domain": "demo.example.com",
                "providers": {
                    "aws": {"region": "us-east-1", "account-id": PRODUCTION_ACCOUNT, "waf": True}
                },
            },
            "staging": {
                "domain": "staging.demo.example.com",
                "providers": {
                    "aws": {"region": "us-east-1", "account-id": STAGING_ACCOUNT, "waf": True}
                },
            },
        }
    },
    "web/service.yml": {"production": {"url": "api.demo.example.com"}},
    "users/service.yml": {"dependencies": {"mongo": {"version": "3.4"}}},
}

#: Keys ending in `Name` that name no AWS resource of their own, and why two environments
#: may share them.
NOT_RESOURCE_NAMES = {
    # the CloudWatch metric an alarm watches: AWS's name (CPUUtilization), not the alarm's
    "MetricName",
    # an SNS topic's display label; the topic's name is CloudFormation's, from its stack's
    "DisplayName",
    # an inline policy's name, unique within the role it is attached to (whose name
    # CloudFormation derives from its stack's)
    "PolicyName",
}
#: Resources whose `Name` is unique only inside a parent whose own name differs.
SCOPED_NAMES = {
    # ExoCom's name in its Cloud Map namespace (`<deployment>.internal`, collected too)
    "AWS::ServiceDiscovery::Service",
}


@pytest.fixture(scope="module")
def environments(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    root = tmp_path_factory.mktemp("environments")
    directory = write_app(root, TWO_ENVIRONMENTS)
    return {
        env: synthesize(directory, root / f"{env}.out", env=env)
        for env in ("production", "staging")
    }


def _rendered(value: Any) -> str | None:
    """A name as text: a literal, or an Fn::Join of literals and pseudo parameters; None for a
    reference to another resource (it is named by that resource)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        texts = [_rendered(p) if not _pseudo(p) else "${" + p["Ref"] + "}" for p in parts]
        return None if None in texts else separator.join(t for t in texts if t is not None)
    return None


def _pseudo(value: Any) -> bool:
    return isinstance(value, dict) and str(value.get("Ref", "")).startswith("AWS::")


def names(synthesized: Synthesized) -> Iterator[tuple[str, str, str]]:
    """(stack, resource type.key, name) of every explicit name of every resource."""
    for stack, template in synthesized.templates.items():
        yield stack, "stack", stack
        for resource in template.get("Resources", {}).values():
            kind = resource["Type"]
            for key, value in resource.get("Properties", {}).items():
                if not key.endswith("Name") or key in NOT_RESOURCE_NAMES:
                    continue
                if key == "Name" and kind in SCOPED_NAMES:
                    continue
                name = _rendered(value)
                if name is not None:
                    yield stack, f"{kind}.{key}", name


def test_two_environments_share_no_stack_nor_resource_name(
    environments: dict[str, Synthesized],
) -> None:
    production = {name for _, _, name in names(environments["production"])}
    staging = {name for _, _, name in names(environments["staging"])}
    # THEN the collection found the names that matter, in both
    kinds = {kind for _, kind, _ in names(environments["staging"])}
    assert {
        "stack",
        "AWS::CloudWatch::Alarm.AlarmName",
        "AWS::CloudWatch::Dashboard.DashboardName",
        "AWS::KMS::Alias.AliasName",
        "AWS::ServiceDiscovery::PrivateDnsNamespace.Name",
        "AWS::Route53::HostedZone.Name",
        "AWS::Route53::RecordSet.Name",
        "AWS::CertificateManager::Certificate.DomainName",
    } <= kinds
    # AND no name is in both environments
    assert production & staging == set()
    assert len(production) > 25 and len(staging) == len(production)


def test_staging_names_start_with_its_deployment_name(
    environments: dict[str, Synthesized],
) -> None:
    staging = environments["staging"]
    assert sorted(staging.templates) == [
        "demo-staging-dns",
        "demo-staging-exocom",
        "demo-staging-monitoring",
        "demo-staging-network",
        "demo-staging-platform",
        "demo-staging-users",
        "demo-staging-web",
        "demo-staging-zone",
    ]
    found = {(kind, name) for _, kind, name in names(staging)}
    assert ("AWS::KMS::Alias.AliasName", "alias/exosphere/demo-staging") in found
    assert ("AWS::ServiceDiscovery::PrivateDnsNamespace.Name", "demo-staging.internal") in found
    assert ("AWS::CloudWatch::Dashboard.DashboardName", "demo-staging-${AWS::Region}") in found
    assert ("AWS::Route53::HostedZone.Name", "staging.demo.example.com.") in found
    assert ("AWS::Route53::RecordSet.Name", "api.staging.demo.example.com.") in found


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_staging_instances_write_only_to_staging_log_groups(
    environments: dict[str, Synthesized],
) -> None:
    text = json.dumps(environments["staging"].templates["demo-staging-platform"])
    assert ":log-group:demo-staging-*" in text
    assert ":log-group:demo-*" not in text


def test_staging_reads_its_own_mongo_secret_and_exocom_host(
    environments: dict[str, Synthesized],
) -> None:
    template = environments["staging"].templates["demo-staging-users"]
    (task,) = _resources(template, "AWS::ECS::TaskDefinition")
    (container,) = task["Properties"]["ContainerDefinitions"]
    assert {"Name": "EXOCOM_HOST", "Value": "exocom.demo-staging.internal"} in container[
        "Environment"
    ]
    secrets = json.dumps(container["Secrets"])
    assert ":secret:demo-staging/mongo" in secrets


def _tags(template: dict[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for resource in template["Resources"].values():
        tags = resource.get("Properties", {}).get("Tags")
        if isinstance(tags, list):
            found |= {(t["Key"], t["Value"]) for t in tags if isinstance(t, dict) and "Key" in t}
    return found


def test_staging_resources_carry_the_environment_tag_production_none(
    environments: dict[str, Synthesized],
) -> None:
    staging = _tags(environments["staging"].templates["demo-staging-network"])
    production = _tags(environments["production"].templates["demo-network"])
    assert {("exosphere:app", "demo"), ("exosphere:env", "staging")} <= staging
    assert ("exosphere:app", "demo") in production
    assert not any(key == "exosphere:env" for key, _ in production)


def test_each_environment_is_pinned_to_its_account_in_the_cloud_assembly(
    environments: dict[str, Synthesized],
) -> None:
    for env, account in (("production", PRODUCTION_ACCOUNT), ("staging", STAGING_ACCOUNT)):
        manifest = json.loads((environments[env].outdir / "manifest.json").read_text())
        stacks = {
            name: artifact["environment"]
            for name, artifact in manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }
        assert len(stacks) == 8  # with the zone stack of DNS first
        assert set(stacks.values()) == {f"aws://{account}/us-east-1"}


def test_production_names_are_the_slugs_alone(tmp_path: Path) -> None:
    plan = design(load_app(write_app(tmp_path, TWO_ENVIRONMENTS)))
    assert (plan.deployment, plan.network.name, plan.network.key_alias) == (
        "demo",
        "demo-network",
        "exosphere/demo",
    )
    assert (plan.exocom.host, plan.monitoring.dashboard_name, plan.log_group_name_prefix) == (
        "exocom.demo.internal",
        "demo",
        "demo-",
    )
    assert plan.tags == {"exosphere:app": "demo"}
    assert plan.services[0].secrets["MONGODB_USER"].name == "demo/mongo"
