"""Fuzzing the loader: any input ends in a LoadedApp or a ManifestError of one-line problems.

Two families of inputs, both deterministic (`derandomize=True`) and bounded:
random YAML documents (dumped from random values, or assembled from YAML's odd
tokens: anchors, tags, tabs, merge keys, flow collections, directives) written
as application.yml and service.yml; and the examples in manifests/ mutated
(a key deleted, a value of another type, a key with a typo, a key duplicated
in the text, the text truncated, random bytes inserted). Issue 19 adds tags on
every node kind, odd files in a build context (file types, permissions, links,
hard links, sparse files) and values near the file limit at every key, each
load within LOAD_SECONDS.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import os
import shutil
import socket
import stat
import string
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exosphere_cdk.manifest.errors import ManifestError, Problem, UsageError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops.assembly import synthesize_into
from tests.apps import BASE, write_app
from tests.conftest import EXAMPLES as OUR_EXAMPLES

FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# ---------------------------------------------------------------- the property


def check_outcome(app_dir: Path) -> None:
    """Loading `app_dir` gives a LoadedApp or a ManifestError; every problem is one line
    that starts with the file it is about."""
    try:
        problems: tuple[Problem, ...] = tuple(load_app(app_dir, "production").problems)
    except ManifestError as exc:
        problems = exc.problems
        assert problems, "a ManifestError without problems"
        assert any(p.is_error for p in problems)
    except UsageError as exc:
        # A Go-era F5 app without the environment asked for (production, here): Exosphere's
        # own usage error, which names the app's environments (docs/manifest.md).
        assert str(exc).startswith("Invalid remote environment id: production. "), str(exc)
        problems = ()
    for problem in problems:
        line = str(problem)
        assert len(line.splitlines()) == 1, repr(line)
        assert problem.file, repr(line)
        assert line.startswith(problem.file), repr(line)
        assert Path(problem.file).name in {"application.yml", "service.yml"}, repr(line)


def in_temp_app(write: Callable[[Path], None]) -> None:
    """Write an app with `write` into a fresh folder and check loading it."""
    root = Path(tempfile.mkdtemp(prefix="exo-fuzz-"))
    try:
        app = root / "app"
        app.mkdir()
        write(app)
        check_outcome(app)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- random YAML documents

odd_text = st.text(
    alphabet=st.sampled_from(
        [
            *"abcxyz-_.:/ '\"#&*!%@`{}[]\\|>\t",
            *"\x00\x07\x85\u2028\ufeff\r\x0b\x1c",
            *"é日\U0001f600",
        ]
    ),
    max_size=12,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.datetimes(),
    odd_text,
    st.binary(max_size=8),
    st.sampled_from(["yes", "no", "on", "off", "~", "0x1F", "0o17", "1e3", ".inf", "1_000"]),
)
keys = st.one_of(
    odd_text,
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.dates(),
    st.sampled_from(["name", "services", "public", "private", "location", "messages", "aws"]),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=12,
)

#: Pieces of YAML syntax, mixed in raw text.
TOKENS = [
    "a: 1\n", "b:\n", "  - x\n", "- y\n", "c: &anchor {k: v}\n", "d: *anchor\n", "e: *missing\n",
    "<<: *anchor\n", "? [complex, key]\n: value\n", "f: !!binary aGVsbG8=\n",
    "g: !!python/name:os.system\n", "h: !custom tag\n", "\tindented: tab\n", "---\n", "...\n",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "z: !!int nope\n", '"q\\r\\nk": 1\n',
    "i: {unclosed\n", "j: [1, 2\n", "k: 'quote\n", 'l: "esc \\x00 \\u2028"\n', "m: |\n  block\n",
    "n: >-\n  folded\n", "o: 2001-12-14t21:59:43.10-05:00\n", "p: 0b101\n", "q: 1:20\n",
    "services:\n", "  public:\n", "    web:\n", "      location: ./web\n", "name: x\n",
    "r: &self [*self]\n", "# comment\n", "s: @reserved\n", "t: `backtick\n", "\ufeffu: bom\n",
    "v: 1e400\n", "w: 123456789012345678901234567890\n", "x: .nan\n", "   \n", "y: ~\n",
    # tags on every node kind (issue 19): mappings, lists, keys, the document itself
    "aa: !Ref {k: v}\n", "ab: !!set {x: null}\n", "ac: !GetAtt [a, b]\n", "!!map\n",
    "ad: !!python/object/apply:os.system [id]\n", "ae: !!omap [{a: 1}]\n", "!k af: 1\n",
    "ag: !!seq\n  - x\n", "ah: !!map\n  k: v\n", "--- !Ref\n",
]  # fmt: skip
raw_yaml = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)


def dumped(value: Any) -> str:
    return yaml.dump(value, allow_unicode=True, sort_keys=False)


mappings = st.dictionaries(keys, values, min_size=1, max_size=6)
documents = st.one_of(
    values.map(dumped), mappings.map(dumped), raw_yaml, st.builds(str.__add__, raw_yaml, raw_yaml)
)

APPLICATION = """\
name: fuzz
bus: {type: exocom, version: 0.21.8}
services:
  public:
    web: {location: ./web}
  private:
    users: {location: ./users}
"""


@FUZZ
@pytest.mark.slow
@given(application=documents, service=documents)
def test_random_documents_as_application_yml(application: str, service: str) -> None:
    def write(app: Path) -> None:
        (app / "application.yml").write_text(application)
        (app / "web").mkdir()
        (app / "web" / "service.yml").write_text(service)

    in_temp_app(write)


@FUZZ
@pytest.mark.slow
@given(web=documents, users=documents)
def test_random_documents_as_service_yml(web: str, users: str) -> None:
    def write(app: Path) -> None:
        (app / "application.yml").write_text(APPLICATION)
        for role, text in (("web", web), ("users", users)):
            (app / role).mkdir()
            (app / role / "service.yml").write_text(text)

    in_temp_app(write)


# ---------------------------------------------------------------- mutated examples

EXAMPLES = OUR_EXAMPLES


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path (mapping keys and list indexes) inside `value`."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return out
    for key, child in items:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def _typo(key: str, data: st.DataObject) -> str:
    if not key:
        return "x"
    i = data.draw(st.integers(0, len(key) - 1))
    kind = data.draw(st.sampled_from(["drop", "swap", "double", "case"]))
    if kind == "drop":
        return key[:i] + key[i + 1 :] or "x"
    if kind == "swap" and i + 1 < len(key):
        return key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    if kind == "case":
        return key.upper()
    return key[:i] + key[i] + key[i:]


def mutate_structure(text: str, data: st.DataObject) -> str:
    """Delete a key, change a value's type or misspell a key, then dump the document."""
    doc = yaml.safe_load(text)
    paths = _paths(doc)
    if not paths:
        return text
    path = data.draw(st.sampled_from(paths), label="path")
    parent = _parent(doc, path)
    last = path[-1]
    action = data.draw(st.sampled_from(["delete", "retype", "typo"]), label="action")
    if action == "delete":
        del parent[last]
    elif action == "retype":
        parent[last] = data.draw(values, label="value")
    elif isinstance(parent, dict) and isinstance(last, str):
        renamed = {(_typo(k, data) if k == last else k): v for k, v in parent.items()}
        parent.clear()
        parent.update(renamed)
    return dumped(doc)


def mutate_text(raw: bytes, data: st.DataObject) -> bytes:
    """Duplicate a `key:` line, truncate, or insert random bytes."""
    action = data.draw(st.sampled_from(["duplicate", "truncate", "insert"]), label="text action")
    if action == "duplicate":
        lines = raw.splitlines(keepends=True)
        keyed = [
            i for i, line in enumerate(lines) if b":" in line and not line.lstrip().startswith(b"#")
        ]
        if not keyed:
            return raw
        i = data.draw(st.sampled_from(keyed), label="line")
        return b"".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    at = data.draw(st.integers(0, len(raw)), label="at")
    if action == "truncate":
        return raw[:at]
    noise = data.draw(st.binary(min_size=1, max_size=6), label="bytes")
    return raw[:at] + noise + raw[at:]


@FUZZ
@pytest.mark.slow
@given(example=st.sampled_from(sorted(EXAMPLES)), data=st.data())
def test_mutated_examples(example: str, data: st.DataObject) -> None:
    def write(app: Path) -> None:
        shutil.rmtree(app)
        shutil.copytree(EXAMPLES[example], app)
        files = sorted(app.rglob("*.yml"))
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            file = data.draw(st.sampled_from(files), label="file")
            raw = file.read_bytes()
            if data.draw(st.booleans(), label="structural"):
                try:
                    text = raw.decode("utf-8")
                    yaml.safe_load(text)
                except (UnicodeDecodeError, yaml.YAMLError):
                    file.write_bytes(mutate_text(raw, data))
                    continue
                file.write_text(mutate_structure(text, data))
            else:
                file.write_bytes(mutate_text(raw, data))

    in_temp_app(write)


def test_the_examples_load() -> None:
    """The unmutated examples are valid (else the mutations above would prove little)."""
    for directory in EXAMPLES.values():
        assert load_app(directory, "production").services


# ---------------------------------------------------------------- crashes found by the fuzzing

#: Minimal inputs that crash the loader with PyYAML's exceptions instead of a ManifestError:
#: control characters are refused by PyYAML's Reader, created before parse_yaml's `try`; an
#: explicit tag is resolved by PyYAML's constructors after it, where ValueError, KeyError and
#: ConstructorError are not caught.
PYYAML_ESCAPES = {
    "control character": "name: a\x07b\n",
    "NUL": "\x00",
    "unknown local tag": "name: !x y\n",
    "python tag": "name: !!python/name:os.system\n",
    "bad !!int": "name: !!int abc\n",
    "bad !!float": "name: !!float x\n",
    "bad !!bool": "name: !!bool maybe\n",
    "!!seq on a scalar": "name: !!seq x\n",
}


@pytest.mark.parametrize("text", list(PYYAML_ESCAPES.values()), ids=list(PYYAML_ESCAPES))
def test_pyyaml_errors_become_one_line_problems(text: str, tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "application.yml").write_text(text)
    with pytest.raises(ManifestError) as caught:
        load_app(app, "production")
    for problem in caught.value.problems:
        assert len(str(problem).splitlines()) == 1


@pytest.mark.parametrize("key", ["\\x1C", "\\u2028", "q\\r\\nk"])
def test_line_breaks_in_keys_are_escaped(key: str, tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "application.yml").write_text(f'"{key}": null\n')
    with pytest.raises(ManifestError) as caught:
        load_app(app, "production")
    for problem in caught.value.problems:
        assert len(str(problem).splitlines()) == 1, repr(str(problem))


# ---------------------------------------------------------------- hostile strings (issue 11)

HOSTILE_FUZZ = settings(FUZZ, max_examples=50)
#: One synthesis takes seconds: a few examples only.
SYNTH_FUZZ = settings(FUZZ, max_examples=10)

#: Strings an attacker or an unlucky user might write: dynamic references and tokens, NULs and
#: control characters, huge strings, path traversal, link names, line separators, YAML syntax,
#: credentials, shell syntax.
HOSTILE = [
    "{{resolve:secretsmanager:prod/db}}", "{{ RESOLVE : ssm:/x }}", "{{resolve:ssm-secure:p:1}}",
    "${Token[TOKEN.12]}", "#{Token[TOKEN.7]}", "${AWS::AccountId}", "${Token[", "{{resolve:",
    '{"Ref": "AWS::Region"}', "Fn::GetAtt", "\x00", "a\x00b", "x" * 6000, "é" * 3000,
    "../../etc/passwd", "/etc/passwd", "./web/../../outside", "..", ".", "./out", "./loop",
    "./out/secret", "web -> /etc", "\u2028", "\u2029", "\x85", "\r\n", "\t", "\ufeff", "\x1b[31m",
    "&anchor", "*alias", "<<", "!!python/object:os.system", "%YAML 1.1", "---", "? x", "- y",
    "-----BEGIN PRIVATE KEY-----", "AKIAIOSFODNN7EXAMPLE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "mongodb://u:p@h", "$(id)", "`id`", "'; rm -rf / #", '"', "'", "\\", "%s%n", "日本😀",
    "", " ", "~", "null", "true", "0x10", "1e400", "web", "users.list", "/health",
]  # fmt: skip
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), max_size=3).map("".join),
)
#: Where a hostile string goes: a key path of one of the two manifests.
PLACES = [
    ("application.yml", ("name",)),
    ("application.yml", ("slug",)),
    ("application.yml", ("description",)),
    ("application.yml", ("services", "public", "web", "location")),
    ("application.yml", ("services", "private", "users", "location")),
    ("application.yml", ("services", "private", "users", "docker_image")),
    ("application.yml", ("environments", "production", "domain")),
    ("web/service.yml", ("production", "url")),
    ("web/service.yml", ("production", "aws", "health-check-path")),
    ("web/service.yml", ("startup", "command")),
    ("web/service.yml", ("messages", "sends", 0)),
    ("users/service.yml", ("production", "environment", "VALUE")),
    ("users/service.yml", ("production", "environment", "<name>")),
    ("users/service.yml", ("production", "secrets", "SECRET")),
    ("users/service.yml", ("type",)),
]


def _set(doc: Any, path: tuple[Any, ...], value: str) -> None:
    """`value` at `path` of `doc` (mappings made on the way; an index into a list as is)."""
    for part in path[:-1]:
        doc = doc.setdefault(part, {})
    last = path[-1]
    if last == "<name>":  # the string as a variable's name
        doc[value] = "1"
    else:
        doc[last] = value


def write_hostile_app(app: Path, placed: list[tuple[tuple[str, tuple[Any, ...]], str]]) -> None:
    """tests/apps.py's BASE with the hostile strings placed; beside it, a folder `outside` that
    `out` links to, a link loop `loop`, and a Dockerfile in web whose folder links out."""
    docs: dict[str, Any] = {name: copy.deepcopy(doc) for name, doc in BASE.items()}
    docs["web/service.yml"]["startup"] = {"command": "node server.js"}
    for (file, path), value in placed:
        _set(docs[file], path, value)
    for name, doc in docs.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(yaml.safe_dump(doc, allow_unicode=False, sort_keys=False))
    outside = app.parent / "outside"
    outside.mkdir()
    (outside / "secret").write_text("hunter2\n")
    (app / "out").symlink_to(outside)
    (app / "loop").symlink_to("loop2")
    (app / "loop2").symlink_to("loop")
    (app / "web" / "Dockerfile").write_text("FROM node:20\n")
    (app / "web" / "shared").symlink_to("../../outside")


def check_hostile_outcome(app_dir: Path) -> LoadedApp | None:
    """Loading gives a LoadedApp, or a ManifestError whose problems are one line each, about a
    file of the app folder; never another exception."""
    loaded: LoadedApp | None = None
    try:
        loaded = load_app(app_dir, "production")
        problems: tuple[Problem, ...] = tuple(loaded.problems)
    except ManifestError as exc:
        assert exc.errors
        problems = exc.problems
    root = os.path.normpath(app_dir.absolute()) + os.sep
    for problem in problems:
        line = str(problem)
        assert len(line.splitlines()) == 1, repr(line)
        assert os.path.normpath(Path(problem.file).absolute()).startswith(root), repr(line)
        for secret in ("hunter2", "AKIAIOSFODNN7EXAMPLE", "sk_live_4eC39"):
            if "warning" in line:
                assert secret not in line, repr(line)
    return loaded


placements = st.lists(st.tuples(st.sampled_from(PLACES), hostile), min_size=1, max_size=4)


@HOSTILE_FUZZ
@pytest.mark.slow
@given(placed=placements)
def test_hostile_strings_through_the_loader_and_checks(
    placed: list[tuple[tuple[str, tuple[Any, ...]], str]],
) -> None:
    root = Path(tempfile.mkdtemp(prefix="exo-fuzz-"))
    try:
        app = root / "app"
        app.mkdir()
        write_hostile_app(app, placed)
        loaded = check_hostile_outcome(app)
        # The link out of web's build context is always refused: nothing outside is packaged.
        assert loaded is None
    finally:
        shutil.rmtree(root, ignore_errors=True)


@HOSTILE_FUZZ
@pytest.mark.slow
@given(value=hostile, name=hostile)
def test_hostile_strings_behind_yaml_anchors(value: str, name: str) -> None:
    """The strings as anchored values reused through aliases, and as keys."""
    root = Path(tempfile.mkdtemp(prefix="exo-fuzz-"))
    try:
        app = root / "app"
        write_app(root, {})
        quoted = json.dumps(value)  # a YAML double-quoted scalar
        (app / "users" / "service.yml").write_text(
            "type: users\nauthor: demo\nmessages: {receives: [users.list], sends: [users.listed]}\n"
            f"production:\n  environment:\n    A: &v {quoted}\n    B: *v\n"
            f"    {json.dumps(name)}: *v\n  aws: &aws {{memory: 64}}\n"
        )
        check_hostile_outcome(app)
    finally:
        shutil.rmtree(root, ignore_errors=True)


#: Where a hostile string goes in the synthesis property: what reaches a task definition.
SYNTH_PLACES = [
    ("users/service.yml", ("production", "environment", "VALUE")),
    ("users/service.yml", ("production", "environment", "<name>")),
    ("web/service.yml", ("startup", "command")),
    ("web/service.yml", ("production", "aws", "health-check-path")),
]


@SYNTH_FUZZ
@pytest.mark.slow
@given(placed=st.lists(st.tuples(st.sampled_from(SYNTH_PLACES), hostile), min_size=1, max_size=3))
def test_hostile_values_end_in_a_synthesis_or_a_manifest_error(
    placed: list[tuple[tuple[str, tuple[Any, ...]], str]],
) -> None:
    """Loaded, checked and synthesized in-process (cdk-nag and the reference scan included):
    a valid app synthesizes, an invalid one is a ManifestError, nothing else is raised."""
    root = Path(tempfile.mkdtemp(prefix="exo-fuzz-"))
    try:
        app = write_app(root, {"web/service.yml": {"startup": {"command": "node server.js"}}})
        docs = {
            name: yaml.safe_load((app / name).read_text())
            for name in ("users/service.yml", "web/service.yml")
        }
        for (file, path), value in placed:
            _set(docs[file], path, value)
        for name, doc in docs.items():
            (app / name).write_text(yaml.safe_dump(doc, sort_keys=False))
        loaded = check_hostile_outcome(app)
        if loaded is not None:
            stacks = synthesize_into(loaded, root / "cdk.out")
            assert f"{loaded.slug}-users" in stacks
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- the file system (issue 19)

#: Every whole load of these properties ends within this much CPU time: a 1 MB value takes
#: about a second to parse (pure-Python YAML), the file-system walk a few milliseconds.
LOAD_SECONDS = 3.0
FILES_FUZZ = settings(FUZZ, max_examples=60)
LONG_FUZZ = settings(FUZZ, max_examples=8)

#: What can be in a build context, and whether the loader must refuse it.
ENTRY_KINDS = {
    "file": False,
    "folder": False,
    "link-inside": False,
    "link-dangling": False,
    "hard-link-inside": False,
    "sparse-2-gib": False,
    "fifo": True,
    "socket": True,
    "device": True,
    "link-out": True,
    "link-loop": True,
    "link-to-fifo": True,
    "hard-link-out": True,
    "unreadable-file": True,
    "unreadable-folder": True,
}
entry_names = st.sampled_from(["a", "b", "src", "node_modules", ".git", "é", "x y", "service.yml"])
entries = st.lists(
    st.tuples(
        st.lists(entry_names, min_size=1, max_size=3).map(tuple),
        st.sampled_from(sorted(ENTRY_KINDS)),
    ),
    min_size=1,
    max_size=6,
)


def _make(path: Path, kind: str, outside: Path, denied: set[Path]) -> None:
    """Make an entry of `kind` at `path` (OSError when its folder cannot hold it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind in ("file", "hard-link-inside", "unreadable-file"):
        path.write_text("x\n")
        if kind == "hard-link-inside":
            os.link(path, path.with_name(path.name + ".2"))
    elif kind in ("folder", "unreadable-folder"):
        path.mkdir()
        (path / "inner.js").write_text("x\n")
    elif kind == "sparse-2-gib":
        with path.open("wb") as sparse:
            sparse.truncate(2 << 30)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    elif kind == "device":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    elif kind == "link-inside":
        path.symlink_to(".")
    elif kind == "link-dangling":
        path.symlink_to("nothing-here")
    elif kind == "link-out":
        path.symlink_to(outside)
    elif kind == "link-loop":
        path.symlink_to(path.name)
    elif kind == "link-to-fifo":
        os.mkfifo(path.with_name(path.name + ".fifo"))
        path.symlink_to(path.name + ".fifo")
    elif kind == "hard-link-out":
        os.link(outside / "secret", path)
    if kind.startswith("unreadable"):
        denied.add(path.absolute())


@contextlib.contextmanager
def _denied(paths: set[Path]) -> Iterator[None]:
    """Opening or listing `paths` fails as without the permission (the tests run as root)."""
    real_open, real_scandir = os.open, os.scandir

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).absolute() in paths:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def scandir(path: Any = ".") -> Any:
        if Path(path).absolute() in paths:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    with mock.patch.object(os, "open", open_), mock.patch.object(os, "scandir", scandir):
        yield


def _timed_outcome(app: Path) -> LoadedApp | None:
    start = time.process_time()
    loaded = check_hostile_outcome(app)
    assert time.process_time() - start < LOAD_SECONDS
    return loaded


@FILES_FUZZ
@pytest.mark.slow
@given(made=entries)
def test_odd_files_in_a_build_context_are_one_line_each(
    made: list[tuple[tuple[str, ...], str]],
) -> None:
    """FIFOs, sockets, devices, links of every kind, hard links, unreadable files and folders
    and sparse files in a Dockerfile's folder: one-line problems inside the app folder, in
    bounded time, and an error whenever one that synthesis cannot copy is in the context."""
    root = Path(tempfile.mkdtemp(prefix="exo-fuzz-", dir="/tmp"))  # a socket's path is short
    try:
        app = write_app(root, {"users/Dockerfile": "FROM node:20\n"})
        outside = root / "outside"
        outside.mkdir()
        (outside / "secret").write_text("hunter2\n")
        denied: set[Path] = set()
        refused = False
        for parts, kind in made:
            try:
                _make(app / "users" / Path(*parts), kind, outside, denied)
            except OSError:  # a file where a folder is wanted, a name taken, a long path
                continue
            refused |= ENTRY_KINDS[kind] and "service.yml" not in parts
        with _denied(denied):
            loaded = _timed_outcome(app)
        if refused and (app / "users" / "Dockerfile").is_file():
            assert loaded is None
    finally:
        shutil.rmtree(root, ignore_errors=True)


LONG_VALUES = {
    "letters": "a",
    "digits": "7",
    "spaces": " ",
    "punctuation": string.punctuation,
    "jwt heads": "_eyJ",
    "dotted": "a.",
    "unicode": "é日",
}


@LONG_FUZZ
@pytest.mark.slow
@given(place=st.sampled_from(PLACES), kind=st.sampled_from(sorted(LONG_VALUES)))
def test_a_value_near_the_file_limit_anywhere_ends_in_bounded_time(
    place: tuple[str, tuple[Any, ...]], kind: str
) -> None:
    """A value of about 1 MB (under the 1 MiB file limit once quoted) at any key path."""
    piece = LONG_VALUES[kind]
    value = (piece * (900_000 // len(piece.encode()) + 1))[: 900_000 // len(piece.encode())]
    root = Path(tempfile.mkdtemp(prefix="exo-fuzz-"))
    try:
        app = root / "app"
        app.mkdir()
        write_hostile_app(app, [(place, value)])
        _timed_outcome(app)
    finally:
        shutil.rmtree(root, ignore_errors=True)
