"""jsii's kernel started as one Node process, without the relay Node process jsii puts before it.

jsii's Python runtime starts `node bin/jsii-runtime.js`, a relay: that Node
process spawns a second one (`lib/program.js`, the kernel, which reads and
writes its requests on file descriptor 3), copies every request and every
response between its own stdin/stdout and the kernel's descriptor 3, and wraps
the kernel's stdout and stderr into JSON lines on its own stderr. So every
request crosses two pipes and three processes, and the relay's Node holds about
60 MB (RSS; 20-30 MB of it its own) for as long as the synthesis runs.

`install()` makes jsii start the kernel itself: `node --max-old-space-size=4069
--preserve-symlinks lib/program.js` (the relay's own command line for it), with
one end of a socket pair as its descriptor 3 and the other end as the pipe
jsii's provider reads and writes; the kernel's stdout and stderr are this
process's. The files run are jsii's own, written where jsii writes them. Where
it cannot do the same (no `os.posix_spawnp`, a `JSII_RUNTIME` of the user's,
jsii's files not where this expects them, Node already started) jsii's own
start is left as it is. What is sent and answered is unchanged, so the
templates are too. What the relay also does and this does not: warn of a Node
version jsii does not support (`scripts/setup` installs a supported one), and
forward Ctrl-C to the kernel (it is in this process's group, and a kernel whose
pipe closes exits).

It also keeps what Node compiles of the CDK's JavaScript from one synthesis to
the next (Node's compile cache): about a fifth of a small app's synthesis is
Node compiling the modules it requires. The kernel links the libraries it loads
into a folder of a new name every run, and the cache keys a module by its path,
so `claim_slot()` locks one of CACHE_SLOTS folders of the cache's (one per
synthesis running at once; with all of them taken, a synthesis runs without the
cache) and the kernel is started with `kernel_preload.cjs`, which makes that
folder the kernel's and turns the compile cache on. Node checks each cached
entry against the module's source, so an upgraded library is compiled again.
The cache is `$XDG_CACHE_HOME/exosphere-cdk/kernel` (`~/.cache/...`), used only
where no one else can change it (`_private`: checked up to /), with no home
folder not at all; `NODE_DISABLE_COMPILE_CACHE=1` (Node's own switch) runs
without it.

Every kernel it starts also loads `kernel_nag_modules.cjs`: cdk-nag's rules get
the CDK module of the L1 class they test for only once a resource of that module
exists (about 95 modules, 25 MB of the kernel's heap, of which an app of ours
needs a dozen), with the same findings.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import platform
import shutil
import signal
import socket
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from exosphere_cdk.reporting import jsii_node

#: What jsii's relay (bin/jsii-runtime.js) puts on the kernel's command line, after
#: jsii's own `--max-old-space-size=4069`: the kernel's script, relative to the relay's.
RELAY_FLAGS = ("--preserve-symlinks",)
KERNEL_SCRIPT = Path("..", "lib", "program.js")
#: How long `stop()` waits for the kernel to exit once asked, as jsii's own stop does.
STOP_TIMEOUT = 5.0
#: jsii's own `_NodeProcess.stop`, once install() has replaced it: for a kernel it started.
JSII_STOP: list[Any] = [None]
#: Loaded into the kernel (`--require`) when it has a slot: its folder fixed, the cache on.
PRELOAD = Path(__file__).with_name("kernel_preload.cjs")
#: Loaded into every kernel this starts (`--require`): cdk-nag's rules load the CDK module of a
#: class they test for only once a resource of that module exists (see the file).
NAG_PRELOAD = Path(__file__).with_name("kernel_nag_modules.cjs")
#: How many syntheses may each hold a kernel folder of the cache's at once.
CACHE_SLOTS = 8


@dataclass(frozen=True)
class Slot:
    """A kernel folder of the cache's, locked for one kernel: `lock` is the locked descriptor."""

    folder: Path
    compile_cache: Path
    lock: int


def cache_root() -> Path:
    """The kernel's cache: `$XDG_CACHE_HOME/exosphere-cdk/kernel`, else under `~/.cache` (a
    relative XDG_CACHE_HOME is ignored, as the XDG specification says)."""
    xdg = Path(os.environ.get("XDG_CACHE_HOME", ""))
    base = xdg if xdg.is_absolute() else Path.home() / ".cache"
    return base / "exosphere-cdk" / "kernel"


def claim_slot(root: Path | None = None) -> Slot | None:
    """The first of CACHE_SLOTS kernel folders no other process holds, locked (flock) for
    this one; None with the compile cache switched off, no home folder, all of them taken, or
    a cache that is not this user's alone (another user could plant what Node would load)."""
    if os.environ.get("NODE_DISABLE_COMPILE_CACHE"):
        return None
    try:
        import fcntl  # noqa: PLC0415 - POSIX only, as install() is

        root = cache_root() if root is None else root
        root.parent.parent.mkdir(parents=True, exist_ok=True)
        for folder in (root.parent, root):  # the cache's own folders: this user's alone
            folder.mkdir(mode=0o700, exist_ok=True)
        if not _private(root):
            return None
    except (ImportError, OSError, RuntimeError, KeyError):  # Path.home(): no HOME, no user
        return None
    for number in range(CACHE_SLOTS):
        try:
            lock = os.open(root / f"{number}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue
        return Slot(root / str(number), root / "compile-cache", lock)
    return None


def _private(root: Path) -> bool:
    """Whether only this user can change what `root` holds: `root` and its parent (the cache's
    own folders) this user's, not links, writable by no one else; every folder above them
    this user's or root's, and writable by others only when sticky (as /tmp is)."""
    me = os.getuid()
    others = stat.S_IWGRP | stat.S_IWOTH
    for folder in (root.parent, root):
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != me or info.st_mode & others:
            return False
    for folder in root.parent.parents:
        info = folder.stat()
        if info.st_uid not in (me, 0) or (
            info.st_mode & others and not info.st_mode & stat.S_ISVTX
        ):
            return False
    return True


class KernelChild:
    """The kernel's process as jsii's provider uses it: `stdin`/`stdout`, here one socket."""

    def __init__(self, pid: int, channel: socket.socket, slot: Slot | None = None) -> None:
        self.pid = pid
        self.stdin: IO[bytes] = channel.makefile("wb")
        self.stdout: IO[bytes] = channel.makefile("rb")
        self._channel = channel
        self.slot = slot
        self.returncode: int | None = None
        self._closed = False

    def wait(self, timeout: float) -> int | None:
        """The exit status, waiting at most `timeout` seconds (None: still running)."""
        deadline = time.monotonic() + timeout
        pause = 0.001
        while self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
            elif time.monotonic() >= deadline:
                break
            else:
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        return self.returncode

    def close(self) -> None:
        """Closes the socket; with the kernel ended, empties and releases its slot. Once."""
        if self._closed:
            return
        self._closed = True
        if self.slot is not None and self.returncode is not None:
            # What the kernel removes at exit, unless a signal ended it (Ctrl-C): links only.
            shutil.rmtree(self.slot.folder, ignore_errors=True)
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self._channel.close()
        if self.slot is not None:  # the kernel holds the lock too, until it exits
            with contextlib.suppress(OSError):
                os.close(self.slot.lock)


def start(process: Any) -> None:
    """`_NodeProcess.start`, with the kernel spawned directly (see the module)."""
    environ = os.environ.copy()
    environ["JSII_AGENT"] = f"Python/{platform.python_version()}"
    node = jsii_node()
    script = Path(process._jsii_runtime()).parent / KERNEL_SCRIPT
    args = [node, "--max-old-space-size=4069", *RELAY_FLAGS]
    if NAG_PRELOAD.is_file():
        args += ["--require", str(NAG_PRELOAD)]
    slot = claim_slot() if PRELOAD.is_file() else None
    if slot is not None:
        args += ["--require", str(PRELOAD)]
        environ["EXO_CDK_KERNEL_FOLDER"] = str(slot.folder)
        environ["EXO_CDK_COMPILE_CACHE"] = str(slot.compile_cache)
    try:
        ours, theirs = socket.socketpair()
    except BaseException:
        if slot is not None:
            os.close(slot.lock)
        raise
    try:
        if theirs.fileno() == 3:  # dup2 onto itself would keep its close-on-exec flag
            theirs.set_inheritable(True)
        if slot is not None:  # the kernel holds the slot's lock for as long as it runs
            os.set_inheritable(slot.lock, True)
        try:
            pid = os.posix_spawnp(
                node,
                [*args, os.path.normpath(script)],
                environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, theirs.fileno(), 3),
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                ],
            )
        finally:
            theirs.close()
            if slot is not None:
                os.set_inheritable(slot.lock, False)
    except BaseException:
        ours.close()
        if slot is not None:
            os.close(slot.lock)
        raise
    process._process = KernelChild(pid, ours, slot)
    atexit.register(process.stop)
    process.handshake()


def stop(process: Any) -> None:
    """`_NodeProcess.stop`: ask the kernel to exit, wait for it (else kill it), clean up."""
    child = process.__dict__.get("_process")
    if child is not None and not isinstance(child, KernelChild):
        JSII_STOP[0](process)  # started by jsii's own start: stopped by its own stop
        return
    atexit.unregister(process.stop)
    if child is not None and child.returncode is None:
        with contextlib.suppress(OSError):
            child.stdin.write(b'{"exit":0}\n')
            child.stdin.flush()
        if child.wait(STOP_TIMEOUT) is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(STOP_TIMEOUT)
    if child is not None:
        child.close()
    process._ctx_stack.close()


def _started(provider_class: Any) -> bool:
    """Whether jsii's provider has started its Node (its `_process` is memoized in a closure
    cell named `stored`); True when that cannot be read, so that nothing is changed."""
    getter = getattr(provider_class.__dict__.get("_process"), "fget", None)
    code, closure = getattr(getter, "__code__", None), getattr(getter, "__closure__", None)
    if code is None or closure is None:
        return True
    stored = dict(zip(code.co_freevars, closure, strict=True)).get("stored")
    return stored is None or bool(stored.cell_contents)


def installed() -> bool:
    """Whether jsii's provider will start its kernel as `start()` does (with NAG_PRELOAD)."""
    from jsii._kernel.providers import process  # noqa: PLC0415

    return process._NodeProcess.start is start and NAG_PRELOAD.is_file()


def install() -> bool:
    """jsii's provider made to start its kernel directly; False where it is left as it is."""
    if not hasattr(os, "posix_spawnp") or "JSII_RUNTIME" in os.environ:
        return False
    from jsii._embedded import jsii as embedded  # noqa: PLC0415
    from jsii._kernel.providers import process  # noqa: PLC0415

    relay = Path(embedded.EMBEDDED_FILES.get(embedded.ENTRYPOINT, ""))
    kernel = os.path.normpath(relay.parent / KERNEL_SCRIPT)
    if kernel not in {os.path.normpath(f) for f in embedded.EMBEDDED_FILES.values()}:
        return False
    if _started(process.ProcessProvider):
        return False
    node_process = process._NodeProcess
    if node_process.start is not start:
        JSII_STOP[0] = node_process.stop
        setattr(node_process, "start", start)  # noqa: B010 - a method of jsii's, replaced
        setattr(node_process, "stop", stop)  # noqa: B010
    return True
