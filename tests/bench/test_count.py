"""The jsii request counter: it counts what is sent, to the right stack, the same every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii._runtime
import pytest
from aws_cdk import App, CfnWaitConditionHandle, Duration, Stack
from constructs import Construct

from bench.count import APP, SYNTH, StackRequests, count_app, counting
from bench.generate import generate_app
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.stacks.secrets import import_secret
from exosphere_cdk.synth import build, new_app
from tests.conftest import REPO


class Small(Stack):
    """A stack whose constructor adds one resource."""

    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        CfnWaitConditionHandle(self, "Inside")


def test_each_request_is_counted_once_to_the_stack_it_builds() -> None:
    with counting() as counter:
        counter.phase = APP
        app = App()
        counter.phase = None
        one = Small(app, "One")  # rule 1: inside its constructor
        two = Small(app, "Two")
        import_secret(one, "Secret", "shop/db")  # rule 2: our code, called with One
        CfnWaitConditionHandle(two, "After")  # rule 3: a create in Two
        Duration.minutes(1)  # rule 4: held, then counted with the next placed request
        assert one.stack_name == "One"
        CfnWaitConditionHandle(one, "Later")
        counter.phase = SYNTH
        app.synth()

    assert [(r.stack, r.target) for r in counter.records] == [
        (APP, "create App"),
        ("One", "create Stack"),
        ("One", "create CfnWaitConditionHandle"),
        ("Two", "create Stack"),
        ("Two", "create CfnWaitConditionHandle"),
        ("One", "static invoke aws_secretsmanager.Secret.fromSecretNameV2"),
        ("Two", "create CfnWaitConditionHandle"),
        ("One", "static invoke Duration.minutes"),
        ("One", "get Stack.stackName"),
        ("One", "create CfnWaitConditionHandle"),
        (SYNTH, "invoke App.synth"),
    ]
    kinds = [r.kind for r in counter.records]
    assert kinds.count("create") == 7 and kinds.count("static invoke") == 2
    assert counter.records[5].site == "exosphere_cdk/stacks/secrets.py:import_secret"


def test_the_kernel_gets_its_own_provider_back_even_after_an_error() -> None:
    kernel = jsii._runtime.kernel
    provider = kernel.provider

    with pytest.raises(RuntimeError, match="stop"), counting() as counter:
        assert kernel.provider is counter
        raise RuntimeError("stop")

    assert kernel.provider is provider
    Duration.minutes(1)  # outside the block: nothing is counted
    assert counter.records == []


def totals(stacks: dict[str, StackRequests]) -> dict[str, dict[str, int]]:
    return {name: dict(stack.requests) for name, stack in stacks.items()}


def templates(outdir: Path) -> dict[str, Any]:
    return {p.name: json.loads(p.read_text()) for p in sorted(outdir.glob("*.template.json"))}


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated apps of 1 and 2 services (the first public, the second private)."""
    root = tmp_path_factory.mktemp("apps")
    for n in (1, 2):
        generate_app(root / f"gen-{n}", n)
    return root


def test_counts_are_the_same_every_run_and_the_templates_as_without_counting(
    apps: Path, tmp_path: Path
) -> None:
    first = count_app(apps / "gen-1", tmp_path / "first")
    again = count_app(apps / "gen-1", tmp_path / "again")
    scope = new_app(outdir=tmp_path / "plain")
    build(scope, load_app(apps / "gen-1"))  # as count_app and app.py: the default packs
    scope.synth()

    assert totals(first) == totals(again)
    assert {n: s.targets for n, s in first.items()} == {n: s.targets for n, s in again.items()}
    plain = templates(tmp_path / "plain")
    assert len(plain) == 7  # network, zone, dns, platform, exocom, monitoring, one service
    assert templates(tmp_path / "first") == plain


def test_every_stack_is_counted_and_a_service_costs_only_its_own_stacks(
    apps: Path, tmp_path: Path
) -> None:
    one = count_app(apps / "gen-1", tmp_path / "one")
    two = count_app(apps / "gen-2", tmp_path / "two")

    kinds = {s.name: s.kind for s in two.values()}
    assert kinds == {
        "bench-network": "network",
        "bench-zone": "zone",
        "bench-dns": "dns",
        "bench-platform": "platform",
        "bench-exocom": "exocom",
        "bench-monitoring": "monitoring",
        next(n for n in kinds if n.endswith("-000")): "public service",
        next(n for n in kinds if n.endswith("-001")): "private service",
        APP: APP,
        SYNTH: SYNTH,
    }
    assert all(stack.total > 0 for stack in two.values())
    # The shared stacks cost the same whatever the number of services: what a service
    # reads from them (its cluster's capacity provider) counts to the service.
    shared = ("bench-network", "bench-zone", "bench-dns", "bench-platform", "bench-exocom")
    for name in (*shared, APP, SYNTH):
        assert totals(two)[name] == totals(one)[name], name
    # A service stack's own create is counted to it, what its constructor creates, and
    # the alarms the wiring adds to it afterwards.
    for stack in two.values():
        if stack.kind.endswith("service"):
            assert stack.targets["create Stack"] == 1
            assert stack.targets["create aws_ecs.Ec2TaskDefinition"] == 1
            assert stack.targets["create aws_ecs.Ec2Service"] == 1
            assert stack.targets["create aws_cloudwatch.CfnAlarm"] >= 3


def test_the_command_line_prints_the_in_process_counts(apps: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "constructs")]))
    env = {k: v for k, v in env.items() if not k.startswith("CDK_")}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "count.py"), str(apps / "gen-1"), "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )

    printed = {s["name"]: s for s in json.loads(done.stdout)}
    in_process = count_app(apps / "gen-1", tmp_path / "out")
    assert {n: StackRequests.from_json(s).requests for n, s in printed.items()} == {
        n: s.requests for n, s in in_process.items()
    }
