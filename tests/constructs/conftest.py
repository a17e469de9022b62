"""Fixtures for construct tests: a stack in an App carrying cdk.json's context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

StackFactory = Callable[[], cdk.Stack]


@pytest.fixture
def stack(cdk_context: dict[str, Any]) -> cdk.Stack:
    app = cdk.App(context=cdk_context)
    return cdk.Stack(app, "Test", env=cdk.Environment(region="us-east-1"))


@pytest.fixture
def vpc(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(stack, "Vpc", max_azs=2)
