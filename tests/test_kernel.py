"""jsii's kernel started without its relay (exosphere_cdk.kernel): one Node, same answers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from pathlib import Path
from typing import Any

import pytest
from jsii._kernel.providers import process

from exosphere_cdk import kernel
from tests.conftest import run_probe

linux_only = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc (Linux)"
)

#: A fresh Python that starts jsii's kernel (through kernel.install() when argv[2] says so),
#: makes a template, and reports its Node processes and what stop() left.
PROBE = r"""
import json, os, sys
from pathlib import Path
from exosphere_cdk import kernel

installed = kernel.install() if sys.argv[2] == "direct" else None
import aws_cdk as cdk
import jsii

def children(pid):
    tasks = Path(f"/proc/{pid}/task")
    return [int(c) for t in tasks.iterdir() for c in (t / "children").read_text().split()]

def cmdline(pid):
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "Probe")
cdk.CfnOutput(stack, "Joined", value=cdk.Fn.join("-", ["a", cdk.Aws.REGION]))
app.synth()
tree = {}
todo = children(os.getpid())
while todo:
    pid = todo.pop()
    tree[pid] = {"cmdline": cmdline(pid), "children": children(pid)}
    todo += tree[pid]["children"]
node = jsii.kernel.provider._process
root = kernel.cache_root()
def slot_folders():
    return sorted(p.name for p in root.glob("*") if p.is_dir() and p.name.isdigit())
slots = slot_folders()
modules = {
    p.name: p.is_symlink() for p in (root / slots[0] / "node_modules").iterdir()
} if slots else {}
fds = {fd.name: os.readlink(fd) for fd in Path(f"/proc/{max(tree)}/fd").iterdir()}
kernel_script = [arg for arg in cmdline(max(tree)) if arg.endswith(".js")][-1]
node.stop()
print(json.dumps({
    "installed": installed,
    "tree": list(tree.values()),
    "returncode": getattr(node._process, "returncode", None),
    "left": [p for p in tree if Path(f"/proc/{p}").exists()],
    "script_left": Path(kernel_script).exists(),
    "channel": fds.get("3", ""),
    "channel_fds": sorted(int(fd) for fd, target in fds.items() if target == fds.get("3")),
    "slots": slots,
    "modules": modules,
    "slots_left": slot_folders(),
}))
"""


def _probe(tmp_path: Path, how: str, **env: str) -> tuple[dict[str, Any], str]:
    """The probe's report (with its template) and stderr; the kernel's cache under tmp_path."""
    out = tmp_path / how
    environ = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    report, stderr = run_probe(PROBE, str(out), how, env=environ)
    report["template"] = json.loads((out / "Probe.template.json").read_text())
    return report, stderr


@linux_only
@pytest.mark.slow
def test_the_kernel_is_one_node_process_and_answers_as_jsiis_own_start(tmp_path: Path) -> None:
    direct, _ = _probe(tmp_path, "direct")
    relayed, _ = _probe(tmp_path, "relayed")
    assert direct["installed"] is True
    # jsii's own start: the relay, and the kernel below it.
    assert [Path(p["cmdline"][-1]).name for p in relayed["tree"]] == [
        "jsii-runtime.js",
        "program.js",
    ]
    # Started directly: the kernel alone, with the relay's flags, and nothing below it.
    [node] = direct["tree"]
    assert node["cmdline"][1:-1] == [
        "--max-old-space-size=4069",
        *kernel.RELAY_FLAGS,
        "--require",
        str(kernel.NAG_PRELOAD),
        "--require",
        str(kernel.PRELOAD),
    ]
    assert Path(node["cmdline"][-1]).parts[-2:] == ("lib", "program.js")
    assert node["children"] == []
    # Its requests on descriptor 3, a socket it holds once (no other copy kept open).
    assert direct["channel"].startswith("socket:")
    assert direct["channel_fds"] == [3]
    assert direct["template"] == relayed["template"]
    assert direct["template"]["Outputs"]["Joined"]["Value"] == {
        "Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}]]
    }
    # stop(): the kernel asked to exit, reaped with status 0, jsii's files removed.
    assert direct["returncode"] == 0
    assert direct["left"] == []
    assert direct["script_left"] is False
    # The libraries linked into the cache's first slot while it ran, and the slot gone after.
    assert direct["slots"] == ["0"]
    assert direct["modules"] == {"@aws-cdk": False, "aws-cdk-lib": True, "constructs": True}
    assert direct["slots_left"] == []
    # jsii's own start has none of it.
    assert relayed["slots"] == []


@pytest.mark.slow
def test_what_the_kernel_writes_on_stderr_reaches_ours(tmp_path: Path) -> None:
    env = {**os.environ, "JSII_DEBUG": "1"}
    _, stderr = run_probe(PROBE, str(tmp_path / "out"), "direct", env=env)
    assert "[@jsii/kernel] load" in stderr  # the kernel's own debug lines


def test_install_leaves_a_started_kernel_as_it_is() -> None:
    import aws_cdk  # noqa: F401, PLC0415 - the tests' kernel is started by jsii's own start

    start = process._NodeProcess.start
    assert kernel.install() is False
    assert process._NodeProcess.start is start


def test_install_leaves_a_jsii_runtime_of_the_users_to_jsii(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JSII_RUNTIME", "/opt/my-runtime.js")
    start = process._NodeProcess.start
    assert kernel.install() is False
    assert process._NodeProcess.start is start


def _sleeper() -> kernel.KernelChild:
    ours, theirs = socket.socketpair()
    theirs.close()
    return kernel.KernelChild(os.posix_spawnp("sleep", ["sleep", "30"], os.environ), ours)


def test_wait_gives_up_after_its_timeout_and_reports_the_exit_status() -> None:
    child = _sleeper()
    try:
        assert child.wait(0.05) is None
        os.kill(child.pid, 15)
        assert child.wait(5) == -15
        assert child.wait(0) == -15  # reaped once, remembered
    finally:
        child.close()


def test_stop_kills_a_kernel_that_does_not_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel, "STOP_TIMEOUT", 0.1)

    class Stuck:
        def __init__(self) -> None:
            self._process = _sleeper()
            self._ctx_stack = contextlib.ExitStack()
            self.cleaned = False
            self._ctx_stack.callback(setattr, self, "cleaned", True)

        def stop(self) -> None:
            kernel.stop(self)

    stuck = Stuck()
    stuck.stop()
    assert stuck._process.returncode == -signal.SIGKILL
    assert stuck.cleaned
    stuck.stop()  # a second stop (atexit, then collection) does nothing more


def test_stop_of_a_kernel_never_started_only_cleans_up() -> None:
    class Unstarted:
        def __init__(self) -> None:
            self._ctx_stack = contextlib.ExitStack()

        def stop(self) -> None:
            kernel.stop(self)

    Unstarted().stop()  # no _process: no AttributeError (jsii's own stop raises one)


#: Node's own report of its compile cache on stderr (NODE_DEBUG_NATIVE=COMPILE_CACHE).
COMPILE_CACHE_DEBUG = {"NODE_DEBUG_NATIVE": "COMPILE_CACHE"}


def _accepted(stderr: str, folder: Path) -> list[str]:
    """The modules under `folder` whose compiled code Node took from its cache."""
    prefix = "V8 code cache for CommonJS "
    return [
        line.split(prefix, 1)[1].split(" was accepted", 1)[0]
        for line in stderr.splitlines()
        if prefix in line and " was accepted" in line and f" {folder}/" in line
    ]


@linux_only
@pytest.mark.slow
def test_the_cdks_javascript_is_compiled_once_and_taken_from_the_cache_after(
    tmp_path: Path,
) -> None:
    root = tmp_path / "cache" / "exosphere-cdk" / "kernel"
    # A slot folder a killed kernel left, with a link out of it: emptied, the link not followed.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("kept")
    (root / "0" / "node_modules").mkdir(parents=True)
    (root / "0" / "left-over").write_text("")
    (root / "0" / "node_modules" / "aws-cdk-lib").symlink_to(outside)
    first, stderr_first = _probe(tmp_path, "direct", **COMPILE_CACHE_DEBUG)
    assert first["modules"] == {"@aws-cdk": False, "aws-cdk-lib": True, "constructs": True}
    assert (outside / "keep").read_text() == "kept"
    assert _accepted(stderr_first, root / "0") == []
    assert any((root / "compile-cache").iterdir())
    second, stderr_second = _probe(tmp_path, "direct", **COMPILE_CACHE_DEBUG)
    accepted = _accepted(stderr_second, root / "0")
    assert f"{root}/0/node_modules/aws-cdk-lib/core/lib/stack.js" in accepted
    assert f"{root}/0/node_modules/constructs/lib/construct.js" in accepted
    # The kernel's own script, at a new path each run, is compiled before the cache is on.
    for stderr in (stderr_first, stderr_second):
        assert "program.js" not in "".join(
            line for line in stderr.splitlines() if line.startswith("[compile cache]")
        )
    assert second["template"] == first["template"]


@linux_only
@pytest.mark.slow
def test_a_second_synthesis_at_once_takes_the_next_slot(tmp_path: Path) -> None:
    root = tmp_path / "cache" / "exosphere-cdk" / "kernel"
    held = kernel.claim_slot(root)  # another synthesis, running
    assert held is not None
    try:
        report, _ = _probe(tmp_path, "direct")
    finally:
        os.close(held.lock)
    assert report["slots"] == ["1"]
    assert report["slots_left"] == []


@pytest.mark.slow
def test_without_nodes_compile_cache_the_kernel_runs_as_jsii_makes_it(tmp_path: Path) -> None:
    report, _ = _probe(tmp_path, "direct", NODE_DISABLE_COMPILE_CACHE="1")
    [node] = report["tree"]
    assert str(kernel.PRELOAD) not in node["cmdline"]  # cdk-nag's preload is not the cache's
    assert node["cmdline"][-3:-1] == ["--require", str(kernel.NAG_PRELOAD)]
    assert report["slots"] == []


def test_slots_are_taken_in_order_one_process_each(tmp_path: Path) -> None:
    taken = [kernel.claim_slot(tmp_path) for _ in range(kernel.CACHE_SLOTS)]
    try:
        assert [slot.folder.name for slot in taken if slot] == [
            str(n) for n in range(kernel.CACHE_SLOTS)
        ]
        assert {slot.compile_cache for slot in taken if slot} == {tmp_path / "compile-cache"}
        assert kernel.claim_slot(tmp_path) is None  # all taken: no cache for this one
        os.close(taken[2].lock)  # type: ignore[union-attr]
        again = kernel.claim_slot(tmp_path)
        assert again is not None
        assert again.folder == tmp_path / "2"
        os.close(again.lock)
    finally:
        for slot in taken:
            if slot is not None:
                with contextlib.suppress(OSError):
                    os.close(slot.lock)


def test_a_cache_others_may_write_or_none_at_all_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert kernel.claim_slot(shared) is None
    (tmp_path / "file").write_text("")
    assert kernel.claim_slot(tmp_path / "file" / "kernel") is None
    monkeypatch.setenv("NODE_DISABLE_COMPILE_CACHE", "1")
    assert kernel.claim_slot(tmp_path / "mine") is None
    assert not (tmp_path / "mine").exists()


def test_a_cache_under_a_link_a_folder_others_may_write_or_someone_elses_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (tmp_path / "exo").mkdir(mode=0o700)
    (tmp_path / "exo" / "kernel").symlink_to(private)
    assert kernel.claim_slot(tmp_path / "exo" / "kernel") is None  # the folder a link
    open_folder = tmp_path / "open"
    open_folder.mkdir()
    open_folder.chmod(0o777)  # anyone may rename what is in it
    assert kernel.claim_slot(open_folder / "exo" / "kernel") is None
    open_folder.chmod(0o1777)  # sticky, as /tmp: only the owner may
    slot = kernel.claim_slot(open_folder / "exo" / "kernel")
    assert slot is not None
    os.close(slot.lock)
    assert [oct(p.stat().st_mode & 0o777) for p in (open_folder / "exo", slot.folder.parent)] == [
        "0o700",
        "0o700",
    ]
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 4242)  # the folders someone else's
    assert kernel.claim_slot(open_folder / "exo" / "kernel") is None


def test_without_a_home_folder_there_is_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert kernel.claim_slot() is None


def test_the_cache_is_under_xdg_cache_home_else_the_home_folders_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert kernel.cache_root() == tmp_path / "exosphere-cdk" / "kernel"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    home_cache = tmp_path / "home" / ".cache" / "exosphere-cdk" / "kernel"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert kernel.cache_root() == home_cache
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert kernel.cache_root() == home_cache


def test_the_docs_say_where_the_cache_is_and_how_many_slots_it_has() -> None:
    commands = " ".join((Path(__file__).parents[1] / "docs" / "commands.md").read_text().split())
    assert f"up to {kernel.CACHE_SLOTS} syntheses running at once" in commands
    assert "`$XDG_CACHE_HOME/exosphere-cdk/kernel` (`~/.cache/exosphere-cdk/kernel`;" in commands
    assert "`NODE_DISABLE_COMPILE_CACHE=1`" in commands
