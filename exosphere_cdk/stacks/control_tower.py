"""AWS Control Tower's proactive controls as a validation plugin that fails the synthesis.

cdklabs.cdk-validator-cfnguard runs the controls (cfn-guard rules) with the
cfn-guard binary it ships. Its violations carry no severity; once any finding
of a plugin is acknowledged, CDK recounts that plugin's success from the
severities left (aws-cdk-lib 2.275, core/lib/private/synthesis-validation.js:
`violations.every(v => v.severity !== "error" && v.severity !== "fatal")`), so
an unacknowledged finding without one would pass. This wrapper marks each an
error, which is what the plugin's own report means.

It also gives cfn-guard only the rules that can apply. cfn-guard tries each of
its 237 rule files on every resource of every template, and a rule selects its
resources by the types it names (`Resources.*[ Type == %RESOURCE_TYPE ]`): a rule
none of whose types is in the templates finds nothing (`not_applicable`, checked
on every rule against an empty template). Those rules are passed to the plugin as
`disabled_rules`, which leaves its findings as they were and its time about a
third (the bundled example's templates: 6.8 s, 2.8 s). The types each rule names
are read from the rule files of the plugin's own library (`rule_types`); a rule
naming none always runs, and every rule runs when the library or a template
cannot be read.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import json
import re
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)
from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

#: Where the plugin's library keeps the Control Tower rules (its `defaultRulesPath`).
RULES_FOLDER = "package/rules/control-tower/cfn-guard/"
#: A CloudFormation resource type as a rule names it: `AWS::S3::Bucket`.
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


@jsii.implements(IPolicyValidationPlugin)
class ControlTowerControls:
    """cdk-validator-cfnguard with the Control Tower rules, every finding an error."""

    def __init__(self) -> None:
        self._guard = CfnGuardValidator(control_tower_rules_enabled=True)

    @property
    def name(self) -> str:
        # Acknowledgements name the plugin: `cdk-validator-cfnguard::<rule>`.
        name: str = self._guard.name
        return name

    @property
    def rule_ids(self) -> list[str] | None:
        ids: list[str] | None = self._guard.rule_ids
        return ids

    @property
    def version(self) -> str | None:
        version: str | None = self._guard.version
        return version

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        guard = self._guard
        skipped = not_applicable(rule_types(), resource_types(context.template_paths))
        if skipped:
            guard = CfnGuardValidator(control_tower_rules_enabled=True, disabled_rules=skipped)
        report: Any = guard.validate(context)  # a Beta1 report, read field by field
        violations = [
            PolicyViolation(
                rule_name=v.rule_name,
                description=v.description,
                fix=v.fix,
                rule_metadata=v.rule_metadata,
                severity=v.severity or "error",
                violating_resources=[
                    PolicyViolatingResource(
                        resource_logical_id=r.resource_logical_id,
                        template_path=r.template_path,
                        locations=r.locations,
                    )
                    for r in v.violating_resources
                ],
            )
            for v in report.violations
        ]
        return PolicyValidationPluginReport(
            success=report.success, violations=violations, metadata=report.metadata
        )


@functools.cache
def rule_types() -> Mapping[str, frozenset[str]]:
    """Each Control Tower rule (by file name, as `disabled_rules` names it) and the resource
    types it names, read once from the plugin's library."""
    with plugin_library() as library:
        return {} if library is None else read_rule_types(library)


@contextlib.contextmanager
def plugin_library() -> Iterator[Path | None]:
    """The plugin's library: the tarball jsii loads it from (None unless there is one)."""
    package = importlib.resources.files("cdklabs.cdk_validator_cfnguard._jsii")
    libraries = [p for p in package.iterdir() if p.name.endswith(".jsii.tgz")]
    if len(libraries) != 1:
        yield None
        return
    with importlib.resources.as_file(libraries[0]) as path:
        yield path


def rule_code(library: Path) -> Iterator[tuple[str, str]]:
    """(name, code without its comments) of each Control Tower rule file of `library`."""
    with tarfile.open(library) as tar:
        for member in tar:
            if member.isfile() and member.name.startswith(RULES_FOLDER):
                text = tar.extractfile(member).read().decode()  # type: ignore[union-attr]
                lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
                yield Path(member.name).stem, "\n".join(lines)


def read_rule_types(library: Path) -> dict[str, frozenset[str]]:
    """The rules of the plugin's `library` and the types each names outside its comments.
    Two files of one name count as a rule naming none; a library that cannot be read has
    no rules to skip (every rule runs)."""
    rules: dict[str, frozenset[str]] = {}
    try:
        for name, code in rule_code(library):
            types = frozenset(RESOURCE_TYPE.findall(code))
            rules[name] = frozenset() if name in rules else types
    except (OSError, ValueError, tarfile.TarError):
        return {}
    return rules


def resource_types(template_paths: Iterable[str]) -> frozenset[str] | None:
    """The resource types of the templates; None if one cannot be read as a template."""
    types: set[str] = set()
    try:
        for template in template_paths:
            resources = json.loads(Path(template).read_text()).get("Resources", {})
            types.update(str(resource.get("Type")) for resource in resources.values())
    except (OSError, ValueError, AttributeError):
        return None
    return frozenset(types)


def not_applicable(rules: Mapping[str, frozenset[str]], types: frozenset[str] | None) -> list[str]:
    """The rules that cannot find anything in templates of these resource `types`: those
    naming types, none of them among `types` (none when the types are unknown)."""
    if types is None:
        return []
    return sorted(name for name, named in rules.items() if named and not named & types)
