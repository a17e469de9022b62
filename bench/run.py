"""Synthesis benchmark (issue 5): wall time, memory and CloudFormation limits, 1 to 200 services.

    .venv/bin/python bench/run.py                    # the full run: several minutes
    .venv/bin/python bench/run.py --sizes 1,10 --runs 1 --validation-runs 0   # a quick look

Generates apps of N services (bench/generate.py) in a temporary folder and
synthesizes each one in a fresh process, `--runs` times, through both paths:

- in-process: `python app.py` with `CDK_OUTDIR` and `CDK_CONTEXT_JSON` set the
  way the CLI sets them (cdk.json's context, the keys the CLI adds, `app`);
- CLI: `npx --no-install cdk synth -q [-c app=DIR] -o OUT`.

The floor is a tiny app (one stack, synth) run through the same paths, with
the same commands and environment. It creates its `cdk.App` the way
`exosphere_cdk/synth.py` does, `builtin_cloud_formation_validation` true only
with `CDK_VALIDATION=true`, so that CDK's built-in validation runs in the floor
exactly when it runs in our app. Its stack holds one no-op
`AWS::CloudFormation::WaitConditionHandle`, because the built-in validation
rejects a stack without resources (F0001) and the floor must not take the
error path. Runs are interleaved (round r
synthesizes every subject once) so that a busy neighbour slows every subject
alike; medians are quoted, minimums shown. The CPU time of the whole process
tree (os.wait4's rusage) is reported next to the wall time: other work on the
machine moves it far less.

Memory: a thread samples the process tree (npx, the CLI, Python, jsii's two
Node processes) every `--sample-ms` from /proc/PID/statm and keeps the peak of
two sums: RSS (shared pages, e.g. the node binary mapped by four processes,
counted once per process: an upper bound) and private memory (RSS minus
file-backed and shared pages: the heaps, what grows with the app; a lower
bound). PSS (shared pages split between the processes mapping them) sits in
between and is the honest "together" figure, but reading
/proc/PID/smaps_rollup costs 10-50 ms per large Node process here, so sampling
it steals a good part of one of the two cores from the run being timed;
statm costs 0.02 ms. So PSS is measured in one extra, untimed run per app and
path (sampled every 0.1 s), and the 1 GB target is judged on it. A cgroup's
memory.peak would be exact for the tree without sampling, but also counts the
page cache (node_modules read, cdk.out written) and needs a delegated cgroup.

Two modes, the floor and our app alike:

- `default`: what users get, no `CDK_VALIDATION` in the environment: CDK's
  built-in CloudFormation validation off (cdk-nag runs in our app either way);
  every app, both paths;
- `validation`: the opt-in, `CDK_VALIDATION=true` (the CLI reads it as
  `--validation`, and passes it on to the app): the built-in validation on,
  with cdk.json's `@aws-cdk/core:validateAgainstDefaultRules` (true: its
  findings are errors); through the CLI only, for the floor, hello and
  `--validation-sizes`, to quote its cost.

(`cdk synth --no-validation`, i.e. `CDK_VALIDATION=false`, would switch it off
in the floor too: aws-cdk-lib validates only when the App's flag is true and
`CDK_VALIDATION` is not `false`; the flag is used so that both apps take the
same path. Setting the context flag to false, which the first version of this
benchmark also timed, only makes the findings warnings: no faster.)

Writes `bench/results.md` and `bench/results.png` (or `--out DIR`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/run.py` puts bench/, not the repository, first
    sys.path.insert(0, str(REPO))

from bench.generate import generate_app  # noqa: E402
from exosphere_cdk.manifest.checks import ROUTES_MAX_BYTES, ROUTES_WARN_BYTES  # noqa: E402
from exosphere_cdk.synth import cdk_json_context  # noqa: E402

Via = Literal["inproc", "cli"]
Mode = Literal["default", "validation"]
#: wall: median wall time; cpu: median CPU time of the process tree.
Metric = Literal["wall", "cpu"]
PATHS: tuple[Via, ...] = ("inproc", "cli")
MODES: tuple[Mode, ...] = ("default", "validation")
MODE_NAMES: dict[Mode, str] = {"default": "off (default)", "validation": "on (CDK_VALIDATION=true)"}

#: CloudFormation's per-template limits: (what, limit).
LIMITS: tuple[tuple[str, int], ...] = (
    ("resources", 500),
    # a template body read from S3 (CDK uploads every template via the bootstrap bucket)
    ("template bytes", 1_000_000),
    ("outputs", 200),
    ("parameters", 200),
)
#: A template body passed inline (not via S3) may not exceed this; CDK never does that.
DIRECT_UPLOAD_BYTES = 51_200
#: ECS: a task definition (its JSON) may not exceed 64 KiB; ExoCom's holds SERVICE_ROUTES.
TASK_DEFINITION_BYTES = 65_536
TARGET_PERCENT = 80
#: Sampling interval of the memory-only runs (reading PSS is itself slow).
PSS_INTERVAL = 0.1

#: The keys `cdk synth` adds to cdk.json's context (CLI 2.1148; see CDK_CONTEXT_JSON).
CLI_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:disable-version-reporting": True,  # cdk.json: "versionReporting": false
    "aws:cdk:bundling-stacks": ["**"],
    "@aws-cdk/core:failSynthOnValidationErrors": False,  # the CLI reports validation itself
}

FLOOR_APP = '''"""The floor: an App, one stack, synth; one no-op resource keeps validation quiet."""
import os

import aws_cdk as cdk

# As exosphere_cdk/synth.py: CDK's built-in validation only with CDK_VALIDATION=true.
app = cdk.App(
    builtin_cloud_formation_validation=os.environ.get("CDK_VALIDATION", "").lower() == "true"
)
stack = cdk.Stack(app, "Floor")
cdk.CfnWaitConditionHandle(stack, "Nothing")
app.synth()
'''


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Sample:
    """One synthesis in a fresh process tree."""

    seconds: float
    #: CPU time (user + system) of the whole process tree: far less disturbed than the
    #: wall time by other work on the machine, and close to it on an idle one (Python
    #: and Node take turns: jsii calls are synchronous).
    cpu_seconds: float
    #: Peak of the sum over the process tree, in bytes: RSS, and RSS without shared pages.
    peak_rss: int
    peak_private: int
    #: The machine's 1-minute load average when the run ended.
    load: float
    #: Peak of the sum of PSS, in the untimed memory run only (see `measure`).
    peak_pss: int | None = None


class _TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float, pss: bool) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.pss = pss
        self.stopped = threading.Event()
        self.peak_rss = 0
        self.peak_private = 0
        self.peak_pss = 0

    def run(self) -> None:
        while True:
            self._sample()
            if self.stopped.wait(self.interval):
                return

    def _sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = private = pss = 0
        for proc in procs:
            try:
                mem = proc.memory_info()  # /proc/PID/statm: cheap
                if self.pss:
                    pss += proc.memory_full_info().pss  # smaps: 10-50 ms a large process
            except psutil.Error:
                continue
            rss += mem.rss
            private += mem.rss - mem.shared
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_private = max(self.peak_private, private)
        self.peak_pss = max(self.peak_pss, pss)


def measure(
    cmd: Sequence[str], env: dict[str, str], log: Path, interval: float, pss: bool = False
) -> Sample:
    """Run `cmd` in the repository, wait for it, and return its times and peak memory.

    With `pss`, the sampler also sums PSS, which is slow to read: such a run is
    for memory only, its times are not used.
    """
    with log.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        sampler = _TreeSampler(proc.pid, interval, pss)
        sampler.start()
        # wait4: the rusage of the child includes every descendant it waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        code = proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stopped.set()
        sampler.join()
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} exited with {code}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    load = os.getloadavg()[0]
    peak_pss = sampler.peak_pss if pss else None
    return Sample(seconds, cpu, sampler.peak_rss, sampler.peak_private, load, peak_pss)


# ---------------------------------------------------------------- what is measured


@dataclass(frozen=True)
class Subject:
    """An app to synthesize: the floor, an example of manifests/, or a generated app."""

    name: str
    #: The app folder; None for the floor and for the default example (no `-c app`).
    app_dir: Path | None = None
    services: int | None = None
    floor: bool = False


@dataclass
class Job:
    subject: Subject
    path: Via
    mode: Mode
    runs: int
    samples: list[Sample] = field(default_factory=list)
    #: Runs that failed (their error), left out of the figures.
    failures: list[str] = field(default_factory=list)
    #: Peak PSS of the tree, from one extra untimed run (None: not measured).
    peak_pss: int | None = None

    @property
    def key(self) -> tuple[str, Via, Mode]:
        return (self.subject.name, self.path, self.mode)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def fastest(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)

    def value(self, metric: Metric) -> float:
        return self.median if metric == "wall" else self.cpu

    @property
    def peak_rss(self) -> int:
        return max(s.peak_rss for s in self.samples)

    @property
    def peak_private(self) -> int:
        return max(s.peak_private for s in self.samples)


class Bench:
    """Builds the commands of every job and runs them."""

    def __init__(self, work: Path, python: str, interval: float) -> None:
        self.work = work
        self.python = python
        self.interval = interval
        self.floor_file = work / "floor_app.py"
        self.floor_file.write_text(FLOOR_APP)
        self.context: dict[str, Any] = {
            **cdk_json_context(),
            **CLI_CONTEXT,
        }
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
        # As `npx cdk`: the pinned Node first on PATH, for the CLI, jsii and the floor app.
        self.env["PATH"] = f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{self.env['PATH']}"
        self._outdirs = 0

    def command(self, job: Job, out: Path) -> tuple[list[str], dict[str, str]]:
        subject, env = job.subject, dict(self.env)
        if job.mode == "validation":
            env["CDK_VALIDATION"] = "true"
        if job.path == "inproc":
            context = dict(self.context)
            if subject.app_dir is not None:
                context["app"] = str(subject.app_dir)
            env["CDK_OUTDIR"] = str(out)
            env["CDK_CONTEXT_JSON"] = json.dumps(context)
            script = str(self.floor_file) if subject.floor else "app.py"
            return [self.python, script], env
        cmd = ["npx", "--no-install", "cdk", "synth", "-q", "-o", str(out)]
        if subject.floor:
            cmd += ["--app", f"{self.python} {self.floor_file}"]
        if subject.app_dir is not None:
            cmd += ["-c", f"app={subject.app_dir}"]
        return cmd, env

    def run(self, job: Job, keep: bool, pss: bool = False) -> Path | None:
        """One synthesis of `job`; returns its cloud assembly folder when `keep`.

        With `pss`, an untimed run that measures the tree's PSS into `job.peak_pss`.
        """
        self._outdirs += 1
        out = self.work / "out" / f"{self._outdirs:04d}-{job.subject.name}-{job.path}-{job.mode}"
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd, env = self.command(job, out)
        interval = PSS_INTERVAL if pss else self.interval
        sample = measure(cmd, env, out.with_suffix(".log"), interval, pss)
        if not (out / "manifest.json").is_file():
            raise RuntimeError(f"{' '.join(cmd)} wrote no cloud assembly to {out}")
        if pss:
            job.peak_pss = sample.peak_pss
        else:
            job.samples.append(sample)
        if keep:
            return out
        shutil.rmtree(out)
        return None


# ---------------------------------------------------------------- stacks against the limits


@dataclass(frozen=True)
class StackStats:
    name: str
    resources: int
    template_bytes: int
    outputs: int
    parameters: int
    #: The largest task definition's container definitions, as JSON (intrinsics unresolved).
    task_definition_bytes: int
    resource_types: dict[str, int]

    def values(self) -> tuple[int, ...]:
        return (self.resources, self.template_bytes, self.outputs, self.parameters)

    def percents(self) -> list[float]:
        return [100 * v / limit for v, (_, limit) in zip(self.values(), LIMITS, strict=True)]


def stack_stats(assembly: Path) -> list[StackStats]:
    """Every stack of a cloud assembly, measured as CloudFormation will see it."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    stats: list[StackStats] = []
    for name, artifact in sorted(manifest["artifacts"].items()):
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        file = assembly / artifact["properties"]["templateFile"]
        template = json.loads(file.read_text())
        resources: dict[str, Any] = template.get("Resources", {})
        types: dict[str, int] = {}
        task_bytes = 0
        for resource in resources.values():
            types[resource["Type"]] = types.get(resource["Type"], 0) + 1
            if resource["Type"] == "AWS::ECS::TaskDefinition":
                containers = resource.get("Properties", {}).get("ContainerDefinitions", [])
                size = len(json.dumps(containers, separators=(",", ":")))
                task_bytes = max(task_bytes, size)
        stats.append(
            StackStats(
                name=name,
                resources=len(resources),
                template_bytes=file.stat().st_size,
                outputs=len(template.get("Outputs", {})),
                parameters=len(template.get("Parameters", {})),
                task_definition_bytes=task_bytes,
                resource_types=types,
            )
        )
    return stats


# ---------------------------------------------------------------- analysis


def least_squares(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line through `points` (at least two x values)."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    x_mean, y_mean = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - x_mean) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("need at least two different x values")
    slope = sum((x - x_mean) * (y - y_mean) for x, y in points) / sxx
    return slope, y_mean - slope * x_mean


def _cmd_output(cmd: Sequence[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "?"


def machine(env: dict[str, str]) -> dict[str, str]:
    cpu = platform.processor() or "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": _cmd_output(["nproc"], env),
        "CPU": cpu,
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Node": _cmd_output(["node", "--version"], env),
        "CDK CLI": _cmd_output(["npx", "--no-install", "cdk", "--version"], env),
        "aws-cdk-lib": metadata.version("aws-cdk-lib"),
        "jsii": metadata.version("jsii"),
        "cdk-nag": metadata.version("cdk-nag"),
        "code measured": _code_version(env),
    }


def _code_version(env: dict[str, str]) -> str:
    described = _cmd_output(["git", "describe", "--always", "--dirty"], env)
    if described.endswith("-dirty"):
        return f"{described} (with the working tree's uncommitted changes)"
    return f"{described} (no uncommitted changes to tracked files)"


def _mb(value: int) -> str:
    return f"{value / 2**20:.0f} MB"


def _wall(job: Job) -> str:
    return f"{_s(job.median)} ({_s(job.fastest)})"


def _times(job: Job, base: Job) -> str:
    return f"{job.median / base.median:.2f}; {job.cpu / base.cpu:.2f}"


def _mem(job: Job) -> str:
    """Peak memory of the tree: RSS sum / PSS / private (PSS only when measured)."""
    pss = _mb(job.peak_pss) if job.peak_pss else "-"
    return f"{_mb(job.peak_rss)} / {pss} / {_mb(job.peak_private)}"


def _s(value: float) -> str:
    return f"{value:.2f} s"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _ok(passed: bool) -> str:
    return "yes" if passed else "**NO**"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


@dataclass
class Report:
    args: argparse.Namespace
    machine: dict[str, str]
    started: datetime
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    jobs: dict[tuple[str, Via, Mode], Job]
    subjects: list[Subject]
    stacks: dict[str, list[StackStats]]
    elapsed: float

    def job(self, name: str, path: Via, mode: Mode = "default") -> Job | None:
        job = self.jobs.get((name, path, mode))
        return job if job is not None and job.samples else None

    def generated(self) -> list[Subject]:
        return [s for s in self.subjects if s.services is not None]

    def fit(
        self, path: Via, mode: Mode = "default", metric: Metric = "wall"
    ) -> tuple[float, float] | None:
        """(seconds per service, intercept) of the generated apps, least squares."""
        points = []
        for s in self.generated():
            job = self.job(s.name, path, mode)
            if job is not None and s.services is not None:
                points.append((float(s.services), job.value(metric)))
        if len({x for x, _ in points}) < 2:
            return None
        return least_squares(points)

    def ratio(
        self, big: int, small: int, path: Via, mode: Mode = "default", metric: Metric = "wall"
    ) -> float | None:
        a, b = self.job(f"gen-{big}", path, mode), self.job(f"gen-{small}", path, mode)
        return a.value(metric) / b.value(metric) if a and b else None


def render(report: Report) -> str:
    lines: list[str] = []
    args = report.args
    lines += [
        "# Synthesis benchmark",
        "",
        f"Written by `bench/run.py` on {report.started:%Y-%m-%d %H:%M} UTC "
        f"({report.elapsed / 60:.1f} min): `{' '.join(args.argv)}`.",
        f"{args.runs} runs per app and path ({args.validation_runs} with `CDK_VALIDATION=true`), "
        "medians quoted (min in brackets); each run is a "
        "fresh process tree with a fresh output folder, rounds interleaved. See the docstring "
        "of `bench/run.py` for the method; `bench/generate.py` writes the apps (seed 0).",
        "",
        "## Machine",
        "",
    ]
    load = (
        f"{report.load_before[0]:.2f} at the start, {report.load_after[0]:.2f} at the end "
        "(1-minute load average: other work on the machine slows the runs)"
    )
    lines += _table(["", ""], [*report.machine.items(), ("load", load)])

    # ---- floor
    lines += ["## Floor", ""]
    lines += [
        "An app with one stack holding one no-op resource, its `cdk.App` created as our app "
        "creates it, synthesized the same ways: the cost of starting Python, Node and jsii "
        "(and of CDK's built-in validation, when on).",
        "",
    ]
    rows: list[list[object]] = []
    for path in PATHS:
        for mode in MODES:
            job = report.job("floor", path, mode)
            if job is not None:
                rows.append([path, MODE_NAMES[mode], _wall(job), _s(job.cpu), _mem(job)])
    lines += _table(
        [
            "path",
            "built-in validation",
            "wall time",
            "CPU time",
            "peak memory: RSS / PSS / private",
        ],
        rows,
    )

    # ---- main tables
    lines += [
        "## Results (the default: built-in validation off, cdk-nag on)",
        "",
        "Wall time: median (min). CPU time: median user + system time of the process tree. "
        "`x floor`: against the floor synthesized the same way (wall; CPU).",
        "",
    ]
    for path in PATHS:
        floor = report.job("floor", path)
        if floor is None:
            continue
        title = (
            "CLI: `npx --no-install cdk synth -q`"
            if path == "cli"
            else ("In-process: `python app.py`")
        )
        lines += [f"### {title}", ""]
        rows = []
        for subject in report.subjects:
            job = report.job(subject.name, path)
            if job is None:
                continue
            stacks = report.stacks.get(subject.name, [])
            rows.append(
                [
                    subject.name,
                    subject.services if subject.services is not None else "",
                    len(stacks) if stacks else "",
                    sum(s.resources for s in stacks) if stacks else "",
                    _wall(job),
                    _s(job.cpu),
                    _times(job, floor),
                    _mem(job),
                ]
            )
        lines += _table(
            [
                "app",
                "services",
                "stacks",
                "resources",
                "wall time",
                "CPU time",
                "x floor",
                "peak memory: RSS / PSS / private",
            ],
            rows,
        )

    # ---- scaling
    lines += ["## Scaling", ""]
    rows = []
    for path in PATHS:
        for mode in MODES:
            wall, cpu = report.fit(path, mode), report.fit(path, mode, "cpu")
            if wall is None or cpu is None:
                continue
            sizes = [
                s.services
                for s in report.generated()
                if s.services is not None and report.job(s.name, path, mode)
            ]
            r, r_cpu = report.ratio(200, 100, path, mode), report.ratio(200, 100, path, mode, "cpu")
            rows.append(
                [
                    path,
                    MODE_NAMES[mode],
                    ", ".join(map(str, sizes)),
                    f"{wall[0] * 1000:.1f} ms; {cpu[0] * 1000:.1f} ms",
                    f"{_s(wall[1])}; {_s(cpu[1])}",
                    f"{r:.2f}; {r_cpu:.2f}" if r is not None and r_cpu is not None else "",
                ]
            )
    lines += _table(
        [
            "path",
            "built-in validation",
            "sizes",
            "marginal cost / service (wall; CPU)",
            "intercept (wall; CPU)",
            "t(200)/t(100) (wall; CPU)",
        ],
        rows,
    )
    lines += [
        "Marginal cost: the least-squares slope of the median times over the generated apps.",
        "",
    ]

    # ---- targets
    lines += [
        "## Targets of issue 5 (CLI, the default: built-in validation off)",
        "",
        "Judged on the median wall time as the issue asks, and again on the CPU time, which "
        "other work on the machine barely moves (see the load above). The rows "
        "marked CDK_VALIDATION=true are the opt-in, for comparison.",
        "",
    ]
    rows = []
    comparisons: list[tuple[str, Mode, Mode]] = [
        ("default example ≤ 2x floor", "default", "default"),
        ("(CDK_VALIDATION=true) default example ≤ 2x floor, validation on in both", "validation",
         "validation"),
        ("(CDK_VALIDATION=true) default example ≤ 2x floor without validation", "validation",
         "default"),
    ]  # fmt: skip
    for what, app_mode, floor_mode in comparisons:
        hello = report.job("hello", "cli", app_mode)
        base = report.job("floor", "cli", floor_mode)
        if hello and base:
            times_wall, times_cpu = hello.median / base.median, hello.cpu / base.cpu
            rows.append(
                [
                    what,
                    f"{times_wall:.2f}x",
                    _ok(times_wall <= 2),
                    f"{times_cpu:.2f}x",
                    _ok(times_cpu <= 2),
                ]
            )
    wall_fit, cpu_fit = report.fit("cli"), report.fit("cli", metric="cpu")
    if wall_fit is not None and cpu_fit is not None:
        rows.append(
            [
                "marginal cost ≤ 40 ms/service",
                f"{wall_fit[0] * 1000:.1f} ms",
                _ok(wall_fit[0] <= 0.040),
                f"{cpu_fit[0] * 1000:.1f} ms",
                _ok(cpu_fit[0] <= 0.040),
            ]
        )
    r, r_cpu = report.ratio(200, 100, "cli"), report.ratio(200, 100, "cli", metric="cpu")
    if r is not None and r_cpu is not None:
        rows.append(
            ["t(200)/t(100) ≤ 2.1", f"{r:.2f}", _ok(r <= 2.1), f"{r_cpu:.2f}", _ok(r_cpu <= 2.1)]
        )
    biggest = report.generated()[-1] if report.generated() else None
    big = report.job(biggest.name, "cli") if biggest else None
    if biggest is not None and big is not None:
        n = biggest.services
        rows.append(
            [
                f"{n} services: CLI synth < 15 s",
                _s(big.median),
                _ok(big.median < 15),
                _s(big.cpu),
                _ok(big.cpu < 15),
            ]
        )
        rows.append(
            [
                f"{n} services: peak memory < 1 GB (RSS / PSS / private; judged on PSS)",
                _mem(big),
                _ok((big.peak_pss or big.peak_rss) < 10**9),
                "",
                "",
            ]
        )
    worst = _worst(report)
    if worst is not None:
        what, stack, pct = worst
        rows.append(
            [
                f"every stack < {TARGET_PERCENT}% of every CloudFormation limit",
                f"max {_pct(pct)} ({what}, {stack})",
                _ok(pct < TARGET_PERCENT),
                "",
                "",
            ]
        )
    task = max(
        (stack for stacks in report.stacks.values() for stack in stacks),
        key=lambda stack: stack.task_definition_bytes,
        default=None,
    )
    if task is not None:
        pct = 100 * task.task_definition_bytes / TASK_DEFINITION_BYTES
        rows.append(
            [
                f"(not in the issue) every task definition < {TARGET_PERCENT}% of ECS's 64 KiB",
                f"max {_pct(pct)} ({task.name})",
                _ok(pct < TARGET_PERCENT),
                "",
                "",
            ]
        )
    lines += _table(["target", "measured (wall)", "met", "measured (CPU)", "met (CPU)"], rows)

    # ---- validation
    lines += _validation_section(report)

    # ---- limits
    lines += _limits_section(report)

    # ---- raw
    lines += ["<details><summary>Every run</summary>", ""]
    rows = [
        [
            *job.key,
            ", ".join(f"{s.seconds:.2f}" for s in job.samples),
            ", ".join(f"{s.cpu_seconds:.2f}" for s in job.samples),
            ", ".join(_mb(s.peak_rss) for s in job.samples),
            ", ".join(f"{s.load:.1f}" for s in job.samples),
            "; ".join(job.failures),
        ]
        for job in report.jobs.values()
        if job.samples or job.failures
    ]
    lines += _table(["app", "path", "mode", "wall s", "CPU s", "peak RSS", "load", "failed"], rows)
    lines += ["</details>", ""]
    return "\n".join(lines)


def _worst(report: Report) -> tuple[str, str, float] | None:
    worst: tuple[str, str, float] | None = None
    for stacks in report.stacks.values():
        for stack in stacks:
            for (what, _), pct in zip(LIMITS, stack.percents(), strict=True):
                if worst is None or pct > worst[2]:
                    worst = (what, stack.name, pct)
    return worst


def _validation_section(report: Report) -> list[str]:
    names = [s.name for s in report.subjects if report.job(s.name, "cli", "validation")]
    if not names:
        return []
    lines = [
        "## The opt-in: CDK's built-in validation (`CDK_VALIDATION=true`)",
        "",
        "Off by default (`exosphere_cdk/synth.py`); cdk-nag runs either way and cfn-lint checks "
        "every example's templates in the tests. `@aws-cdk/core:validateAgainstDefaultRules` "
        "(true in cdk.json) does not switch it on or off, it only makes its findings errors. "
        "Through the CLI, the floor and our app alike:",
        "",
    ]
    rows = []
    for name in names:
        off, on = report.job(name, "cli"), report.job(name, "cli", "validation")
        cells: list[object] = [name]
        cells += [f"{_s(j.median)} (CPU {_s(j.cpu)}), {_mem(j)}" if j else "" for j in (off, on)]
        if off and on:
            memory = f"{(on.peak_rss - off.peak_rss) / 2**20:+.0f} MB RSS"
            if on.peak_pss and off.peak_pss:
                memory += f", {(on.peak_pss - off.peak_pss) / 2**20:+.0f} MB PSS"
            cells += [
                f"{on.median - off.median:+.2f} s (CPU {on.cpu - off.cpu:+.2f} s)",
                memory,
            ]
        rows.append(cells)
    lines += _table(
        ["app", "off (default)", "on (CDK_VALIDATION=true)", "cost: time", "cost: memory"], rows
    )
    return lines


def _limits_section(report: Report) -> list[str]:
    lines = [
        "## Stacks against CloudFormation's limits",
        "",
        "Per stack: resources (limit 500), template size as uploaded (1,000,000 bytes from "
        "S3), outputs (200) and parameters (200). Templates over 51,200 bytes cannot be "
        "passed inline; CDK always uploads them to the bootstrap bucket, so that limit does "
        "not apply to `cdk deploy`. Also shown: the largest ECS task definition's container "
        "definitions (ECS limit 64 KiB for the whole task definition; ExoCom's carries "
        "`SERVICE_ROUTES`), and the load balancer rules (default quota: 100 rules per ALB). "
        f"`exo-cdk validate` (and so every synth) warns when `SERVICE_ROUTES` exceeds "
        f"{ROUTES_WARN_BYTES:,} bytes and refuses the app past {ROUTES_MAX_BYTES:,} "
        "(`exosphere_cdk/manifest/checks.py`).",
        "",
    ]
    rows: list[list[object]] = []
    for subject in report.subjects:
        stacks = report.stacks.get(subject.name)
        if not stacks:
            continue
        row: list[object] = [subject.name, len(stacks)]
        for i, (_, limit) in enumerate(LIMITS):
            value, name = max((s.values()[i], s.name) for s in stacks)
            row.append(f"{value} ({_pct(100 * value / limit)}, {name})")
        over_inline = sum(s.template_bytes > DIRECT_UPLOAD_BYTES for s in stacks)
        task = max(stacks, key=lambda s: s.task_definition_bytes)
        rules = sum(
            s.resource_types.get("AWS::ElasticLoadBalancingV2::ListenerRule", 0) for s in stacks
        )
        row += [
            over_inline,
            f"{task.task_definition_bytes} "
            f"({_pct(100 * task.task_definition_bytes / TASK_DEFINITION_BYTES)}, {task.name})",
            rules,
        ]
        rows.append(row)
    lines += _table(
        [
            "app",
            "stacks",
            "max resources",
            "max template bytes",
            "max outputs",
            "max parameters",
            "templates > 51,200 B",
            "largest task definition",
            "ALB rules",
        ],
        rows,
    )
    largest = next(
        (s for s in reversed(report.generated()) if report.stacks.get(s.name)),
        None,
    )
    if largest is not None:
        stacks = sorted(report.stacks[largest.name], key=lambda s: -s.template_bytes)
        lines += [f"<details><summary>Every stack of {largest.name}</summary>", ""]
        lines += _table(
            ["stack", "resources", "template bytes", "outputs", "parameters", "max % of a limit"],
            [
                [
                    s.name,
                    s.resources,
                    s.template_bytes,
                    s.outputs,
                    s.parameters,
                    _pct(max(s.percents())),
                ]
                for s in stacks
            ],
        )
        lines += ["</details>", ""]
    return lines


def plot(report: Report, file: Path) -> None:
    """Time and peak memory against the number of services, both paths, floors as lines."""
    import matplotlib  # noqa: PLC0415 - only the plot needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(12, 4.8))
    colours = {"inproc": "tab:blue", "cli": "tab:orange"}
    labels = {"inproc": "in-process (python app.py)", "cli": "CLI (cdk synth)"}
    for path in PATHS:
        points = [
            (s.services, job)
            for s in report.generated()
            if s.services is not None and (job := report.job(s.name, path)) is not None
        ]
        if not points:
            continue
        xs = [n for n, _ in points]
        colour = colours[path]
        medians = [job.median for _, job in points]
        low = [job.median - job.fastest for _, job in points]
        high = [max(s.seconds for s in job.samples) - job.median for _, job in points]
        ax_time.errorbar(
            xs, medians, yerr=[low, high], marker="o", color=colour, capsize=3, label=labels[path]
        )
        on = [
            (s.services, job.median)
            for s in report.generated()
            if (job := report.job(s.name, path, "validation")) is not None
        ]
        if on:
            ax_time.plot(
                [n for n, _ in on],
                [t for _, t in on],
                marker="x",
                linestyle=":",
                color=colour,
                label=f"{path}, CDK_VALIDATION=true (opt-in)",
            )
        for mode in MODES:
            floor = report.job("floor", path, mode)
            if floor is not None:
                opt_in = mode == "validation"
                suffix = ", CDK_VALIDATION=true" if opt_in else ""
                ax_time.axhline(
                    floor.median,
                    color=colour,
                    linestyle=(0, (1, 3)) if opt_in else "--",
                    linewidth=1,
                    label=f"{path} floor{suffix}",
                )
        ax_mem.plot(
            xs,
            [job.peak_rss / 2**20 for _, job in points],
            marker="o",
            color=colour,
            label=f"{labels[path]}, RSS sum",
        )
        ax_mem.plot(
            xs,
            [job.peak_private / 2**20 for _, job in points],
            marker=".",
            linestyle=":",
            color=colour,
            label=f"{path}, private",
        )
        pss = [(n, job.peak_pss / 2**20) for n, job in points if job.peak_pss]
        if pss:
            ax_mem.plot(
                [n for n, _ in pss],
                [m for _, m in pss],
                marker="s",
                linestyle="--",
                color=colour,
                label=f"{path}, PSS (untimed run)",
            )
    ax_time.axhline(15, color="tab:red", linestyle="-.", linewidth=1, label="target: 15 s")
    ax_mem.axhline(1000, color="tab:red", linestyle="-.", linewidth=1, label="target: 1 GB")
    ax_time.set(xlabel="services", ylabel="wall time (s), median", title="Synthesis time")
    ax_mem.set(xlabel="services", ylabel="peak memory of the process tree (MB)", title="Memory")
    for ax in (ax_time, ax_mem):
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"exosphere-cdk synthesis (cdk-nag on, CDK's built-in validation off unless marked), "
        f"{report.machine['nproc']} cores, {report.started:%Y-%m-%d}"
    )
    fig.tight_layout()
    fig.savefig(file, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main


def _ints(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Synthesis benchmark of issue 5.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sizes", type=_ints, default=[1, 10, 50, 100, 200], help="app sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per app, path and mode")
    parser.add_argument(
        "--paths", default="inproc,cli", help="comma-separated: inproc (python app.py), cli"
    )
    parser.add_argument(
        "--examples", default="hello,shop", help="apps of manifests/ to time too (hello: default)"
    )
    parser.add_argument(
        "--validation-sizes",
        type=_ints,
        default=None,
        help="generated sizes also timed with CDK_VALIDATION=true (CLI; default: every size); "
        "the floor and hello always are",
    )
    parser.add_argument("--validation-runs", type=int, default=3, help="runs of those (0: none)")
    parser.add_argument("--sample-ms", type=float, default=25, help="memory sampling interval")
    parser.add_argument(
        "--no-pss",
        dest="pss",
        action="store_false",
        help="skip the extra untimed run per app and path that measures PSS",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench", help="results folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.argv = ["bench/run.py", *(sys.argv[1:] if argv is None else argv)]
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if not paths or any(p not in PATHS for p in paths):
        parser.error(f"--paths: expected some of {', '.join(PATHS)}")
    args.paths = paths
    if args.validation_sizes is None:
        args.validation_sizes = list(args.sizes)
    if args.runs < 1 or min(args.sizes, default=1) < 1:
        parser.error("--runs and --sizes must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    load_before = os.getloadavg()
    python = str(REPO / ".venv" / "bin" / "python")
    if not Path(python).exists():
        python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="exosphere-bench-"))
    try:
        bench = Bench(work, python, args.sample_ms / 1000)
        subjects = [Subject("floor", floor=True)]
        for name in [e.strip() for e in args.examples.split(",") if e.strip()]:
            # hello is cdk.json's default: the CLI runs it without `-c app`.
            app_dir = None if name == "hello" else REPO / "manifests" / name
            subjects.append(Subject(name, app_dir=app_dir))
        for n in args.sizes:
            app_dir = work / "apps" / f"gen-{n}"
            generate_app(app_dir, n)
            subjects.append(Subject(f"gen-{n}", app_dir=app_dir, services=n))

        jobs: dict[tuple[str, Via, Mode], Job] = {}
        for subject in subjects:
            for path in args.paths:
                job = Job(subject, path, "default", args.runs)
                jobs[job.key] = job
            if (
                args.validation_runs > 0
                and "cli" in args.paths
                and (
                    subject.floor
                    or subject.name == "hello"
                    or subject.services in args.validation_sizes
                )
            ):
                job = Job(subject, "cli", "validation", args.validation_runs)
                jobs[job.key] = job

        assemblies: dict[str, Path] = {}
        rounds = max(job.runs for job in jobs.values())
        total = sum(job.runs for job in jobs.values())
        done = 0
        for r in range(rounds):
            for job in jobs.values():
                if r >= job.runs:
                    continue
                keep = (
                    job.mode == "default"
                    and job.subject.name not in assemblies
                    and (job.path == "cli" or "cli" not in args.paths)
                )
                done += 1
                what = f"[{done}/{total}] {job.subject.name} {job.path} {job.mode}"
                try:
                    out = bench.run(job, keep)
                except RuntimeError as exc:  # one failed run must not lose the others
                    job.failures.append(str(exc).splitlines()[0])
                    print(f"{what}: FAILED\n{exc}", flush=True)
                    continue
                if out is not None:
                    assemblies[job.subject.name] = out
                s = job.samples[-1]
                print(
                    f"{what}: {s.seconds:.2f} s, {s.peak_rss / 2**20:.0f} MB, load {s.load:.1f}",
                    flush=True,
                )
        if args.pss:  # one untimed run per app and path, for PSS
            largest = max(args.sizes)
            for job in [
                j
                for j in jobs.values()
                if j.samples
                and (
                    j.mode == "default"
                    or j.subject.floor
                    or j.subject.name == "hello"
                    or j.subject.services == largest
                )
            ]:
                try:
                    bench.run(job, keep=False, pss=True)
                except RuntimeError as exc:
                    print(f"memory run of {job.key}: FAILED\n{exc}", flush=True)
                    continue
                print(f"memory run {job.key}: PSS {_mb(job.peak_pss or 0)}", flush=True)
        stacks = {name: stack_stats(out) for name, out in assemblies.items() if name != "floor"}
        report = Report(
            args=args,
            machine=machine(bench.env),
            started=started,
            load_before=load_before,
            load_after=os.getloadavg(),
            jobs=jobs,
            subjects=subjects,
            stacks=stacks,
            elapsed=time.perf_counter() - clock,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.md").write_text(render(report))
        plot(report, args.out / "results.png")
        print(f"wrote {args.out / 'results.md'} and {args.out / 'results.png'}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
