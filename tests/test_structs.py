"""Structs sent from their values (exosphere_cdk.structs): the message jsii itself sends."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import jsii
import jsii._kernel as jsii_kernel
import pytest
from aws_cdk import Duration, aws_ec2, aws_ecs, aws_iam

from exosphere_cdk import structs
from tests.conftest import REPO


def _cdk_modules() -> set[str]:
    """Every aws_cdk module the stacks and constructs import, at the top or where used."""
    modules = {"aws_cdk"}
    for source in [
        *(REPO / "exosphere_cdk" / "stacks").glob("*.py"),
        *(REPO / "constructs" / "exosphere_constructs").glob("*.py"),
    ]:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "aws_cdk":
                modules |= {f"aws_cdk.{a.name}" for a in node.names if a.name.startswith("aws_")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_cdk."):
                modules.add(".".join(node.module.split(".")[:2]))  # type: ignore[union-attr]
    return modules


#: The CDK modules the stacks build with, and the libraries whose structs they pass.
PACKAGES = sorted(_cdk_modules() | {"cdk_nag", "constructs"})


def _data_types(namespace: Any, seen: set[int]) -> Iterator[type]:
    for value in vars(namespace).values():
        if isinstance(value, type) and id(value) not in seen:
            seen.add(id(value))
            if "__jsii_struct_bases__" in value.__dict__:
                yield value
            yield from _data_types(value, seen)  # nested: CfnX.YProperty


def test_every_field_of_every_struct_reads_only_its_value() -> None:
    # What structs.reference relies on: each generated getter returns _values.get(name).
    seen: set[int] = set()
    checked = 0
    for package in PACKAGES:
        for cls in _data_types(importlib.import_module(package), seen):
            for python_name in cls.__dict__["__jsii_name_mapping__"]:
                getter = inspect.getattr_static(cls, python_name).fget
                code = getter.__code__
                assert {"_values", "get"} <= set(code.co_names), (cls, python_name)
                assert python_name in code.co_consts, (cls, python_name)
                assert code.co_varnames[: code.co_argcount] == ("self",)
                checked += 1
    assert len(PACKAGES) > 12
    assert checked > 5_000  # the check saw the CDK's structs, not none of them


def _container() -> aws_ecs.CfnTaskDefinition.ContainerDefinitionProperty:
    return aws_ecs.CfnTaskDefinition.ContainerDefinitionProperty(
        name="web",
        image="nginx",
        essential=True,
        memory_reservation=128,
        environment=[aws_ecs.CfnTaskDefinition.KeyValuePairProperty(name="A", value="1")],
        port_mappings=[{"containerPort": 80}],  # a map where a struct goes: sent as a map
        health_check=aws_ecs.CfnTaskDefinition.HealthCheckProperty(
            command=["CMD", "true"], interval=30
        ),
        docker_labels={"team": "web"},
    )


class _Subclassed(aws_iam.PolicyStatementProps):
    """A struct subclass of ours: not jsii's generated class, so sent as jsii sends it."""


@pytest.mark.parametrize(
    "value",
    [
        _container(),
        [_container(), {"nested": [_container()]}],
        aws_ec2.SubnetConfiguration(
            name="public", subnet_type=aws_ec2.SubnetType.PUBLIC, cidr_mask=24
        ),
        aws_ecs.HealthCheck(command=["CMD", "true"], interval=Duration.seconds(30)),
        _Subclassed(actions=["s3:GetObject"], resources=["*"]),
        {"plain": 1, "list": [None, "a", 2.5, True]},
        None,
        "text",
    ],
    ids=[
        "cfn struct",
        "in maps and lists",
        "enum field",
        "object field",
        "subclass",
        "data",
        "none",
        "str",
    ],
)
def test_the_message_is_jsiis_own(value: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    original = jsii_kernel._make_reference_for_native
    expected = original(jsii.kernel, value)
    monkeypatch.setattr(structs, "JSII_REFERENCE", [original])
    monkeypatch.setattr(jsii_kernel, "_make_reference_for_native", structs.reference)
    assert structs.reference(jsii.kernel, value) == expected


def test_install_replaces_jsiis_function_once(monkeypatch: pytest.MonkeyPatch) -> None:
    original = jsii_kernel._make_reference_for_native
    monkeypatch.setattr(structs, "JSII_REFERENCE", [None])
    monkeypatch.setattr(jsii_kernel, "_make_reference_for_native", original)
    assert structs.install() is True
    assert structs.install() is True  # again: jsii's own function is still the one kept
    assert jsii_kernel._make_reference_for_native is structs.reference
    assert [original] == structs.JSII_REFERENCE
