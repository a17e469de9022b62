"""The warm-up of jsii's Node (exosphere_cdk.warmup): what it loads, and that it is safe."""

from __future__ import annotations

import ast
import importlib
import json
import re
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk_nag
import pytest

from exosphere_cdk import warmup
from tests.conftest import EXAMPLES, REPO, run_probe
from tests.synth import Synthesized

SOURCES = [
    *(REPO / "exosphere_cdk" / "stacks").glob("*.py"),
    *(REPO / "constructs" / "exosphere_constructs").glob("*.py"),
]


def _top_level_cdk_modules() -> set[str]:
    """The aws_cdk submodules the stacks and constructs import when they are imported."""
    modules = set()
    for source in SOURCES:
        tree = ast.parse(source.read_text())
        for node in tree.body:  # module level only: imports in functions are the lazy ones
            if isinstance(node, ast.ImportFrom) and node.module == "aws_cdk":
                modules |= {a.name for a in node.names if a.name.startswith("aws_")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_cdk."):
                modules.add(node.module.split(".")[1])  # type: ignore[union-attr]
    return modules


def _has_l1_classes(module: str) -> bool:
    bindings = importlib.import_module(f"aws_cdk.{module}")
    return any(name.startswith("Cfn") for name in dir(bindings))


def test_every_cdk_module_the_stacks_import_is_warmed_up() -> None:
    imported = _top_level_cdk_modules()
    assert "aws_ec2" in imported  # the scan reads the imports
    warmed = set(warmup.MODULES) | set(warmup.NAG_MODULES)
    # Modules without L1 classes (aws_ecr_assets) have nothing to read: their JavaScript
    # comes with the modules that use them (aws_ecs).
    assert {m for m in imported - warmed if _has_l1_classes(m)} == set()
    # and MODULES holds no module the stacks no longer import (cdk-nag's are NAG_MODULES)
    assert set(warmup.MODULES) - imported == set()


def _classes(node: dict[str, Any]) -> set[str]:
    """The fqn of every construct in a tree.json node and below it."""
    found = {node.get("constructInfo", {}).get("fqn", "")}
    for child in node.get("children", {}).values():
        found |= _classes(child)
    return found


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_every_l2_class_warmed_up_is_made_for_every_example(
    synthesized: Callable[[str], Synthesized], example: str
) -> None:
    tree = json.loads((synthesized(example).outdir / "tree.json").read_text())
    made = _classes(tree["tree"])
    assert "aws-cdk-lib.aws_ec2.Vpc" in made  # the tree is read
    assert {f"aws-cdk-lib.{name}" for name in warmup.CLASSES} - made == set()
    assert len(set(warmup.CLASSES)) == len(warmup.CLASSES)


def _nag_rule_classes() -> dict[str, set[str]]:
    """The L1 classes the rules of cdk-nag's AwsSolutions pack test for, by CDK module, read
    from cdk-nag's own library (the tarball jsii loads)."""
    tarball = next((Path(cdk_nag.__file__).parent / "_jsii").glob("cdk-nag@*.jsii.tgz"))
    with tarfile.open(tarball) as archive:
        files = {
            m.name: archive.extractfile(m).read().decode()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile() and m.name.endswith(".js")
        }
    pack = files["package/lib/packs/aws-solutions.js"]
    folders = re.findall(r'require\("\.\./rules/([a-z0-9]+)"\)', pack)
    assert len(folders) > 30  # the pack's rules are read
    classes: dict[str, set[str]] = {}
    for name, source in files.items():
        if not any(name.startswith(f"package/lib/rules/{f}/") for f in folders):
            continue
        for var, module in re.findall(
            r'const (aws_[a-z0-9_]+)_1 = require\("aws-cdk-lib/(aws-[a-z0-9-]+)"\)', source
        ):
            used = set(re.findall(rf"\b{var}_1\.(Cfn\w+)", source))
            classes.setdefault(module.replace("-", "_"), set()).update(used)
    return classes


def test_the_modules_of_cdk_nags_rules_are_warmed_up_with_a_class_its_rules_use() -> None:
    rules = _nag_rule_classes()
    assert set(rules) == set(warmup.NAG_MODULES) | (set(rules) & set(warmup.MODULES))
    for module, cfn_class in {**warmup.MODULES, **warmup.NAG_MODULES}.items():
        if module in rules and module in warmup.NAG_MODULES:
            assert cfn_class in rules[module], module
    assert not set(warmup.MODULES) & set(warmup.NAG_MODULES)


# A fresh Python, as app.py starts: the warm-up runs while the main thread makes requests of
# its own to jsii's kernel (as an import that makes a CDK value does); every answer is right.
PROBE = """
import json, sys, threading
from exosphere_cdk import kernel, warmup

if sys.argv[1:] == ["installed"]:
    assert kernel.install()
warm = warmup.start()
assert warm is not None
import aws_cdk

answers = [aws_cdk.Duration.seconds(n).to_seconds() for n in range(300)]
during = warm._thread.is_alive()
warm.finish()
provider = __import__("jsii").kernel.provider
print(json.dumps({
    "answers": answers,
    "during": during,
    "read": warm.read,
    "wrapped_after": sorted(set(warmup.REQUESTS) & set(vars(provider))),
    "again": warmup.start() is None,
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("start", ["installed", "jsii's own"])
def test_the_warm_up_reads_every_module_and_the_main_thread_meanwhile_gets_its_answers(
    start: str,
) -> None:
    report, _ = run_probe(PROBE, start)
    assert report["answers"] == list(range(300))
    # A kernel of kernel.start() loads cdk-nag's modules only for resources of them.
    modules = warmup.MODULES if start == "installed" else warmup.MODULES | warmup.NAG_MODULES
    l1 = [f"aws-cdk-lib.{module}.{cfn}" for module, cfn in modules.items()]
    l2 = [f"aws-cdk-lib.{name}" for name in warmup.CLASSES]
    assert [fqn for fqn, _ in report["read"]] == [*l1, "aws-cdk-lib.region_info.FactName", *l2]
    values = [value for _, value in report["read"]]
    assert all(re.fullmatch(r"AWS::\w+::\w+", value) for value in values[: len(l1)])
    assert values[len(l1)] == "partition"
    # An L2 class's PROPERTY_INJECTION_ID is its own name (aws-cdk-lib.aws-ec2.Vpc).
    assert [v.rsplit(".", 1)[-1] for v in values[len(l1) + 1 :]] == [
        name.rsplit(".", 1)[-1] for name in warmup.CLASSES
    ]
    assert report["wrapped_after"] == []
    assert report["again"] is True  # aws_cdk is loaded: nothing to warm up


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.001)


class _Provider:
    """A kernel's provider of our own: `sget("slow")` holds until `gate` is set."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.gate = threading.Event()

    def sget(self, request: str) -> str:
        self.events.append(f"start {request}")
        if request == "slow":
            self.gate.wait(timeout=5)
        self.events.append(f"end {request}")
        return request


class _Warm(warmup.Warmup):
    """A warm-up whose thread makes one request, `warm`, once `go` is set."""

    def __init__(self, provider: _Provider) -> None:
        super().__init__(provider, [])
        self.go = threading.Event()
        self.entered: list[str] = []

    def _run(self) -> None:
        self.go.wait(timeout=5)
        self._provider.sget("warm")

    def _acquire(self) -> None:
        self.entered.append(threading.current_thread().name)
        super()._acquire()

    def waiting(self) -> int:
        return self._waiting


def _slow_request_in_flight() -> tuple[_Provider, _Warm, threading.Thread]:
    """A warm-up started (its request held until `go`) and a request `slow` of another
    thread in flight, holding the kernel until the provider's `gate` is set."""
    provider = _Provider()
    warm = _Warm(provider)
    warm.start()
    slow = threading.Thread(target=provider.sget, args=("slow",), daemon=True)
    slow.start()
    _wait_for(lambda: "start slow" in provider.events)
    return provider, warm, slow


def test_requests_wait_for_each_other_while_the_warm_up_runs() -> None:
    # The lock alone, on a provider of our own: a request of the main thread made while
    # another is in flight starts only once it has ended.
    provider = _Provider()
    events = provider.events
    warm = warmup.Warmup(provider, [])
    warm.lock()
    slow = threading.Thread(target=provider.sget, args=("slow",))
    slow.start()
    _wait_for(lambda: "start slow" in events)
    fast = threading.Thread(target=provider.sget, args=("fast",))
    fast.start()
    fast.join(timeout=0.2)
    assert events == ["start slow"]
    provider.gate.set()
    slow.join()
    fast.join()
    assert events == ["start slow", "end slow", "start fast", "end fast"]
    warm.finish()
    assert "sget" not in vars(provider)


def test_the_kernels_requests_go_unlocked_once_the_warm_up_has_made_its_last() -> None:
    import jsii  # noqa: PLC0415 - this process's kernel, started by the imports above

    provider = jsii.kernel.provider
    warm = warmup.Warmup(provider, [("aws_ec2.CfnVPC", "CFN_RESOURCE_TYPE_NAME")]).start()
    warm._thread.join(timeout=30)
    # Before finish(): the thread's last request made, nothing left to wait for.
    assert set(warmup.REQUESTS) & set(vars(provider)) == set()
    assert warm.read == [("aws-cdk-lib.aws_ec2.CfnVPC", "AWS::EC2::VPC")]
    warm.finish()


def _race() -> list[str]:
    """The order of the warm-up's request and a later one of another thread, both waiting."""
    provider, warm, slow = _slow_request_in_flight()
    warm.go.set()  # the warm-up's request waits for the slow one
    _wait_for(lambda: "exo-cdk-warmup" in warm.entered)
    later = threading.Thread(target=provider.sget, args=("later",), daemon=True)
    later.start()
    _wait_for(lambda: warm.waiting() == 1)
    provider.gate.set()
    for thread in (slow, later):
        thread.join(timeout=5)
    warm.finish()
    return provider.events


def test_a_request_of_the_main_thread_goes_before_the_warm_ups_next_one() -> None:
    # The warm-up's reads fill the kernel's idle time: one that waits lets a request of
    # the main thread (which builds the stacks) go first, though it came later. Ten times:
    # without the priority, which of the two goes first is left to the threads.
    for _ in range(10):
        assert _race() == [
            "start slow",
            "end slow",
            "start later",
            "end later",
            "start warm",
            "end warm",
        ]


def test_a_request_interrupted_while_it_waits_does_not_hold_the_warm_up_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ctrl-C while the main thread waits for the kernel: the warm-up's next request still
    # goes, and finish() returns (synth.main calls it on the way out).
    class Interrupted(threading.Condition):
        armed = False

        def wait(self, timeout: float | None = None) -> bool:
            if Interrupted.armed:
                Interrupted.armed = False
                raise KeyboardInterrupt
            return super().wait(timeout)

    monkeypatch.setattr(threading, "Condition", Interrupted)
    provider, warm, slow = _slow_request_in_flight()
    Interrupted.armed = True
    with pytest.raises(KeyboardInterrupt):
        provider.sget("interrupted")
    warm.go.set()
    provider.gate.set()
    slow.join(timeout=5)
    finishing = threading.Thread(target=warm.finish, daemon=True)
    finishing.start()
    finishing.join(timeout=5)
    assert not finishing.is_alive()
    assert provider.events == ["start slow", "end slow", "start warm", "end warm"]


def test_a_request_made_while_one_is_in_flight_on_the_same_thread_does_not_wait() -> None:
    # jsii answers a callback from JavaScript with a request inside the one in flight.
    provider_calls: list[str] = []

    class Provider:
        def invoke(self, request: str) -> str:
            provider_calls.append(request)
            if request == "outer":
                provider.complete("inner")
            return request

        def complete(self, request: str) -> str:
            provider_calls.append(request)
            return request

    provider = Provider()
    warm = warmup.Warmup(provider, [])
    warm.lock()
    done = threading.Thread(target=provider.invoke, args=("outer",), daemon=True)
    done.start()
    done.join(timeout=5)
    assert not done.is_alive()
    assert provider_calls == ["outer", "inner"]
    assert provider.invoke("again") == "again"  # and the kernel is free after it
    warm.finish()
