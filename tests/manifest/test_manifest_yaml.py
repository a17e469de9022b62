"""The strict YAML reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from exosphere_cdk.manifest.errors import ManifestError, Problem
from exosphere_cdk.manifest.yaml_io import load_yaml, parse_yaml


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as info:
        parse_yaml(text, "f.yml")
    return [str(p) for p in info.value.problems]


def test_syntax_error_has_line_and_column() -> None:
    assert problems("a: 1\nb: c: d\n") == [
        "f.yml:2: YAML syntax error at column 5: mapping values are not allowed here"
    ]


def test_duplicate_keys_anywhere_are_refused() -> None:
    assert problems("a:\n  b: 1\n  c: 2\n  b: 3\nd: [{x: 1, x: 2}]\n") == [
        "f.yml:4: a.b: duplicate key 'b' (first at line 2), expected each key once",
        "f.yml:5: d[0].x: duplicate key 'x' (first at line 5), expected each key once",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_files(text: str) -> None:
    assert problems(text) == ["f.yml: the file is empty, expected a mapping"]


def test_two_documents_are_refused() -> None:
    assert problems("a: 1\n---\nb: 2\n") == [
        "f.yml:2: YAML syntax error at column 1: expected a single document in the stream, "
        "but found another document"
    ]


def test_keys_are_strings_and_numbers_keep_their_text() -> None:
    doc = parse_yaml("80: http\nversion: 1.10\nwhen: 2017-01-31\nn: 010\n", "f.yml")
    assert doc.data == {"80": "http", "version": 1.1, "when": "2017-01-31", "n": 8}
    assert doc.data["version"].source == "1.10"
    assert doc.data["n"].source == "010"
    assert doc.lines[("when",)] == 3


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.yml"
    path.write_bytes(b"name: \xff\n")
    with pytest.raises(ManifestError) as info:
        load_yaml(path, "f.yml")
    assert [str(p) for p in info.value.problems] == [
        "f.yml: not UTF-8 text (byte 6), expected a YAML file"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: a\x07b\n",
            "app.yml: YAML syntax error: character U+0007 at position 7 is not allowed in YAML,"
            " expected printable text",
        ),
        (
            "name: !x y\n",
            "app.yml:1: unsupported YAML at column 7: could not determine a constructor for"
            " the tag '!x'",
        ),
        (
            "name: !!int abc\n",
            "app.yml:1: unsupported YAML: a value does not match its explicit tag (invalid"
            " literal for int() with base 10: 'abc'), expected plain YAML values",
        ),
        (
            "name: !!seq x\n",
            "app.yml:1: unsupported YAML at column 7: expected a sequence node, but found scalar",
        ),
    ],
    ids=["control-character", "unknown-tag", "bad-int-tag", "seq-tag-on-scalar"],
)
def test_pyyaml_errors_are_one_line_problems(text: str, expected: str) -> None:
    with pytest.raises(ManifestError) as info:
        parse_yaml(text, "app.yml")
    assert [str(p) for p in info.value.problems] == [expected]


def test_unprintable_characters_in_a_problem_are_escaped() -> None:
    problem = Problem("app.yml", "q\r\nk", "unknown key 'q\r\nk'", line=1)
    assert str(problem) == "app.yml:1: q\\r\\nk: unknown key 'q\\r\\nk'"
