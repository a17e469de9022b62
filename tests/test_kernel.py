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
}))
"""


def _probe(tmp_path: Path, how: str) -> dict[str, Any]:
    out = tmp_path / how
    report, _ = run_probe(PROBE, str(out), how)
    report["template"] = json.loads((out / "Probe.template.json").read_text())
    return report


@linux_only
@pytest.mark.slow
def test_the_kernel_is_one_node_process_and_answers_as_jsiis_own_start(tmp_path: Path) -> None:
    direct = _probe(tmp_path, "direct")
    relayed = _probe(tmp_path, "relayed")
    assert direct["installed"] is True
    # jsii's own start: the relay, and the kernel below it.
    assert [Path(p["cmdline"][-1]).name for p in relayed["tree"]] == [
        "jsii-runtime.js",
        "program.js",
    ]
    # Started directly: the kernel alone, with the relay's flags, and nothing below it.
    [node] = direct["tree"]
    assert node["cmdline"][1:-1] == ["--max-old-space-size=4069", *kernel.RELAY_FLAGS]
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
