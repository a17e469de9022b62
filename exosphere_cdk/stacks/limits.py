"""A synthesis check: every template within CloudFormation's limits on one template.

CloudFormation refuses a template over one of them when the change set is made
("Template may not exceed 1000000 bytes in size"), so `cdk deploy --all` would
deploy every stack before the one refused: the monitoring stack, which grows by
a dashboard row for each service, is deployed last. ExoCom's routing table is
checked from the manifests (manifest.rules.messages); a template's size and
counts are known only once it is synthesized, so the plugin fails the synthesis
instead, naming each stack, the limit and by how much it is over.

The CDK checks two of them itself, less strictly: it stops a stack of more than
500 resources (unless `@aws-cdk/core:stackResourceLimit` is raised or 0) and
only warns of a template over 1 MB (`@aws-cdk/core:Stack.templateSize`), which
lets the synthesis pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from aws_cdk import PolicyViolation

from exosphere_cdk.manifest.data.cloudformation import MAX_TEMPLATE_BYTES, SECTION_LIMITS
from exosphere_cdk.stacks.template_check import TemplateCheck

RULE = "exosphere-cloudformation-limits"
#: What a violation suggests: the stacks that grow with an app are the monitoring stack (a
#: dashboard row for each service) and ExoCom's (checked from the manifests).
FIX = "fewer services in the app"


class WithinLimits(TemplateCheck):
    """Fails the synthesis when a template is over one of CloudFormation's limits."""

    plugin_name = "exosphere-cdk-limits"
    rule = RULE

    def violations(self, templates: list[Path]) -> list[PolicyViolation]:
        return [
            self.violation(
                f"{stack_name(template)}: {problem}; CloudFormation refuses such a template"
                " when a deploy reaches its stack",
                FIX,
                [(template, section, section)],
            )
            for template in templates
            for section, problem in over_limits(template.read_bytes())
        ]


def stack_name(template: Path) -> str:
    """The stack of a template of the cloud assembly (`<stack>.template.json`)."""
    return template.name.removesuffix(".template.json")


def over_limits(text: bytes) -> Iterator[tuple[str, str]]:
    """(section, what is over) for each of CloudFormation's limits the template whose JSON is
    `text` is over: its size (section `Template`), then its sections' entries."""
    if len(text) > MAX_TEMPLATE_BYTES:
        yield (
            "Template",
            f"{len(text):,} bytes, over CloudFormation's limit of {MAX_TEMPLATE_BYTES:,}",
        )
    template = json.loads(text)
    for section, limit in SECTION_LIMITS.items():
        count = len(template.get(section) or {})
        if count > limit:
            yield section, f"{count} {section.lower()}, over CloudFormation's limit of {limit}"
