"""`exo-cdk plan`'s line per stack: its figure against each of CloudFormation's limits."""

from __future__ import annotations

from exosphere_cdk.cli.plan import limits_text
from exosphere_cdk.manifest.data.cloudformation import MAX_MAPPINGS
from exosphere_cdk.ops.assembly import StackInfo


def test_a_stack_shows_resources_bytes_and_outputs() -> None:
    info = StackInfo("s", {"Resources": {"R": {"Type": "AWS::SNS::Topic"}}}, 1_500)
    text = limits_text(info)
    assert text.plain == "  1/500 resources · 1.5 kB/1 MB template · 0/200 outputs"
    assert {span.style for span in text.spans} == {"dim"}


def test_parameters_and_mappings_show_when_used_and_a_near_limit_is_red() -> None:
    mappings: dict[str, object] = {f"M{i}": {} for i in range(int(MAX_MAPPINGS * 0.9))}
    info = StackInfo("s", {"Resources": {}, "Parameters": {"P": {}}, "Mappings": mappings}, 900)
    text = limits_text(info)
    assert text.plain == (
        "  0/500 resources · 0.9 kB/1 MB template · 0/200 outputs · 1/200 parameters"
        " · 180/200 mappings"
    )
    red = [text.plain[span.start : span.end] for span in text.spans if span.style == "bold red"]
    assert red == ["180/200 mappings"]
