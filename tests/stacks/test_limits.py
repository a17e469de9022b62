"""The synthesis fails on a template over one of CloudFormation's limits, naming its stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import CfnOutput

from exosphere_cdk.manifest.data.cloudformation import (
    MAX_MAPPINGS,
    MAX_OUTPUTS,
    MAX_PARAMETERS,
    MAX_RESOURCES,
    MAX_TEMPLATE_BYTES,
)
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.stacks import add_compliance_checks, build_stacks
from exosphere_cdk.stacks.limits import RULE, over_limits, stack_name
from exosphere_cdk.synth import new_app
from tests.conftest import EXAMPLES
from tests.synth import violations


def _template(**sections: int) -> dict[str, object]:
    return {name: {f"E{i}": {} for i in range(count)} for name, count in sections.items()}


def _padded(template: dict[str, object], size: int) -> bytes:
    """`template`'s JSON, `size` bytes long (a description holds the padding)."""
    text = json.dumps({**template, "Description": ""})
    return json.dumps({**template, "Description": "x" * (size - len(text))}).encode()


@pytest.mark.parametrize(
    ("section", "limit"),
    [
        ("Resources", MAX_RESOURCES),
        ("Outputs", MAX_OUTPUTS),
        ("Parameters", MAX_PARAMETERS),
        ("Mappings", MAX_MAPPINGS),
    ],
)
def test_a_section_is_over_its_limit_only_past_it(section: str, limit: int) -> None:
    at_limit = json.dumps(_template(**{section: limit})).encode()
    over = json.dumps(_template(**{section: limit + 1})).encode()

    assert list(over_limits(at_limit)) == []
    assert list(over_limits(over)) == [
        (section, f"{limit + 1} {section.lower()}, over CloudFormation's limit of {limit}")
    ]


def test_a_template_is_over_the_size_limit_only_past_it() -> None:
    template = _template(Resources=3)

    assert len(_padded(template, MAX_TEMPLATE_BYTES)) == MAX_TEMPLATE_BYTES
    assert list(over_limits(_padded(template, MAX_TEMPLATE_BYTES))) == []
    assert list(over_limits(_padded(template, MAX_TEMPLATE_BYTES + 1))) == [
        ("Template", "1,000,001 bytes, over CloudFormation's limit of 1,000,000")
    ]


def test_every_limit_a_template_is_over_is_named() -> None:
    template = _padded(_template(Resources=MAX_RESOURCES + 2, Outputs=MAX_OUTPUTS + 1), 1_200_000)

    assert [section for section, _ in over_limits(template)] == [
        "Template",
        "Resources",
        "Outputs",
    ]


def test_the_stack_is_named_by_its_template() -> None:
    assert stack_name(Path("cdk.out/hello-monitoring.template.json")) == "hello-monitoring"


def test_a_stack_over_a_limit_fails_the_synthesis_and_is_named(tmp_path: Path) -> None:
    scope = new_app(outdir=tmp_path)
    monitoring = build_stacks(scope, load_app(EXAMPLES["hello"])).monitoring
    assert monitoring is not None
    # The monitoring stack, as it grows with an app's services: past the outputs' limit.
    for i in range(MAX_OUTPUTS + 1):
        CfnOutput(monitoring, f"Extra{i}", value="x")
    add_compliance_checks(scope)

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        scope.synth()

    template = json.loads((tmp_path / "hello-monitoring.template.json").read_text())
    outputs = len(template["Outputs"])
    assert outputs > MAX_OUTPUTS
    ours = violations(tmp_path, RULE)
    assert [v["description"] for v in ours] == [
        f"hello-monitoring: {outputs} outputs, over CloudFormation's limit of {MAX_OUTPUTS};"
        " CloudFormation refuses such a template when a deploy reaches its stack"
    ]
    assert [
        c["cloudFormationResource"]["templatePath"] for c in ours[0]["violatingConstructs"]
    ] == ["hello-monitoring.template.json"]


def test_the_examples_are_within_every_limit(tmp_path: Path) -> None:
    scope = new_app(outdir=tmp_path)
    build_stacks(scope, load_app(EXAMPLES["hello"]))
    add_compliance_checks(scope)

    scope.synth()  # raises on a violation of any plugin

    templates = list(tmp_path.glob("*.template.json"))
    assert len(templates) == 8
    assert [p for p in templates if list(over_limits(p.read_bytes()))] == []
