"""At scale: a 150-service app keeps every stack well inside CloudFormation's limits.

It fails when a change makes the stack layout stop scaling (say, every service's
resources in one stack). About 10 s on 2 cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bench.generate import generate_app
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.assembly import LIMIT_WARN, synthesize_into

SERVICES = 150
#: ECS's limit on a task definition; ExoCom's holds every service's routes (SERVICE_ROUTES).
MAX_TASK_DEFINITION_BYTES = 65_536


@pytest.mark.slow
def test_150_services_keep_every_stack_under_80_percent_of_every_limit(tmp_path: Path) -> None:
    generate_app(tmp_path / "app", SERVICES)
    app = load_app(tmp_path / "app")
    started = time.perf_counter()

    stacks = synthesize_into(app, tmp_path / "cdk.out", compliance=False)

    seconds = time.perf_counter() - started
    assert len(stacks) > SERVICES  # every service was synthesized, in some stack
    over = [warning for stack in stacks.values() for warning in stack.limit_warnings()]
    over += [
        f"{stack.name}: a task definition of {size} bytes"
        for stack in stacks.values()
        for task in stack.of_type("AWS::ECS::TaskDefinition")
        if (size := len(json.dumps(task.get("ContainerDefinitions", []), separators=(",", ":"))))
        >= LIMIT_WARN * MAX_TASK_DEFINITION_BYTES
    ]
    assert over == [], f"synthesized in {seconds:.1f} s"
