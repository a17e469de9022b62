"""The benchmark: the floor validates exactly when our app does; the request tables add up."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.count import StackRequests
from bench.run import (
    FLOOR_APP,
    MODES,
    NO_NAG,
    NO_NAG_APP,
    PATHS,
    REPO,
    Bench,
    Job,
    Report,
    Subject,
    limits,
    requests,
    targets,
)
from exosphere_cdk.manifest.data.cloudformation import SECTION_LIMITS
from exosphere_cdk.ops.assembly import StackInfo
from exosphere_cdk.synth import builtin_validation


@pytest.mark.parametrize("value", [None, "true", "false"])
def test_the_floor_validates_exactly_when_our_app_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    if value is not None:
        env["CDK_VALIDATION"] = value
        monkeypatch.setenv("CDK_VALIDATION", value)
    else:
        monkeypatch.delenv("CDK_VALIDATION", raising=False)
    (tmp_path / "floor.py").write_text(FLOOR_APP)
    env["CDK_OUTDIR"] = str(tmp_path / "out")

    subprocess.run([sys.executable, str(tmp_path / "floor.py")], env=env, check=True, timeout=120)

    # aws-cdk-lib writes the report only when some validation ran; the floor has no cdk-nag.
    assert (tmp_path / "out" / "validation-report.json").is_file() == builtin_validation()


def test_each_mode_gives_the_floor_and_our_app_the_same_environment(tmp_path: Path) -> None:
    bench = Bench(tmp_path, REPO, 0.025)
    floor, app = Subject("floor", script=FLOOR_APP), Subject("gen-1", tmp_path / "app", services=1)

    for path in PATHS:
        for mode in MODES:
            (floor_cmd, floor_env), (app_cmd, app_env) = (
                bench.command(Job(subject, path, mode, runs=1), tmp_path / "out")
                for subject in (floor, app)
            )
            expected = "true" if mode == "validation" else None
            assert floor_env.get("CDK_VALIDATION") == app_env.get("CDK_VALIDATION") == expected
            if path == "cli":  # the same command but for which app
                assert "--no-validation" not in floor_cmd + app_cmd
                assert floor_cmd[:7] == app_cmd[:7]


def a_report(
    subjects: list[Subject],
    *,
    stacks: dict[str, list[StackInfo]] | None = None,
    counts: dict[str, list[StackRequests]] | None = None,
) -> Report:
    """A report of `subjects` with no timed job: their stacks and request counts as given."""
    return Report(
        argv=["bench/run.py"],
        machine={},
        started=datetime.now(UTC),
        elapsed=0,
        loads=(0, 0),
        jobs={},
        subjects=subjects,
        stacks=stacks or {},
        counts=counts or {},
    )


def test_the_report_gives_the_requests_per_stack_kind_and_per_service(tmp_path: Path) -> None:
    def stack(name: str, kind: str, **requests: int) -> StackRequests:
        return StackRequests(name, kind, Counter(requests), Counter({f"create {name}": 1}))

    shared = [stack("b-network", "network", create=10), stack("(app)", "(app)", invoke=2)]
    report = a_report(
        [Subject(f"gen-{n}", tmp_path / str(n), services=n) for n in (1, 3)],
        counts={
            "gen-1": [*shared, stack("b-a", "public service", create=30, get=10)],
            "gen-3": [
                *shared,
                stack("b-a", "public service", create=30, get=10),
                stack("b-b", "private service", create=20, get=2),
                stack("b-c", "private service", create=20, get=4),
            ],
        },
    )

    text = " ".join(" ".join(requests(report)).split())  # tabulate's padding, collapsed

    assert "| gen-1 | 52 | 10 |" in text  # the total, then the network stack's
    assert "| 40 | 22 [22-24] x2 | 2 |" in text  # a service stack kind: median [min-max] xN
    assert "| gen-1 → gen-3 | 23.0 | 20.0 | 0.0 | 3.0 |" in text  # per service: total, by kind
    assert "#### b-b (private service): 22" in text  # the profile of the median stack


def test_the_limits_table_shows_every_limit_the_synthesis_checks(tmp_path: Path) -> None:
    mappings = {f"M{i}": {"k": {"v": "x"}} for i in range(170)}  # 85% of the 200
    stacks = [
        StackInfo("b-one", {"Resources": {"R": {"Type": "AWS::SNS::Topic"}}}, 600),
        StackInfo("b-two", {"Resources": {}, "Mappings": mappings}, 9_000),
    ]
    report = a_report([Subject("b", tmp_path / "b")], stacks={"b": stacks})

    text = " ".join(" ".join(limits(report)).split())  # tabulate's padding, collapsed
    checked = " ".join(" ".join(targets(report)).split())

    assert (
        "| app | stacks | max resources | max template bytes | max outputs | max parameters"
        " | max mappings |" in text
    )
    assert all(f"max {section.lower()}" in text for section in SECTION_LIMITS)
    assert "| b | 2 | 1 (0.2%, b-one) | 9000 (0.9%, b-two) | 0 (0.0%, b-two) |" in text
    assert "| 170 (85.0%, b-two) |" in text  # mappings: the last of the limits
    assert "mappings (200)" in text
    assert "max 85.0% (mappings, b-two) | **NO** |" in checked


def test_without_nag_the_example_has_app_pys_templates_and_no_cdk_nag(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    (tmp_path / "no_nag.py").write_text(NO_NAG_APP)
    runs = {}
    for name, script in (("app", str(REPO / "app.py")), ("no-nag", str(tmp_path / "no_nag.py"))):
        env["CDK_OUTDIR"] = str(tmp_path / name)
        runs[name] = subprocess.run(
            [sys.executable, "-X", "importtime", script],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )

    def templates(name: str) -> dict[str, str]:
        return {p.name: p.read_text() for p in (tmp_path / name).glob("*.template.json")}

    assert len(templates("app")) == 8
    assert templates("no-nag") == templates("app")
    assert "cdk_nag" in runs["app"].stderr  # imported: -X importtime names it
    assert "cdk_nag" not in runs["no-nag"].stderr
    # cdk-nag's pack is the only validation of a default synthesis: its report, or none.
    assert (tmp_path / "app" / "validation-report.json").is_file()
    assert not (tmp_path / "no-nag" / "validation-report.json").exists()


def test_without_nag_is_run_by_both_paths_as_the_floor_is(tmp_path: Path) -> None:
    bench = Bench(tmp_path, REPO, 0.025)
    subject = Subject(NO_NAG, script=NO_NAG_APP)

    inproc, _ = bench.command(Job(subject, "inproc", "default", runs=1), tmp_path / "out")
    cli, _ = bench.command(Job(subject, "cli", "default", runs=1), tmp_path / "out")

    script = tmp_path / "no_nag_app.py"
    assert script.read_text() == NO_NAG_APP
    assert inproc[-1] == str(script)
    assert cli[cli.index("--app") + 1].endswith(f" {script}")
    assert "-c" not in cli  # the bundled example, as app.py's default
    assert not subject.floor
