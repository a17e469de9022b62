"""`cdk synth` writes its output folder whole or not at all, and cleans up when interrupted.

In process (`synth.main()` with the environment the CDK CLI gives: CDK_OUTDIR,
CDK_CONTEXT_JSON) for the failures, which end before the CDK builds a stack;
through `python app.py` for a whole synthesis and for Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk import kernel, synth
from exosphere_cdk.manifest.load import files
from tests.apps import write_app
from tests.conftest import APP_PY, REPO, cdk_json_context

HINT = "(or list it in .dockerignore)"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A previous synthesis's output folder, as the CDK CLI passes it (and its lock)."""
    folder = tmp_path / "cdk.out"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"old": true}\n')
    (folder / "asset.old").mkdir()
    (folder / "asset.old" / "Dockerfile").write_text("FROM old\n")
    (folder / "synth.lock").write_text("1234")
    monkeypatch.setenv("CDK_OUTDIR", str(folder))
    return folder


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` and its content."""
    return {
        str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()
    }


OLD = {
    "asset.old/Dockerfile": "FROM old\n",
    "manifest.json": '{"old": true}\n',
    "synth.lock": "1234",
}


def run_main(monkeypatch: pytest.MonkeyPatch, context: dict[str, Any]) -> int:
    """`synth.main()` with `context` (jsii's Node, started before, never sees CDK_CONTEXT_JSON)."""
    new_app = synth.new_app
    monkeypatch.setattr(synth, "new_app", lambda **kwargs: new_app(context=context, **kwargs))
    return synth.main()


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".cdk.out"))


def test_an_invalid_app_leaves_the_output_folder_as_it_was(
    tmp_path: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = write_app(tmp_path, {"users/Dockerfile": "FROM node:20\n"})
    os.mkfifo(app / "users" / "pipe")
    assert run_main(monkeypatch, {"app": str(app)}) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{app}/users/pipe: is a FIFO, expected a file, a folder or a symbolic link in the"
        f" image's build context {HINT}",
        f"exo-cdk: {app} is invalid: 1 error, 0 warnings, 0 notices",
    ]
    assert tree(out) == OLD
    assert siblings(out) == []


def test_an_unreadable_file_of_a_build_context_fails_synth_with_one_line(
    tmp_path: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = write_app(tmp_path, {"users/Dockerfile": "FROM node:20\n", "users/key.pem": "k\n"})
    denied = (app / "users" / "key.pem").resolve()
    real_open = os.open

    def open_(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: Any) -> int:
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    assert run_main(monkeypatch, {"app": str(app)}) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{app}/users/key.pem: cannot read the file (permission denied), expected a readable"
        f" file in the image's build context {HINT}",
        f"exo-cdk: {app} is invalid: 1 error, 0 warnings, 0 notices",
    ]
    assert tree(out) == OLD


def test_a_bug_during_synthesis_leaves_the_output_folder_as_it_was(
    tmp_path: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(scope: Any, *args: Any, **kwargs: Any) -> None:
        (Path(scope.outdir) / "half-written.json").write_text("{")
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(synth, "build", broken)
    assert run_main(monkeypatch, {"app": str(write_app(tmp_path))}) == 70
    assert "exo-cdk: internal error: ZeroDivisionError" in capsys.readouterr().err
    assert tree(out) == OLD
    assert siblings(out) == []


def test_an_interrupted_synthesis_leaves_the_output_folder_as_it_was(
    tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(scope: Any, *args: Any, **kwargs: Any) -> None:
        (Path(scope.outdir) / "half-written.json").write_text("{")
        raise KeyboardInterrupt

    monkeypatch.setattr(synth, "build", interrupted)
    assert run_main(monkeypatch, {"app": str(write_app(tmp_path))}) == 130
    assert tree(out) == OLD
    assert siblings(out) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda tmp: (tmp / "file").write_text("x") and tmp / "file" / "cdk.out",
            "exo-cdk: error: cannot write the output folder {tmp}/file/cdk.out: {tmp}/file is a"
            " file",
        ),
        (
            lambda tmp: (tmp / "file").write_text("x") and tmp / "file",
            "exo-cdk: error: {tmp}/file is not a folder, expected the output folder",
        ),
    ],
    ids=["under-a-file", "a-file"],
)
def test_an_unusable_output_folder_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make: Any,
    message: str,
) -> None:
    monkeypatch.setenv("CDK_OUTDIR", str(make(tmp_path)))
    assert run_main(monkeypatch, {"app": str(write_app(tmp_path))}) == 2
    assert capsys.readouterr().err.splitlines() == [message.format(tmp=tmp_path)]


def test_an_output_folder_inside_a_build_context_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # CDK would copy the service folder, the output folder in it, into that output folder.
    app = write_app(tmp_path, {"users/Dockerfile": "FROM node:20\n"})
    out = app / "users" / "build" / "cdk.out"
    monkeypatch.setenv("CDK_OUTDIR", str(out))
    assert run_main(monkeypatch, {"app": str(app)}) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"exo-cdk: error: the output folder {out} is inside the build context of the service"
        f" users, {app}/users: CDK copies that folder into the output folder as the image's"
        " asset, and so into itself, until the path is too long; give -o a folder outside it"
    ]
    assert sorted(p.name for p in (app / "users").iterdir()) == [
        "Dockerfile",
        "build",
        "service.yml",
    ]
    assert list((app / "users" / "build").iterdir()) == []


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (PermissionError(13, "Permission denied"), "permission denied"),
        (OSError(30, "Read-only file system"), "read-only file system"),
    ],
    ids=["read-only-folder", "read-only-file-system"],
)
def test_an_output_folder_that_cannot_be_written_is_a_usage_error(  # noqa: PLR0917
    tmp_path: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: OSError,
    why: str,
) -> None:
    def refused(**kwargs: Any) -> str:
        raise error

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    assert run_main(monkeypatch, {"app": str(write_app(tmp_path))}) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"exo-cdk: error: cannot write the output folder {out}: {why}"
    ]
    assert tree(out) == OLD


def test_the_folders_above_the_output_folder_are_made_as_cdk_makes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "new" / "deeper" / "cdk.out"
    monkeypatch.setenv("CDK_OUTDIR", str(out))

    def built(scope: Any, *args: Any, **kwargs: Any) -> None:
        (Path(scope.outdir) / "written.json").write_text("{}")

    monkeypatch.setattr(synth, "build", built)
    monkeypatch.setattr(synth, "new_app", lambda **kwargs: _FakeApp(kwargs["outdir"]))
    assert synth.main() == 0
    assert tree(out) == {"manifest.json": "{}", "written.json": "{}"}
    assert siblings(out) == []


class _FakeApp:
    """Enough of an App for synth._synthesize: its context, its outdir, a synth that writes."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = str(outdir)
        self.node = self

    def get_all_context(self) -> dict[str, Any]:
        return {**cdk_json_context(), "app": str(REPO / "manifests" / "hello")}

    def synth(self) -> None:
        (Path(self.outdir) / "manifest.json").write_text("{}")


def test_a_read_only_output_folder_is_a_usage_error(
    tmp_path: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != out)
    assert run_main(monkeypatch, {"app": str(write_app(tmp_path))}) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"exo-cdk: error: cannot write the output folder {out}: permission denied"
    ]


def _python_app(tmp_path: Path, context: dict[str, str], **popen: Any) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        "CDK_CONTEXT_JSON": json.dumps({**cdk_json_context(), **context}),
        "TMPDIR": str(tmp_path / "tmp"),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "home" / ".cache"),
    }
    (tmp_path / "tmp").mkdir()
    return subprocess.Popen(
        APP_PY,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.mark.slow
def test_a_synthesis_replaces_the_output_folder_and_keeps_the_clis_lock(
    tmp_path: Path, out: Path
) -> None:
    with _python_app(tmp_path, {"app": str(REPO / "manifests" / "hello")}) as process:
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    names = sorted(p.name for p in out.iterdir())
    assert "asset.old" not in names
    assert "synth.lock" in names
    assert "hello-web.template.json" in names
    assert json.loads((out / "manifest.json").read_text())["artifacts"]
    assert siblings(out) == []
    assert list((tmp_path / "tmp").iterdir()) == []  # jsii's folders went with its Node


@pytest.mark.slow
def test_ctrl_c_exits_130_and_leaves_nothing_behind(tmp_path: Path, out: Path) -> None:
    """Ctrl-C reaches the whole process group: Python, and jsii's Node under it."""
    kernel_cache = tmp_path / "home" / ".cache" / "exosphere-cdk" / "kernel"
    with _python_app(
        tmp_path, {"app": str(REPO / "manifests" / "hello")}, start_new_session=True
    ) as process:
        deadline = time.monotonic() + 120
        # Interrupted once jsii's Node is unpacking or running the CDK (its folder is the
        # kernel cache's first slot under app.py; jsii's own in TMPDIR otherwise).
        while (
            not list((tmp_path / "tmp").rglob("jsii-kernel-*"))
            and not (kernel_cache / "0" / "node_modules").is_dir()
        ):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert tree(out) == OLD
    assert siblings(out) == []
    assert list((tmp_path / "tmp").iterdir()) == []
    assert list((tmp_path / "home" / ".cache" / "aws").rglob("*.lock")) == []  # jsii's
    # The kernel's slot: emptied although a signal ended the kernel, and its lock free.
    assert sorted(p.name for p in kernel_cache.iterdir() if p.is_dir()) == ["compile-cache"]
    slot = kernel.claim_slot(kernel_cache)
    assert slot is not None
    assert slot.folder.name == "0"
    os.close(slot.lock)


@pytest.mark.slow
def test_a_large_build_context_warns_and_synthesizes(
    tmp_path: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The warning of a 2 GiB context, at a threshold of 1 KiB (synthesis copies the context)."""
    monkeypatch.setattr(files, "CONTEXT_WARN_BYTES", 1024)
    app = write_app(tmp_path, {"users/Dockerfile": "FROM node:20\n"})
    (app / "users" / "data.bin").write_bytes(b"x" * 2048)
    assert run_main(monkeypatch, {"app": str(app)}) == 0
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{app}/users: warning: the image's build context holds 2.0 KiB, more than 1 KiB:"
        " every synthesis copies it into cdk.out (holes of sparse files included); its"
        " largest files: data.bin (2 KiB), Dockerfile (13 bytes);"
        f" list what the image does not need in {app}/users/.dockerignore"
    )
    assert json.loads((out / "manifest.json").read_text())["artifacts"]
