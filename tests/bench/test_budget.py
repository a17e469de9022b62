"""The jsii requests of a synthesis against issue 20's budgets: counted, never timed.

A request is one round trip to jsii's Node process (bench/count.py); the counts
do not depend on the machine, so a change that makes a stack cost more fails
here whatever the machine's load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.count import SERVICE_BUDGET, SHARED_BUDGET, SHARED_KINDS, StackRequests, count_app
from bench.generate import generate_app
from tests.conftest import MANIFESTS


def _profile(stack: StackRequests) -> str:
    top = ", ".join(f"{n} {what}" for what, n in stack.targets.most_common(8))
    return f"{stack.name} ({stack.kind}): {stack.total} requests; most: {top}"


@pytest.fixture(scope="module")
def hello(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackRequests]:
    return count_app(MANIFESTS / "hello", tmp_path_factory.mktemp("hello"))


def test_every_service_stack_of_the_example_is_within_its_budget(
    hello: dict[str, StackRequests],
) -> None:
    services = [s for s in hello.values() if s.kind in SERVICE_BUDGET]
    assert {s.kind for s in services} == set(SERVICE_BUDGET)
    for stack in services:
        assert stack.total <= SERVICE_BUDGET[stack.kind], _profile(stack)


def test_the_shared_stacks_together_take_half_what_they_took(
    hello: dict[str, StackRequests],
) -> None:
    shared = [s for s in hello.values() if s.kind in SHARED_KINDS]
    assert sorted(s.kind for s in shared) == sorted(SHARED_KINDS)
    total = sum(s.total for s in shared)
    assert total <= SHARED_BUDGET, "; ".join(_profile(s) for s in shared)


def test_a_service_more_costs_the_monitoring_stack_nothing(tmp_path: Path) -> None:
    for n in (1, 2):
        generate_app(tmp_path / f"gen-{n}", n)
    one = count_app(tmp_path / "gen-1", tmp_path / "one")
    two = count_app(tmp_path / "gen-2", tmp_path / "two")

    # The dashboard is built from data: a row more is no request more.
    assert two["bench-monitoring"].requests == one["bench-monitoring"].requests
    assert two["bench-monitoring"].total <= 10
