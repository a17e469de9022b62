"""Bounded work: an oversized, too deep or alias-bombed manifest is refused fast and small."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.load.yaml_io import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    load_yaml,
    parse_yaml,
)
from tests.apps import AppFactory, problem_lines

#: "Well under a second, under 100 MB" (issue 11).
SECONDS = 1.0
PEAK_BYTES = 100 * 1024 * 1024

TOO_MANY = (
    "more than 10,000 keys and values (aliases counted each time they are used),"
    " expected at most 10,000"
)
TOO_DEEP = "nested more than 64 levels deep, expected a manifest of at most 64 levels"


@contextmanager
def bounded() -> Iterator[None]:
    """Asserts that the block took under SECONDS and allocated under PEAK_BYTES at its peak."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.2f} s"
    assert peak < PEAK_BYTES, f"peaked at {peak / 1e6:.0f} MB"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": each anchor a list of `width` aliases of the one before."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def problems_of(read: Callable[[], object]) -> list[str]:
    with bounded(), pytest.raises(ManifestError) as info:
        read()
    return [str(p) for p in info.value.problems]


def test_the_limits_are_as_documented() -> None:
    assert (MAX_BYTES, MAX_DEPTH, MAX_NODES) == (1024 * 1024, 64, 10_000)
    docs = (Path(__file__).resolve().parents[3] / "docs" / "manifest.md").read_text()
    assert "larger than 1 MiB (1,048,576 bytes" in docs
    assert "64 levels" in docs
    assert "10,000 keys and values" in docs


def test_a_1_kb_alias_bomb_is_refused_before_it_grows() -> None:
    text = alias_bomb()
    assert 400 < len(text) <= 1024  # 9^10 (3.5 billion) strings once expanded
    assert problems_of(lambda: parse_yaml(text, "f.yml")) == [f"f.yml:5: a4: {TOO_MANY}"]


def test_a_2_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "application.yml"
    path.write_text("name: " + "x" * (2 * 1024 * 1024) + "\n")
    assert problems_of(lambda: load_yaml(path, "application.yml")) == [
        "application.yml: the file is 2,097,159 bytes, expected a manifest of at most"
        " 1,048,576 bytes (1 MiB)"
    ]


def test_text_over_the_limit_is_refused_by_the_parser_too() -> None:
    assert problems_of(lambda: parse_yaml("a: " + "é" * MAX_BYTES, "f.yml")) == [
        "f.yml: the file is 2,097,155 bytes, expected a manifest of at most 1,048,576 bytes (1 MiB)"
    ]


def test_a_file_of_the_largest_size_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f.yml"
    text = "name: x\n# " + "x" * (MAX_BYTES - 11) + "\n"
    path.write_text(text)
    assert path.stat().st_size == MAX_BYTES
    assert load_yaml(path, "f.yml").data == {"name": "x"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", 1),
        ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", 1),
        ("a:\n" + "- " * 10_000 + "1\n", 2),
        ("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v: 1\n", 65),
    ],
    ids=["flow-lists", "flow-mappings", "block-lists", "block-mappings"],
)
def test_nesting_10_000_deep_is_refused(text: str, line: int) -> None:
    assert problems_of(lambda: parse_yaml(text, "f.yml")) == [f"f.yml:{line}: {TOO_DEEP}"]


def test_aliases_nesting_deeper_than_the_text_are_refused() -> None:
    levels = "[" * 40 + "{x}" + "]" * 40
    text = f"a: &a {levels}\nb: &b [*a]\nc: [*b, *a]\nd: {levels.replace('{x}', '*a')}\n"
    assert problems_of(lambda: parse_yaml(text, "f.yml")) == [f"f.yml:4: d: {TOO_DEEP}"]


def test_more_values_than_the_limit_are_refused() -> None:
    text = "a: [" + ", ".join(["1"] * MAX_NODES) + "]\n"
    with pytest.raises(ManifestError) as info:
        parse_yaml(text, "f.yml")
    assert [str(p) for p in info.value.problems] == [f"f.yml:1: {TOO_MANY}"]


def test_the_largest_sound_manifests_load() -> None:
    nested = "a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n"
    assert parse_yaml(nested, "f.yml").data["a"] is not None
    wide = "a: [" + ", ".join(["1"] * (MAX_NODES - 3)) + "]\n"  # the mapping, a, the list
    assert len(parse_yaml(wide, "f.yml").data["a"]) == MAX_NODES - 3


def test_validate_names_the_file(make_app: AppFactory) -> None:
    # cattrs compiles the model's structuring functions on first use in a process
    # (tens of ms, several times that under tracemalloc on a loaded machine): that
    # is not work the input makes, so it happens before the measured load.
    load_app(make_app(None))
    app = make_app({"web/service.yml": "type: web\nx: " + "[" * 10_000 + "]" * 10_000 + "\n"})
    with bounded():
        lines = problem_lines(app)
    assert lines == [f"app/web/service.yml:2: {TOO_DEEP}"]
