"""A synthesis check: no template holds a dynamic reference or an unresolved token.

exosphere-cdk writes one kind of CloudFormation dynamic reference (`{{resolve:…}}`)
into a template: a database's master password, a Secrets Manager reference as
the whole `MasterUserPassword` of an `AWS::RDS::DBInstance` (CloudFormation
hands it to RDS and never shows it). Secrets reach a task through ECS's
`secrets` (the secret's ARN, read by the task's execution role when it starts).
Any other reference in a template came from somewhere else (a manifest string
the checks missed, a construct added by hand) and would be resolved at deploy
time with the deploying role's rights, its value written in plain text. The
plugin fails the synthesis on any, and on an unresolved CDK token
(`${Token[…]}`), naming the stack, the resource and the key path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk import PolicyViolation

from exosphere_cdk.manifest.model.constraints import CDK_TOKEN, DYNAMIC_REFERENCE
from exosphere_cdk.stacks.template_check import TemplateCheck

RULE = "exosphere-no-dynamic-references"
#: The start of a CDK token (constraints.CDK_TOKEN) in a template's JSON text, its whitespace
#: written as it is or escaped.
TOKEN_IN_JSON = re.compile(r"[$#]\{(?:\s|\\[tnrf])*(?i:token)")
#: What a violation suggests.
FIX = "use production.secrets for secrets; plain text elsewhere"
#: The one dynamic reference exosphere-cdk writes: a database's master password, whole.
MASTER_PASSWORD = re.compile(r"\{\{resolve:secretsmanager:[^{}]+\}\}")


class NoDynamicReferences(TemplateCheck):
    """Fails the synthesis when a template holds `{{resolve:…` or `${Token[…`."""

    plugin_name = "exosphere-cdk-references"
    rule = RULE

    def violations(self, templates: list[Path]) -> list[PolicyViolation]:
        places = [
            (template, logical_id, location)
            for template in templates
            for logical_id, location in found_in_text(template.read_text())
        ]
        if not places:
            return []
        description = (
            "a template holds a CloudFormation dynamic reference ('{{resolve:…') or a CDK"
            " token exosphere-cdk did not put there: CloudFormation would resolve it with"
            " the deploying role's rights"
        )
        return [self.violation(description, FIX, places)]


def found_in_text(text: str) -> Iterator[tuple[str, str]]:
    """`found()` of the template whose JSON is `text`: nothing, without reading it, when the
    text could not hold a reference or a token (`may_hold`)."""
    if may_hold(text):
        yield from found(json.loads(text))


def may_hold(text: str) -> bool:
    """Whether a string of the template whose JSON is `text` may hold a reference or a token.

    A string holding one puts in the text `{{`, or `${` or `#{` then `token` (in any case)
    with only whitespace between, written as it is or escaped (`\\n`), unless a character
    of it is written as a `\\u....` escape (JSON's other escapes are of quotes, the
    backslash and control characters). A template of none of the three (most: a
    200-service app's are checked in a third of the time) is not parsed.
    """
    return "{{" in text or "\\u" in text or TOKEN_IN_JSON.search(text) is not None


def found(template: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(logical id, key path) of every string of `template` holding a reference or a token.

    The logical id is the resource's (or output's, parameter's...) or, for a
    top-level value, the section's name.
    """
    for section, body in template.items():
        if isinstance(body, dict):
            for logical_id, value in body.items():
                for location in _strings(value, f"{section}/{logical_id}"):
                    if not _master_password(section, value, location):
                        yield logical_id, location
        else:
            for location in _strings(body, section):
                yield section, location


def _strings(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if DYNAMIC_REFERENCE.search(value) or CDK_TOKEN.search(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, path)
            yield from _strings(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}/{index}")


def _master_password(section: str, resource: Any, location: str) -> bool:
    """Whether `location` is a database's master password read from Secrets Manager."""
    if section != "Resources" or not isinstance(resource, dict):
        return False
    if resource.get("Type") != "AWS::RDS::DBInstance":
        return False
    if not location.endswith("/Properties/MasterUserPassword"):
        return False
    value = resource.get("Properties", {}).get("MasterUserPassword")
    return isinstance(value, str) and MASTER_PASSWORD.fullmatch(value) is not None
