"""logical_id: CDK's logical IDs computed in Python, held to CDK's own for many paths.

A CDK release that changes how it names resources fails here, before a
resource made at its stack's top level (alarms, alias records) is renamed and
so replaced.
"""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest
from constructs import Construct

from exosphere_constructs.known import place
from exosphere_constructs.logical_id import top_level, unique_id

#: Paths below a stack: CDK's special components (`Default`, `Resource`), repeats and
#: suffixes, characters that are not letters or digits, non-ASCII ones, and lengths
#: past the human part's 240 characters and the 255 of an ID kept as it is.
PATHS: list[tuple[str, ...]] = [
    ("Resource",),
    ("Alarms", "RunningTasks", "Resource"),
    ("Alarms", "Http5xx", "Resource"),
    ("PublicClusterAlarms", "UnplacedTasks", "Resource"),
    ("Default", "Alias", "Resource"),
    ("Default", "Service", "TargetGroup", "Resource"),
    ("Default", "Lone"),
    ("Outer", "Default", "Inner"),
    ("Service", "Service"),
    ("Service", "Service", "Resource"),
    ("FooBar", "Bar", "Baz"),
    ("Bar", "FooBar"),
    ("A", "Resource", "B"),
    ("a-b_c.d", "x y!", "Resource"),
    ("5xx", "Resource"),
    ("Ünïcödé", "名前", "Resource"),
    ("hello-web",),
    ("One", "Two", "Three", "Four", "Five", "Six", "Resource"),
    ("X" * 255,),
    ("Y" * 256,),
    ("Z" * 300,),
    ("A" * 200, "B" * 100),
    ("Long" * 70, "Resource"),
]


def _made_at(stack: cdk.Stack, path: tuple[str, ...]) -> cdk.CfnResource:
    scope: Construct = stack
    for component in path[:-1]:
        scope = scope.node.try_find_child(component) or Construct(scope, component)  # type: ignore[assignment]
    return cdk.CfnWaitConditionHandle(scope, path[-1])


@pytest.fixture(scope="module")
def cdk_ids(cdk_context: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """The logical ID CDK gives a resource at each of PATHS, all in one stack."""
    stack = cdk.Stack(cdk.App(context=cdk_context), "Test")
    return {path: stack.get_logical_id(_made_at(stack, path)) for path in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(c[:12] for c in p))
def test_unique_id_is_cdks_logical_id(
    cdk_ids: dict[tuple[str, ...], str], path: tuple[str, ...]
) -> None:
    assert unique_id(path) == cdk_ids[path]


def test_known_ids_of_deployed_resources() -> None:
    # As the snapshots hold them: renaming these would replace deployed alarms and records.
    assert unique_id(["Alarms", "RunningTasks", "Resource"]).startswith("AlarmsRunningTasks")
    assert unique_id(["Default", "Alias", "Resource"]) == unique_id(["Alias", "Resource"])
    assert len(unique_id(["Z" * 300])) == 248


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ((), "a logical ID needs a path of at least one component but Default"),
        (("Default",), "a logical ID needs a path of at least one component but Default"),
        (
            ("A", "${Token[TOKEN.12]}"),
            "a logical ID's path may not hold a token: A/${Token[TOKEN.12]}",
        ),
    ],
)
def test_a_path_cdk_would_refuse_is_refused(path: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        unique_id(path)


def test_top_level_gives_the_id_of_the_path_below_any_scope(cdk_context: dict[str, Any]) -> None:
    stack = cdk.Stack(cdk.App(context=cdk_context), "Test")
    placed = Construct(stack, "Placed")
    place(placed, stack, "Placed")
    unplaced = Construct(Construct(stack, "Outer"), "Inner")  # its path read from JavaScript
    for scope, path in ((stack, ()), (placed, ("Placed",)), (unplaced, ("Outer", "Inner"))):
        where, construct_id = top_level(scope, "Alarm", "Resource")
        made = cdk.CfnWaitConditionHandle(where, construct_id)
        nested = _made_at(stack, (*path, "Alarm", "Resource")) if path else None
        expected = unique_id([*path, "Alarm", "Resource"])
        assert where is stack
        assert stack.get_logical_id(made) == expected
        if nested is not None:
            assert stack.get_logical_id(nested) == expected
