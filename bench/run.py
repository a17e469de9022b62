"""Synthesis benchmark: jsii requests, times against the floor, memory, the stacks' limits.

    .venv/bin/python bench/run.py --sizes 1,50,200 --runs 3 --validation-runs 0   # ~15 min
    .venv/bin/python bench/run.py --sizes 1,10 --runs 1 --validation-runs 0 --no-pss  # a look

Generates apps of N services (bench/generate.py) and synthesizes each one, and
the examples, in a fresh process tree per run, through two paths:

- inproc: `python -OO app.py` (the interpreter's options of cdk.json's app command) with
  `CDK_OUTDIR` and `CDK_CONTEXT_JSON` set as the CDK CLI sets them (cdk.json's context,
  the keys the CLI adds, `app`);
- cli: `npx --no-install cdk synth -q [-c app=DIR] -o OUT`.

The floor is a tiny app (one stack holding one no-op resource, because CDK's
built-in validation rejects a stack without resources) run the same ways: the
cost of starting Python, Node and jsii. It makes its `cdk.App` as
`exosphere_cdk/synth.py` does, so CDK's built-in validation runs in the floor
exactly when it runs in our app, and runs on the same Python with the same options
(`-OO`). Both run on the pinned Node (`JSII_NODE`,
node_modules/.bin first on PATH).

`--without-nag` adds the bundled example without cdk-nag (`NO_NAG_APP`: app.py's
synthesis with no rule pack, cdk_nag never imported), run the same ways, so that
the report shows what cdk-nag's checks cost. It is the bench's own: every
`cdk synth` of a user runs the packs.

Rounds are interleaved (round r synthesizes every subject once), so a busy
neighbour slows every subject alike; medians are quoted. The CPU time of the
process tree (os.wait4's rusage) is shown next to the wall time: other work on
the machine moves it far less.

A fresh process tree is not a first synthesis: app.py's kernel keeps Node's
compile cache in `~/.cache/exosphere-cdk/kernel` (exosphere_cdk.kernel), which
the first synthesis on a machine (and after a CDK or Node upgrade) writes, at
about 0.5 s more than a synthesis without the cache; the runs measure the
syntheses after it, as a user's are. The floor does not use app.py's kernel.

Memory: a thread samples the process tree every `--sample-ms` from
/proc/PID/statm (cheap) and keeps the peak of two sums: RSS (shared pages
counted once per process: an upper bound) and private memory (a lower bound).
PSS, the honest "together" figure, costs 10-50 ms a large process to read
(smaps_rollup), so it is sampled in one extra, untimed run per subject and
path, and the memory target (600 MB) is judged on it.

Modes: `default` (no `CDK_VALIDATION`: the built-in validation off, cdk-nag
on) for every subject, and `validation` (`CDK_VALIDATION=true`, the opt-in)
through the CLI for the floor, hello and `--validation-sizes`.

jsii requests, the deterministic measure: every call from Python into the CDK
(creating an object, invoking a method, reading a property, a static call) is
a request to jsii's Node process, one round trip. `bench/count.py` wraps the
jsii kernel's provider (in a process of its own, never on the synth path),
synthesizes each subject once in-process as `python app.py` does (`new_app`,
`build` with the default rule packs, `synth`; the modules are imported before
counting starts) and counts the requests by kind (create, invoke, get, set,
static invoke, static get, callback: Python answering a call from JavaScript)
per stack. A request counts to the stack the first of these rules gives:

1. a stack's constructor is running (a `__init__` on the Python call stack
   whose `self` is a Stack): that stack;
2. else the outermost call into our code (exosphere_cdk, exosphere_constructs)
   with, among its arguments (self first), a construct placed in a stack: that
   stack. So the alarms `watch_service(service_stack, ...)` adds and the reads
   of a service's dashboard row (`service_metrics`) count to the service. The
   wiring's functions (stacks/app_stacks.py: `_platform(build, network, dns)`
   and the like) are not such calls: they hand stacks to what builds the next;
3. else a create whose scope (its first argument), or an invoke or set whose
   object, is placed: that one's stack;
4. else (a read or a static call made by build_stacks itself, an object made
   without a scope such as an InstanceType) the request is held and counted
   with the next request that is placed: it is an argument of what is built
   next (a service's capacity provider name, read from the platform, counts to
   the service). What is still held when the build ends counts to `(app)`, as
   do the App itself, its tags and the rule packs; `app.synth()` and the
   callbacks under it count to `(synth)`.

An object a request creates is placed in that request's stack. The shared
stacks' counts are thus the same whatever the number of services but for the
monitoring stack's, whose dashboard has a row per service. The cost of one
more service needs no attribution: the difference of two generated apps'
totals over the difference of their sizes.

`--checkout DIR` synthesizes another checkout's code (say, a `git worktree` of
an older commit, with `.venv` and `node_modules` linked to this one's): its
folder is the working directory and comes first on PYTHONPATH.

Writes the part of `bench/results.md` between its generated markers (the rest
of the file, such as its summary, is written by hand) and `bench/results.png`.
"""

from __future__ import annotations

import argparse
import itertools
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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import psutil
from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/run.py` puts bench/, not the repository, first
    sys.path.insert(0, str(REPO))

from bench.count import (  # noqa: E402
    APP,
    KINDS,
    SERVICE_BUDGET,
    SHARED_BUDGET,
    SHARED_KINDS,
    SYNTH,
    StackRequests,
)
from bench.generate import generate_app  # noqa: E402
from exosphere_cdk.manifest.rules.messages import ROUTES_MAX_BYTES, ROUTES_WARN_BYTES  # noqa: E402
from exosphere_cdk.ops.assembly import StackInfo, read_stacks  # noqa: E402
from exosphere_cdk.synth import cdk_json_app, cdk_json_context  # noqa: E402

Via = Literal["inproc", "cli"]
Mode = Literal["default", "validation"]
PATHS: tuple[Via, ...] = ("inproc", "cli")
MODES: tuple[Mode, ...] = ("default", "validation")
TITLES: dict[Via, str] = {"inproc": "In-process: `python app.py`", "cli": "CLI: `cdk synth`"}
MODE_NAMES: dict[Mode, str] = {"default": "off (default)", "validation": "on (CDK_VALIDATION=true)"}
TARGET_PERCENT = 80
#: ECS: a task definition may not exceed 64 KiB; ExoCom's holds SERVICE_ROUTES.
TASK_DEFINITION_BYTES = 65_536
#: A template passed inline (not from S3) may not exceed this; CDK always uploads.
DIRECT_UPLOAD_BYTES = 51_200
#: The interpreter's options in cdk.json's app command (`python -OO app.py`): the in-process
#: runs and the floor run Python as `cdk synth` does.
PYTHON_FLAGS = tuple(a for a in cdk_json_app() if a.startswith("-"))
#: Sampling interval of the untimed memory runs (reading PSS is itself slow).
PSS_INTERVAL = 0.1
PINNED_NODE = REPO / "node_modules" / ".bin" / "node"
COUNTER = REPO / "bench" / "count.py"
#: Issue 20's targets: the default example against the floor (CLI), what 200 services add
#: over 1 service in floors, peak memory, and requests per service stack.
FLOOR_RATIO, ADDED_FLOORS, PEAK_BYTES, SERVICE_REQUESTS = 1.5, 3.0, 600 * 2**20, 30
#: The jsii requests of hello's shared stacks before issue 20 (network 68, dns 14,
#: platform 239, exocom 219, monitoring 89; commit 881f49d).
SHARED_BEFORE = 629
#: The stack kinds of the request tables, in their order.
STACK_KINDS = (
    "network",
    "dns",
    "platform",
    "exocom",
    "monitoring",
    "public service",
    "private service",
    APP,
    SYNTH,
)
START, END = "<!-- generated -->", "<!-- /generated -->"


def task_definition_bytes(stack: StackInfo) -> int:
    """The largest task definition's container definitions, as JSON (intrinsics unresolved)."""
    return max(
        (
            len(json.dumps(task.get("ContainerDefinitions", []), separators=(",", ":")))
            for task in stack.of_type("AWS::ECS::TaskDefinition")
        ),
        default=0,
    )


def stack_limits(stack: StackInfo) -> dict[str, tuple[int, int]]:
    """Each of CloudFormation's limits on a template, as `plan` and the synthesis check them
    (StackInfo.limits): its name, the stack's figure and the limit."""
    return {
        what.replace("_", " "): (found["count"], found["limit"])
        for what, found in stack.limits().items()
    }


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

#: `--without-nag`: the bundled example as app.py synthesizes it, but with no rule pack and
#: cdk_nag never imported (a module of that name holding the two names the stacks import),
#: so that the report shows what cdk-nag costs a synthesis. The bench's own, never a user's:
#: every `cdk synth` runs the packs. The templates are app.py's; there is no validation report.
NO_NAG_APP = '''"""The bundled example without cdk-nag (bench/run.py --without-nag)."""
import functools
import sys
import types

stub = types.ModuleType("cdk_nag")
stub.AwsSolutionsChecks = stub.NIST80053R5Checks = None
sys.modules["cdk_nag"] = stub

from exosphere_cdk import synth

synth.build = functools.partial(synth.build, compliance=False)
synth.exit_now(synth.main())
'''
NO_NAG = "hello-no-nag"


# ---------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Sample:
    """One synthesis in a fresh process tree: its times, peak memory and the load after it."""

    seconds: float
    cpu_seconds: float
    peak_rss: int
    peak_private: int
    load: float
    peak_pss: int = 0


class TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants until stopped: peak sums."""

    def __init__(self, pid: int, interval: float, pss: bool) -> None:
        super().__init__(daemon=True)
        self.root, self.interval, self.pss = psutil.Process(pid), interval, pss
        self.stopped = threading.Event()
        self.peak_rss = self.peak_private = self.peak_pss = 0

    def run(self) -> None:
        while True:
            self.sample()
            if self.stopped.wait(self.interval):
                return

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss = private = pss = 0
        for proc in procs:
            try:
                mem = proc.memory_info()  # /proc/PID/statm
                pss += proc.memory_full_info().pss if self.pss else 0  # smaps: slow
            except psutil.Error:
                continue
            rss += mem.rss
            private += mem.rss - mem.shared
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_private = max(self.peak_private, private)
        self.peak_pss = max(self.peak_pss, pss)


def measure(
    cmd: Sequence[str], cwd: Path, env: dict[str, str], log: Path, *, interval: float, pss: bool
) -> Sample:
    """Run `cmd`, wait for it, and return its times and peak memory (raises if it fails)."""
    with log.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        sampler = TreeSampler(proc.pid, interval, pss)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of the child and all it waited for
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stopped.set()
        sampler.join()
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(
        seconds, cpu, sampler.peak_rss, sampler.peak_private, os.getloadavg()[0], sampler.peak_pss
    )


@dataclass(frozen=True)
class Subject:
    """What is synthesized: the floor, an example of manifests/, or a generated app."""

    name: str
    #: The app folder; None for the floor and for the default example (no `-c app`).
    app_dir: Path | None = None
    services: int | None = None
    #: A script of the bench's run instead of app.py (`FLOOR_APP`, `NO_NAG_APP`): its
    #: requests are not counted nor its stacks read.
    script: str | None = None

    @property
    def floor(self) -> bool:
        return self.script == FLOOR_APP


@dataclass
class Job:
    """A subject through one path in one mode: its timed samples."""

    subject: Subject
    path: Via
    mode: Mode
    runs: int
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: Peak PSS of the tree, from one extra untimed run (0: not measured).
    peak_pss: int = 0

    @property
    def key(self) -> tuple[str, Via, Mode]:
        return (self.subject.name, self.path, self.mode)

    @property
    def wall(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def peak_rss(self) -> int:
        return max(s.peak_rss for s in self.samples)

    @property
    def peak_private(self) -> int:
        return max(s.peak_private for s in self.samples)


class Bench:
    """The commands and environment of every job, and one run of a job."""

    def __init__(self, work: Path, checkout: Path, interval: float) -> None:
        self.work, self.checkout, self.interval = work, checkout, interval
        self.python = str(REPO / ".venv" / "bin" / "python")
        if not Path(self.python).exists():
            self.python = sys.executable
        self.scripts: dict[str, Path] = {}
        for name, text in (("floor_app.py", FLOOR_APP), ("no_nag_app.py", NO_NAG_APP)):
            self.scripts[text] = work / name
            self.scripts[text].write_text(text)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
        # As `npx cdk`: the pinned Node first on PATH, for the CLI, jsii and the floor alike.
        self.env["PATH"] = f"{PINNED_NODE.parent}{os.pathsep}{self.env['PATH']}"
        if PINNED_NODE.is_file():
            self.env["JSII_NODE"] = str(PINNED_NODE)
        if checkout != REPO:
            self.env["PYTHONPATH"] = os.pathsep.join([str(checkout), str(checkout / "constructs")])
        self.runs = 0

    def command(self, job: Job, out: Path) -> tuple[list[str], dict[str, str]]:
        subject, env = job.subject, dict(self.env)
        if job.mode == "validation":
            env["CDK_VALIDATION"] = "true"
        if job.path == "inproc":
            context = {**cdk_json_context(), **CLI_CONTEXT}
            if subject.app_dir is not None:
                context["app"] = str(subject.app_dir)
            env.update(CDK_OUTDIR=str(out), CDK_CONTEXT_JSON=json.dumps(context))
            script = str(self.scripts[subject.script]) if subject.script else "app.py"
            return [self.python, *PYTHON_FLAGS, script], env
        cmd = ["npx", "--no-install", "cdk", "synth", "-q", "-o", str(out)]
        if subject.script:
            script = str(self.scripts[subject.script])
            cmd += ["--app", " ".join([self.python, *PYTHON_FLAGS, script])]
        if subject.app_dir is not None:
            cmd += ["-c", f"app={subject.app_dir}"]
        return cmd, env

    def run(self, job: Job, *, keep: bool = False, pss: bool = False) -> Path | None:
        """One synthesis of `job` (`pss`: untimed, for `job.peak_pss`); its assembly if kept."""
        self.runs += 1
        out = self.work / "out" / f"{self.runs:04d}-{'-'.join(job.key)}"
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd, env = self.command(job, out)
        interval = PSS_INTERVAL if pss else self.interval
        sample = measure(
            cmd, self.checkout, env, out.with_suffix(".log"), interval=interval, pss=pss
        )
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

    def count(self, subject: Subject) -> list[StackRequests]:
        """The jsii requests of one in-process synthesis of `subject`, per stack (count.py)."""
        env = dict(self.env)
        env["PYTHONPATH"] = os.pathsep.join([str(self.checkout), str(self.checkout / "constructs")])
        out = self.work / "out" / f"count-{subject.name}"
        cmd = [self.python, str(COUNTER), "--json", "--out", str(out)]
        if subject.app_dir is not None:
            cmd.append(str(subject.app_dir))
        done = subprocess.run(
            cmd, cwd=self.checkout, env=env, capture_output=True, text=True, check=False
        )
        shutil.rmtree(out, ignore_errors=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stderr}")
        return [StackRequests.from_json(s) for s in json.loads(done.stdout.splitlines()[-1])]


def run_all(bench: Bench, jobs: Sequence[Job], pss: bool) -> dict[str, list[StackInfo]]:
    """Every job's runs, rounds interleaved, then the untimed PSS runs; the stacks by subject."""
    stacks: dict[str, list[StackInfo]] = {}
    total, done = sum(job.runs for job in jobs), 0
    for r in range(max(job.runs for job in jobs)):
        for job in [j for j in jobs if r < j.runs]:
            done += 1
            what = f"[{done}/{total}] {' '.join(job.key)}"
            keep = (
                job.mode == "default" and not job.subject.script and job.subject.name not in stacks
            )
            try:
                out = bench.run(job, keep=keep)
            except RuntimeError as exc:  # one failed run must not lose the others
                job.failures.append(str(exc).splitlines()[0])
                print(f"{what}: FAILED\n{exc}", flush=True)
                continue
            if out is not None:
                stacks[job.subject.name] = list(read_stacks(out).values())
            s = job.samples[-1]
            print(f"{what}: {s.seconds:.2f} s, {mb(s.peak_rss)}, load {s.load:.1f}", flush=True)
    for job in [j for j in jobs if j.samples] if pss else []:
        try:
            bench.run(job, pss=True)
        except RuntimeError as exc:
            print(f"memory run {' '.join(job.key)}: FAILED\n{exc}", flush=True)
            continue
        print(f"memory run {' '.join(job.key)}: PSS {mb(job.peak_pss)}", flush=True)
    return stacks


def count_all(bench: Bench, subjects: Sequence[Subject]) -> dict[str, list[StackRequests]]:
    """The requests of every subject but the floor, per stack: one run each (they do not vary)."""
    counts: dict[str, list[StackRequests]] = {}
    for subject in [s for s in subjects if not s.script]:
        try:
            counts[subject.name] = bench.count(subject)
        except RuntimeError as exc:
            print(f"counting {subject.name}: FAILED\n{exc}", flush=True)
            continue
        total = sum(stack.total for stack in counts[subject.name])
        print(f"counting {subject.name}: {total} jsii requests", flush=True)
    return counts


# ---------------------------------------------------------------- the report


def command_output(cmd: Sequence[str], env: dict[str, str], cwd: Path = REPO) -> str:
    try:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "?"


def machine(bench: Bench) -> dict[str, str]:
    env, cpu = bench.env, platform.processor() or "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    node = env.get("JSII_NODE", "node")
    code = command_output(["git", "describe", "--always", "--dirty"], env, bench.checkout)
    return {
        "nproc": str(os.cpu_count()),
        "CPU": cpu,
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Node (JSII_NODE, and the CLI's)": f"{command_output([node, '--version'], env)} ({node})",
        "CDK CLI": command_output(["npx", "--no-install", "cdk", "--version"], env),
        **{name: metadata.version(name) for name in ("aws-cdk-lib", "jsii", "cdk-nag")},
        "code measured": code + (" (uncommitted changes)" if code.endswith("-dirty") else ""),
    }


def mb(value: int) -> str:
    return f"{value / 2**20:.0f} MB"


def sec(value: float) -> str:
    return f"{value:.2f} s"


def pct(value: float) -> str:
    return f"{value:.1f}%"


def ok(passed: bool) -> str:
    return "yes" if passed else "**NO**"


def memory(job: Job) -> str:
    """Peak memory of the tree: RSS sum / PSS / private (PSS only when measured)."""
    return (
        f"{mb(job.peak_rss)} / {mb(job.peak_pss) if job.peak_pss else '-'} / {mb(job.peak_private)}"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [tabulate(rows, headers=header, tablefmt="github", disable_numparse=True), ""]


@dataclass
class Report:
    argv: list[str]
    machine: dict[str, str]
    started: datetime
    elapsed: float
    loads: tuple[float, float]
    jobs: dict[tuple[str, Via, Mode], Job]
    subjects: list[Subject]
    stacks: dict[str, list[StackInfo]]
    counts: dict[str, list[StackRequests]] = field(default_factory=dict)

    def job(self, name: str, path: Via, mode: Mode = "default") -> Job | None:
        job = self.jobs.get((name, path, mode))
        return job if job is not None and job.samples else None

    def generated(self, path: Via, mode: Mode = "default") -> list[tuple[int, Job]]:
        return [
            (s.services, job)
            for s in self.subjects
            if s.services is not None and (job := self.job(s.name, path, mode))
        ]

    def requests(self, name: str) -> int:
        """The jsii requests of one synthesis of `name` (0: not counted)."""
        return sum(stack.total for stack in self.counts.get(name, []))

    def counted(self) -> list[tuple[int, str]]:
        """(services, name) of the generated apps that were counted, fewest services first."""
        return [
            (s.services, s.name)
            for s in self.subjects
            if s.services is not None and s.name in self.counts
        ]

    def fit(self, path: Via, mode: Mode = "default") -> tuple[float, float, float] | None:
        """Seconds per service (wall, CPU) and the wall intercept: least squares."""
        points = self.generated(path, mode)
        if len(points) < 2:
            return None
        xs = [float(n) for n, _ in points]
        wall = statistics.linear_regression(xs, [job.wall for _, job in points])
        cpu = statistics.linear_regression(xs, [job.cpu for _, job in points])
        return wall.slope, cpu.slope, wall.intercept

    def ratio(
        self, name: str, base: str, path: Via, mode: Mode, base_mode: Mode
    ) -> tuple[float, float] | None:
        """One job's wall and CPU time against another's."""
        a, b = self.job(name, path, mode), self.job(base, path, base_mode)
        return (a.wall / b.wall, a.cpu / b.cpu) if a and b else None


def times(ratio: tuple[float, float] | None) -> str:
    return f"{ratio[0]:.2f}x; {ratio[1]:.2f}x" if ratio else ""


def render(report: Report) -> str:
    """The generated part of results.md (between the markers)."""
    lines = [
        f"Written by `bench/run.py` on {report.started:%Y-%m-%d %H:%M} UTC "
        f"({report.elapsed / 60:.1f} min): `{' '.join(report.argv)}`. Each run is a fresh "
        "process tree with a fresh output folder, rounds interleaved; medians quoted. The "
        "method is in the docstring of `bench/run.py`; `bench/generate.py` writes the apps "
        "(seed 0).",
        "",
        "## Machine",
        "",
    ]
    load = f"{report.loads[0]:.2f} at the start, {report.loads[1]:.2f} at the end (1 minute)"
    lines += table(["", ""], [*report.machine.items(), ("load average", load)])

    lines += [
        "## Results",
        "",
        "CDK's built-in validation off (the default), cdk-nag on"
        + (f" (but in `{NO_NAG}`: the bench's `--without-nag`)" if _no_nag(report) else "")
        + ". Wall and CPU time "
        "(user + system of the process tree): medians. `x floor`: against the floor "
        "synthesized the same way (wall; CPU). Memory: peak RSS sum / PSS / private.",
        "",
    ]
    for path in PATHS:
        rows = []
        for s in report.subjects:
            if job := report.job(s.name, path):
                stacks = report.stacks.get(s.name, [])
                rows.append(
                    [
                        s.name,
                        s.services or "",
                        len(stacks) or "",
                        sum(len(st.resources) for st in stacks) or "",
                        report.requests(s.name) or "",
                        sec(job.wall),
                        sec(job.cpu),
                        times(report.ratio(s.name, "floor", path, "default", "default")),
                        memory(job),
                    ]
                )
        if rows:
            lines += [f"### {TITLES[path]}", ""]
            header = ["app", "services", "stacks", "resources", "jsii requests", "wall", "CPU"]
            lines += table([*header, "x floor", "memory"], rows)

    lines += requests(report)

    rows = []
    for path in PATHS:
        for mode in MODES:
            if fit := report.fit(path, mode):
                rows.append(
                    [
                        path,
                        MODE_NAMES[mode],
                        f"{fit[0] * 1000:.1f} ms; {fit[1] * 1000:.1f} ms",
                        sec(fit[2]),
                        times(report.ratio("gen-200", "gen-100", path, mode, mode)),
                    ]
                )
    if rows:
        lines += ["## Scaling", "", "The least-squares line through the generated apps.", ""]
        header = [
            "path",
            "built-in validation",
            "per service (wall; CPU)",
            "intercept",
            "t(200)/t(100)",
        ]
        lines += table(header, rows)

    lines += targets(report) + validation(report) + limits(report)
    rows = [
        [
            *job.key,
            ", ".join(f"{s.seconds:.2f}" for s in job.samples),
            ", ".join(f"{s.cpu_seconds:.2f}" for s in job.samples),
            ", ".join(mb(s.peak_rss) for s in job.samples),
            ", ".join(f"{s.load:.1f}" for s in job.samples),
            "; ".join(job.failures),
        ]
        for job in report.jobs.values()
        if job.samples or job.failures
    ]
    lines += ["<details><summary>Every run</summary>", ""]
    lines += table(["app", "path", "mode", "wall s", "CPU s", "peak RSS", "load", "failed"], rows)
    return "\n".join([*lines, "</details>"])


def median_stack(stacks: Sequence[StackRequests], kind: str) -> StackRequests | None:
    """The stack of `kind` with the median count (the lower of the two middle ones)."""
    found = sorted((s for s in stacks if s.kind == kind), key=lambda s: (s.total, s.name))
    return found[(len(found) - 1) // 2] if found else None


def spread(stacks: Sequence[StackRequests], kind: str) -> str:
    """A kind's count: the one stack's, or `median [min-max] xN` over N service stacks."""
    totals = sorted(s.total for s in stacks if s.kind == kind)
    if not totals:
        return ""
    if len(totals) == 1:
        return str(totals[0])
    middle = totals[(len(totals) - 1) // 2]
    return f"{middle} [{totals[0]}-{totals[-1]}] x{len(totals)}"


def summed(stacks: Sequence[StackRequests]) -> Counter[str]:
    """Every stack's requests by kind, added up."""
    total: Counter[str] = Counter()
    for stack in stacks:
        total.update(stack.requests)
    return total


def by_kind(stack: StackRequests, kinds: Sequence[str]) -> list[object]:
    return [stack.total, *(stack.requests.get(kind, "") for kind in kinds)]


def requests(report: Report) -> list[str]:
    """The jsii requests: per stack kind, by kind of request, per service; the profiles."""
    if not report.counts:
        return []
    lines = [
        "## jsii requests",
        "",
        "Counted by `bench/count.py` in one in-process synthesis per app (the counts are the "
        "same every run); which stack a request counts to is in `bench/run.py`'s docstring. "
        "Service stacks: the median [min-max] xN of the app's N stacks of the kind.",
        "",
    ]
    rows = [
        [name, report.requests(name), *(spread(stacks, kind) for kind in STACK_KINDS)]
        for name, stacks in report.counts.items()
    ]
    lines += table(["app", "total", *STACK_KINDS], rows)

    counted = report.counted()
    name = counted[-1][1] if counted else next(iter(report.counts))
    stacks = report.counts[name]
    kinds = [k for k in KINDS if any(s.requests.get(k) for s in stacks)]
    rows = []
    for kind in STACK_KINDS:
        if (stack := median_stack(stacks, kind)) is not None:
            label = f"{kind} ({stack.name})" if kind.endswith("service") else kind
            rows.append([label, *by_kind(stack, kinds)])
    lines += [f"### By kind of request: {name}", ""]
    lines += ["Service stacks: the median one of each kind.", ""]
    lines += table(["stack", "total", *kinds], rows)

    if len(counted) >= 2:
        pairs = [*itertools.pairwise(counted)]
        if len(counted) > 2:
            pairs.append((counted[0], counted[-1]))
        rows = []
        for (n, a), (m, b) in pairs:
            fewer, more = summed(report.counts[a]), summed(report.counts[b])
            added = [report.requests(b) - report.requests(a), *(more[k] - fewer[k] for k in kinds)]
            rows.append([f"{a} → {b}", *(f"{v / (m - n):.1f}" for v in added)])
        lines += ["### Per service", ""]
        lines += [
            "The cost of one more service: the difference of two generated apps' totals over "
            "the difference of their sizes (its stack, and its row of the dashboard).",
            "",
        ]
        lines += table(["apps", "per service", *kinds], rows)
    return lines + profiles(name, stacks)


def profiles(name: str, stacks: Sequence[StackRequests], top: int = 15) -> list[str]:
    """Where the requests of each shared stack and of the median service stacks go."""
    lines = [
        f"<details><summary>Where the requests go: the top {top} of each stack of {name}</summary>",
        "",
        "By the CDK class and member called, and by the innermost function of our code "
        "(exosphere_cdk, exosphere_constructs) that made the request; `-`: none (the App, "
        "the synthesis).",
        "",
    ]
    for kind in STACK_KINDS:
        stack = median_stack(stacks, kind)
        if stack is None:
            continue
        members, sites = stack.targets.most_common(top), stack.sites.most_common(top)
        rows = [
            [
                *(members[i] if i < len(members) else ("", "")),
                *(sites[i] if i < len(sites) else ("", "")),
            ]
            for i in range(max(len(members), len(sites)))
        ]
        lines += [f"#### {stack.name} ({kind}): {stack.total}", ""]
        lines += table(["CDK member", "requests", "our code", "requests"], rows)
    return [*lines, "</details>", ""]


#: The default example against the floor, both through the CLI: (target, app's, floor's mode).
FLOOR_TARGETS: tuple[tuple[str, Mode, Mode, float], ...] = (
    (f"default example ≤ {FLOOR_RATIO:g}x floor", "default", "default", FLOOR_RATIO),
    ("(CDK_VALIDATION=true in both) default example ≤ 2x floor", "validation", "validation", 2),
    ("(CDK_VALIDATION=true) default example ≤ 2x floor without it", "validation", "default", 2),
)


def targets(report: Report) -> list[str]:
    rows: list[list[str]] = []
    for what, mode, base_mode, most in FLOOR_TARGETS:
        if ratio := report.ratio("hello", "floor", "cli", mode, base_mode):
            rows.append([what, times(ratio), ok(max(ratio) <= most)])
    floor = report.job("floor", "cli")
    if (points := report.generated("cli")) and floor:
        (n_small, small), (n, big) = points[0], points[-1]
        if n > n_small:
            added = ((big.wall - small.wall) / floor.wall, (big.cpu - small.cpu) / floor.cpu)
            rows.append(
                [
                    f"{n} services minus {n_small} ≤ {ADDED_FLOORS:g} floors",
                    f"{added[0]:.2f}; {added[1]:.2f} floors",
                    ok(max(added) <= ADDED_FLOORS),
                ]
            )
        rows.append(
            [
                f"{n} services: peak memory ≤ {mb(PEAK_BYTES)} (on PSS)",
                memory(big),
                ok((big.peak_pss or big.peak_rss) <= PEAK_BYTES),
            ]
        )
    hello = report.counts.get("hello", [])
    for kind, budget in SERVICE_BUDGET.items():
        if of_kind := [stack for stack in hello if stack.kind == kind]:
            worst = max(of_kind, key=lambda stack: (stack.total, stack.name))
            issue = f" (the issue's: {SERVICE_REQUESTS})" if budget != SERVICE_REQUESTS else ""
            rows.append(
                [
                    f"hello: every {kind} stack ≤ {budget} jsii requests{issue}",
                    f"max {worst.total} ({worst.name})",
                    ok(worst.total <= budget and worst.total <= SERVICE_REQUESTS)
                    if issue
                    else ok(worst.total <= budget),
                ]
            )
    if shared := [stack for stack in hello if stack.kind in SHARED_KINDS]:
        total = sum(stack.total for stack in shared)
        rows.append(
            [
                f"hello: the shared stacks together ≤ {SHARED_BUDGET} jsii requests"
                f" (half of {SHARED_BEFORE})",
                f"{total} ({', '.join(f'{s.kind} {s.total}' for s in shared)})",
                ok(total <= SHARED_BUDGET),
            ]
        )
    stacks = [stack for found in report.stacks.values() for stack in found]
    if stacks:
        share, what, name = max(
            (100 * count / limit, what, s.name)
            for s in stacks
            for what, (count, limit) in stack_limits(s).items()
        )
        rows.append(
            [
                f"every stack < {TARGET_PERCENT}% of every CloudFormation limit",
                f"max {pct(share)} ({what}, {name})",
                ok(share < TARGET_PERCENT),
            ]
        )
        task = max(stacks, key=task_definition_bytes)
        share = 100 * task_definition_bytes(task) / TASK_DEFINITION_BYTES
        rows.append(
            [
                f"every task definition < {TARGET_PERCENT}% of ECS's 64 KiB",
                f"max {pct(share)} ({task.name})",
                ok(share < TARGET_PERCENT),
            ]
        )
    if not rows:
        return []
    intro = (
        "Through the CLI, the default unless marked; times: wall; CPU, a time target met when "
        "both are. Issue 20's targets, and CloudFormation's limits."
    )
    return ["## Targets", "", intro, "", *table(["target", "measured", "met"], rows)]


def validation(report: Report) -> list[str]:
    rows = []
    for s in report.subjects:
        off, on = report.job(s.name, "cli"), report.job(s.name, "cli", "validation")
        if off and on:
            pss = (
                f", {(on.peak_pss - off.peak_pss) / 2**20:+.0f} MB PSS"
                if on.peak_pss and off.peak_pss
                else ""
            )
            rows.append(
                [
                    s.name,
                    f"{sec(off.wall)} (CPU {sec(off.cpu)})",
                    f"{sec(on.wall)} (CPU {sec(on.cpu)})",
                    f"{on.wall - off.wall:+.2f} s (CPU {on.cpu - off.cpu:+.2f} s)",
                    f"{(on.peak_rss - off.peak_rss) / 2**20:+.0f} MB RSS{pss}",
                ]
            )
    if not rows:
        return []
    return [
        "## The opt-in: CDK's built-in validation (`CDK_VALIDATION=true`)",
        "",
        "Through the CLI, the floor and our app alike; cdk-nag runs either way.",
        "",
        *table(["app", "off (default)", "on", "cost: time", "cost: memory"], rows),
    ]


def _no_nag(report: Report) -> bool:
    return any(s.name == NO_NAG for s in report.subjects)


def limits(report: Report) -> list[str]:
    rows = []
    named: dict[str, tuple[int, int]] = {}
    for s in report.subjects:
        if stacks := report.stacks.get(s.name):
            row: list[object] = [s.name, len(stacks)]
            named = stack_limits(stacks[0])
            for what, (_, limit) in named.items():
                most, name = max((stack_limits(st)[what][0], st.name) for st in stacks)
                row.append(f"{most} ({pct(100 * most / limit)}, {name})")
            task = max(stacks, key=task_definition_bytes)
            size = task_definition_bytes(task)
            rules = sum(
                len(st.of_type("AWS::ElasticLoadBalancingV2::ListenerRule")) for st in stacks
            )
            row += [
                sum(st.template_bytes > DIRECT_UPLOAD_BYTES for st in stacks),
                f"{size} ({pct(100 * size / TASK_DEFINITION_BYTES)}, {task.name})",
                rules,
            ]
            rows.append(row)
    if not rows:
        return []
    header = ["app", "stacks", *(f"max {what}" for what in named)]
    header += ["templates > 51,200 B", "largest task definition", "ALB rules"]
    each = ", ".join(
        f"{what} ({limit:,}; CDK uploads every template, so the 51,200 of an inline one does "
        "not apply)"
        if what == "template bytes"
        else f"{what} ({limit:,})"
        for what, (_, limit) in named.items()
    )
    return [
        "## Stacks against CloudFormation's limits",
        "",
        f"Per stack, with each limit as the synthesis checks it: {each}; the largest ECS task "
        "definition's container definitions (64 KiB for the task definition; ExoCom's carries "
        "`SERVICE_ROUTES`) and the load balancer rules (default quota: 100 per ALB). "
        "`exo-cdk validate`, and so every synth, warns "
        f"when `SERVICE_ROUTES` exceeds {ROUTES_WARN_BYTES:,} bytes and refuses the app past "
        f"{ROUTES_MAX_BYTES:,}.",
        "",
        *table(header, rows),
    ]


def write_results(file: Path, generated: str) -> None:
    """Replace what lies between the generated markers of `file`; the rest is written by hand."""
    text = file.read_text() if file.is_file() else f"# Synthesis benchmark\n\n{START}\n{END}\n"
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"{file}: no {START} ... {END} markers to write between")
    file.write_text(f"{head}{START}\n{generated}\n{END}{tail}")


def plot(report: Report, file: Path) -> None:
    """Time and peak memory against the number of services, both paths, the floors as lines."""
    import matplotlib  # noqa: PLC0415 - only the plot needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(12, 4.8))
    for path in PATHS:
        colour = {"inproc": "tab:blue", "cli": "tab:orange"}[path]
        for mode in MODES:
            style = "-" if mode == "default" else ":"
            points = report.generated(path, mode)
            label = f"{path}{', CDK_VALIDATION=true' if mode == 'validation' else ''}"
            if points:
                xs = [n for n, _ in points]
                ax_time.plot(
                    xs, [j.wall for _, j in points], style, marker="o", color=colour, label=label
                )
                if mode == "default":
                    ax_mem.plot(
                        xs,
                        [j.peak_rss / 2**20 for _, j in points],
                        marker="o",
                        color=colour,
                        label=f"{path}, RSS sum",
                    )
                    ax_mem.plot(
                        xs,
                        [j.peak_private / 2**20 for _, j in points],
                        ":",
                        marker=".",
                        color=colour,
                        label=f"{path}, private",
                    )
            if floor := report.job("floor", path, mode):
                ax_time.axhline(
                    floor.wall,
                    color=colour,
                    linestyle="--" if mode == "default" else ":",
                    linewidth=1,
                    label=f"{label} floor",
                )
    target = f"target: {mb(PEAK_BYTES)} (PSS)"
    ax_mem.axhline(PEAK_BYTES / 2**20, color="tab:red", linestyle="-.", linewidth=1, label=target)
    ax_time.set(xlabel="services", ylabel="wall time (s), median", title="Synthesis time")
    ax_mem.set(xlabel="services", ylabel="peak memory of the process tree (MB)", title="Memory")
    for ax in (ax_time, ax_mem):
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"exosphere-cdk synthesis, cdk-nag on, {report.machine['nproc']} cores,"
        f" {report.started:%Y-%m-%d}"
    )
    fig.tight_layout()
    fig.savefig(file, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main


def ints(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The synthesis benchmark.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--sizes", type=ints, default=[1, 10, 50, 100, 200], help="generated app sizes")
    add("--runs", type=int, default=3, help="runs per app, path and mode")
    add("--paths", type=names, default=list(PATHS), help="some of: inproc, cli")
    add("--examples", type=names, default=["hello", "shop"], help="apps of manifests/")
    add("--validation-sizes", type=ints, help="sizes also run with CDK_VALIDATION=true (all)")
    add("--validation-runs", type=int, default=3, help="runs with CDK_VALIDATION=true (0: none)")
    add("--sample-ms", type=float, default=25, help="memory sampling interval")
    add("--no-pss", dest="pss", action="store_false", help="skip the untimed PSS runs")
    add("--no-counts", dest="counts", action="store_false", help="skip counting jsii requests")
    add("--without-nag", action="store_true", help="also the bundled example without cdk-nag")
    add("--checkout", type=Path, default=REPO, help="the checkout whose code is synthesized")
    add("--out", type=Path, default=REPO / "bench", help="results folder")
    add("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if not args.paths or set(args.paths) - set(PATHS):
        parser.error(f"--paths: expected some of {', '.join(PATHS)}")
    if args.runs < 1 or min(args.sizes, default=1) < 1:
        parser.error("--runs and --sizes must be at least 1")
    if args.validation_sizes is None:
        args.validation_sizes = args.sizes
    args.argv = ["bench/run.py", *(sys.argv[1:] if argv is None else argv)]
    return args


def plan(args: argparse.Namespace, work: Path) -> tuple[list[Subject], list[Job]]:
    """The subjects (generating the apps) and their jobs, in the order they run each round."""
    subjects = [Subject("floor", script=FLOOR_APP)]
    for name in args.examples:  # hello is cdk.json's default: run without `-c app`
        subjects.append(Subject(name, None if name == "hello" else REPO / "manifests" / name))
    if args.without_nag:
        subjects.append(Subject(NO_NAG, script=NO_NAG_APP))
    for n in args.sizes:
        generate_app(work / "apps" / f"gen-{n}", n)
        subjects.append(Subject(f"gen-{n}", work / "apps" / f"gen-{n}", services=n))
    jobs = []
    for s in subjects:
        jobs += [Job(s, path, "default", args.runs) for path in args.paths]
        validates = s.floor or s.name == "hello" or s.services in args.validation_sizes
        if args.validation_runs > 0 and "cli" in args.paths and validates:
            jobs.append(Job(s, "cli", "validation", args.validation_runs))
    return subjects, jobs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started, clock, load = datetime.now(UTC), time.perf_counter(), os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="exosphere-bench-"))
    try:
        bench = Bench(work, args.checkout.resolve(), args.sample_ms / 1000)
        subjects, jobs = plan(args, work)
        stacks = run_all(bench, jobs, args.pss)
        counts = count_all(bench, subjects) if args.counts else {}
        report = Report(
            argv=args.argv,
            machine=machine(bench),
            started=started,
            elapsed=time.perf_counter() - clock,
            loads=(load, os.getloadavg()[0]),
            jobs={job.key: job for job in jobs},
            subjects=subjects,
            stacks=stacks,
            counts=counts,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        write_results(args.out / "results.md", render(report))
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
