"""The build context of a Dockerfile, walked as CDK's asset copy walks it (issue 19).

Every condition that would fail synthesis or surprise it is one line of
`validate`, before CDK touches a file: an unreadable file or folder, a FIFO,
socket or device, a hard link that may have a name outside the app folder,
and (a warning) a context too large to copy without a word.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.load.exo_deploy.loader import load_app
from exosphere_cdk.manifest.load.files import DockerIgnore, size_text
from tests.apps import AppFactory, problem_lines

HINT = "(or list it in .dockerignore)"
UNREADABLE_FILE = (
    "cannot read the file (permission denied), expected a readable file in the image's build"
    f" context {HINT}"
)
UNREADABLE_FOLDER = (
    "cannot read the folder (permission denied), expected a readable folder in the image's"
    f" build context {HINT}"
)
SPECIAL = f"expected a file, a folder or a symbolic link in the image's build context {HINT}"


def hard_link(names: int, inside: int) -> str:
    return (
        f"a hard link with {names} names, {inside} of them in the application folder, expected"
        " a file whose every name is inside it (another name may lie outside the app folder,"
        " and the content would be packaged into the image: copy the file instead) " + HINT
    )


@pytest.fixture
def app(make_app: AppFactory) -> Path:
    """The base app, `users` built from its Dockerfile."""
    return make_app({"users/Dockerfile": "FROM node:20\n", "users/src/index.js": "x\n"})


def deny(monkeypatch: pytest.MonkeyPatch, *denied: Path) -> None:
    """Opening or listing `denied` fails as without the permission (the tests run as root)."""
    targets = {p.absolute() for p in denied}
    real_open, real_scandir = os.open, os.scandir

    def open_(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: Any) -> int:
        if Path(path).absolute() in targets:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def scandir(path: str | os.PathLike[str]) -> Iterator[os.DirEntry[str]]:
        if Path(path).absolute() in targets:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_file_in_a_build_context(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deny(monkeypatch, (app / "users" / "src" / "index.js").resolve())
    assert problem_lines(app) == [f"app/users/src/index.js: {UNREADABLE_FILE}"]


def test_an_unreadable_folder_in_a_build_context(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deny(monkeypatch, (app / "users" / "src").resolve())
    assert problem_lines(app) == [f"app/users/src: {UNREADABLE_FOLDER}"]


def test_what_dockerignore_leaves_out_is_not_checked(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (app / "users" / ".dockerignore").write_text("# not for the image\nsrc\n")
    (app / "users" / "secret.key").write_text("k\n")
    deny(monkeypatch, (app / "users" / "src").resolve(), (app / "users" / "secret.key").resolve())
    assert problem_lines(app) == [f"app/users/secret.key: {UNREADABLE_FILE}"]
    (app / "users" / ".dockerignore").write_text("src\n*.key\n")
    assert load_app(app).problems == ()


def test_a_folder_without_dockerfile_is_not_walked(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app({"users/src/index.js": "x\n"})
    deny(monkeypatch, (app / "users" / "src").resolve())
    assert load_app(app).problems == ()


def test_a_fifo_a_socket_and_a_link_to_a_fifo(app: Path, tmp_path: Path) -> None:
    src = app / "users" / "src"
    os.mkfifo(src / "pipe")
    (src / "to-pipe").symlink_to("pipe")
    with socket.socket(socket.AF_UNIX) as sock:
        short = Path("/tmp") / f"exo-{os.getpid()}.sock"  # sun_path takes 108 bytes
        sock.bind(str(short))
        try:
            os.link(short, src / "app.sock")
        finally:
            short.unlink()
        assert problem_lines(app) == [
            f"app/users/src/app.sock: is a socket, {SPECIAL}",
            f"app/users/src/pipe: is a FIFO, {SPECIAL}",
            f"app/users/src/to-pipe: a symbolic link to a FIFO, {SPECIAL}",
        ]


def test_a_device(app: Path) -> None:
    (app / "users" / "src" / "null").symlink_to("/dev/null")
    os.mknod(app / "users" / "src" / "zero", 0o600 | 0o020000, os.makedev(1, 5))
    assert problem_lines(app) == [
        "app/users/src/null: a symbolic link to /dev/null, outside the application folder,"
        " expected a file inside it (nothing outside the app folder is read or packaged)",
        f"app/users/src/zero: is a device, {SPECIAL}",
    ]


def test_a_hard_link_out_of_the_app_folder_is_refused(app: Path, tmp_path: Path) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = x\n")
    os.link(secret, app / "users" / "src" / "config")
    assert problem_lines(app) == [f"app/users/src/config: {hard_link(2, 1)}"]


def test_hard_links_inside_the_app_folder_load(app: Path) -> None:
    os.link(app / "users" / "src" / "index.js", app / "users" / "src" / "main.js")
    os.link(app / "users" / "src" / "index.js", app / "web" / "copy.js")
    assert load_app(app).problems == ()


def test_a_hard_link_ignored_by_dockerignore_loads(app: Path, tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("c\n")
    (app / "users" / "node_modules").mkdir()
    os.link(tmp_path / "cache", app / "users" / "node_modules" / "cache")
    (app / "users" / ".dockerignore").write_text("node_modules\n")
    assert load_app(app).problems == ()


def test_a_sparse_2_gib_file_is_warned_about_without_reading_it(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (app / "users" / "disk.img").open("wb") as sparse:
        sparse.truncate(2 << 30)
    (app / "users" / "src" / "big.bin").write_bytes(b"\0" * 4096)
    real_open = os.open
    opened: list[str] = []

    def open_(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: Any) -> int:
        opened.append(os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "read", None)  # nothing is read
    loaded = load_app(app)
    assert [str(p) for p in loaded.problems] == [
        "app/users: warning: the image's build context holds 2.0 GiB, more than 512 MiB: every"
        " synthesis copies it into cdk.out (holes of sparse files included); its largest"
        " files: disk.img (2 GiB), src/big.bin (4 KiB), Dockerfile (13 bytes); list what the"
        " image does not need in app/users/.dockerignore"
    ]
    assert any(name.endswith("disk.img") for name in opened)


def test_the_size_limit_counts_only_what_is_copied(app: Path) -> None:
    with (app / "users" / "disk.img").open("wb") as sparse:
        sparse.truncate(2 << 30)
    (app / "users" / ".dockerignore").write_text("*.img\n")
    assert load_app(app).problems == ()


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (12, "12 bytes"),
        (4096, "4 KiB"),
        (1536, "1.5 KiB"),
        (512 << 20, "512 MiB"),
        (3 << 29, "1.5 GiB"),
    ],
)
def test_size_text(size: int, text: str) -> None:
    assert size_text(size) == text


@pytest.mark.parametrize(
    ("lines", "path", "ignored"),
    [
        (["src"], "src/a/b.js", True),
        (["src"], "lib/src", False),
        (["*.key"], "a.key", True),
        (["*.key"], "sub/a.key", False),
        (["**/*.key"], "sub/deep/a.key", True),
        (["**/*.key"], "a.key", True),
        (["*", "!keep"], "keep", False),
        (["*", "!keep"], "other", True),
        (["logs/", "!logs/keep.txt"], "logs/keep.txt", False),
        (["/build"], "build/x", True),
        (["a?c"], "abc", True),
        (["[^a]bc"], "xbc", True),
        (["[^a]bc"], "abc", False),
        ([r"\*"], "*", True),
        ([r"\*"], "x", False),
        (["  spaced  "], "spaced", True),
        (["# comment", ""], "# comment", False),
        (["a", "!a/b"], "a/c", True),
        (["a", "!a/b"], "a/b/c", False),
        (["**/node_modules"], "x/node_modules/y/z.js", True),
    ],
)
def test_dockerignore_patterns(lines: list[str], path: str, ignored: bool) -> None:
    assert DockerIgnore(lines).ignores(tuple(path.split("/"))) is ignored


def test_without_dockerignore_every_service_yml_is_left_out(tmp_path: Path) -> None:
    ignore = DockerIgnore.of(tmp_path)
    assert ignore.ignores(("service.yml",))
    assert ignore.ignores(("sub", "service.yml"))
    assert not ignore.ignores(("Dockerfile",))


def test_with_dockerignore_the_dockerfile_and_it_are_kept(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("*\n")
    ignore = DockerIgnore.of(tmp_path)
    assert [
        ignore.ignores((name,)) for name in ("service.yml", "x", "Dockerfile", ".dockerignore")
    ] == [
        True,
        True,
        False,
        False,
    ]


def test_a_dockerignore_that_is_a_folder(app: Path) -> None:
    (app / "users" / ".dockerignore").mkdir()
    assert problem_lines(app) == [
        "app/users/.dockerignore: is a folder, expected a file: CDK reads .dockerignore as the"
        " build context's exclusions",
    ]


def test_a_dockerignore_that_is_a_fifo_is_not_read(app: Path) -> None:
    os.mkfifo(app / "users" / ".dockerignore")  # reading it would block
    assert problem_lines(app) == [f"app/users/.dockerignore: is a FIFO, {SPECIAL}"]


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("x\n" * 600_000, "1,200,000 bytes"),
        ("".join(f"p{i}\n" for i in range(1001)), "1,001 patterns"),
    ],
    ids=["bytes", "patterns"],
)
def test_a_dockerignore_too_large_to_read(app: Path, text: str, what: str) -> None:
    """Every entry of the context is matched against every pattern: both are bounded."""
    (app / "users" / ".dockerignore").write_text(text)
    assert problem_lines(app) == [
        f"app/users/.dockerignore: a .dockerignore of {what}, expected at most 65,536 bytes"
        " and 1,000 patterns",
    ]


def test_an_unreadable_dockerignore(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (app / "users" / ".dockerignore").write_text("src\n")
    deny(monkeypatch, (app / "users" / ".dockerignore").resolve())
    real_read = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self.name == ".dockerignore":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    assert problem_lines(app) == [f"app/users/.dockerignore: {UNREADABLE_FILE}"]


def bad_pattern(pattern: str, regex: str, why: str) -> str:
    return (
        f"the pattern {pattern!r} cannot be read: CDK turns it into the regular expression"
        f" {regex!r}, which is invalid ({why}); a [, ], (, ), {{, }}, + or | meant literally is"
        " written with a backslash before it"
    )


def test_a_dockerignore_pattern_cdk_cannot_read_is_one_line_each(app: Path) -> None:
    (app / "users" / ".dockerignore").write_text("# ok\nnode_modules\n[\n!keep(\n*.log\na++\n")
    assert problem_lines(app) == [
        f"app/users/.dockerignore:3: {bad_pattern('[', '^[$', 'unterminated character set')}",
        "app/users/.dockerignore:4: "
        + bad_pattern("!keep(", "^keep($", "missing ), unterminated subpattern"),
        f"app/users/.dockerignore:6: {bad_pattern('a++', '^a++$', 'nothing to repeat')}",
    ]


@pytest.mark.parametrize(
    "pattern", ["\\[draft\\]", "foo(1)", "a{", "[]", "[^]", "[!a]", "**/*.pyc", "x\\q", "a\\"]
)
def test_dockerignore_patterns_cdk_reads_load(app: Path, pattern: str) -> None:
    (app / "users" / ".dockerignore").write_text(f"{pattern}\n")
    assert load_app(app).problems == ()


def test_a_bad_pattern_after_many_comment_lines_is_found(app: Path) -> None:
    # Over DOCKERIGNORE_MAX_PATTERNS lines, but comments: the file is read, every line checked.
    (app / "users" / ".dockerignore").write_text("# note\n" * 1_200 + "[\n")
    assert problem_lines(app) == [
        f"app/users/.dockerignore:1201: {bad_pattern('[', '^[$', 'unterminated character set')}"
    ]
