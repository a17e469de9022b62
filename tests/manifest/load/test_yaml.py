"""The strict YAML reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from exosphere_cdk.manifest.errors import ManifestError, Problem
from exosphere_cdk.manifest.load import yaml_io
from exosphere_cdk.manifest.load.yaml_io import load_yaml, parse_yaml
from tests.apps import AppFactory, problem_lines
from tests.conftest import MANIFESTS


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


# Tags on lists and mappings are refused (issue 19, item 5), as on scalars: read
# without them, `!Ref x` or `!!set` would mean what their author did not write.
def _tag_problem(line: int, path: str, column: int, tag: str, kind: str) -> str:
    where = f"{path}: " if path else ""
    return (
        f"app.yml:{line}: {where}unsupported YAML at column {column}: the tag '{tag}' on a {kind},"
        f" expected a plain {kind} (no tag)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: !Ref\n  - b\n", _tag_problem(1, "name", 7, "!Ref", "sequence")),
        ("name: !GetAtt [web, Arn]\n", _tag_problem(1, "name", 7, "!GetAtt", "sequence")),
        ("name: !Sub {a: 1}\n", _tag_problem(1, "name", 7, "!Sub", "mapping")),
        ("name: !!set {a, b}\n", _tag_problem(1, "name", 7, "!!set", "mapping")),
        ("name: !!omap [{a: 1}]\n", _tag_problem(1, "name", 7, "!!omap", "sequence")),
        (
            "a: 1\nname: !!python/object/apply:os.system\n  args: [ls]\n",
            _tag_problem(2, "name", 7, "!!python/object/apply:os.system", "mapping"),
        ),
        (
            "name: !!python/object/apply:os.system [ls]\n",
            _tag_problem(1, "name", 7, "!!python/object/apply:os.system", "sequence"),
        ),
        ("services:\n  - !Ref [x]\n", _tag_problem(2, "services[0]", 5, "!Ref", "sequence")),
        ("--- !Ref\nname: x\n", _tag_problem(1, "", 5, "!Ref", "mapping")),
        ("!!set\n? a\n", _tag_problem(1, "", 1, "!!set", "mapping")),
        (
            "name: !<tag:example.com,2000:x> {}\n",
            _tag_problem(1, "name", 7, "tag:example.com,2000:x", "mapping"),
        ),
    ],
    ids=[
        "ref-block-list",
        "getatt-flow-list",
        "sub-mapping",
        "set",
        "omap",
        "python-object-mapping",
        "python-object-list",
        "in-a-list",
        "root-mapping",
        "root-set",
        "verbatim-tag",
    ],
)
def test_a_tag_on_a_list_or_mapping_is_refused_at_its_line(text: str, expected: str) -> None:
    with pytest.raises(ManifestError) as info:
        parse_yaml(text, "app.yml")
    assert [str(p) for p in info.value.problems] == [expected]


def test_every_tagged_collection_is_reported_not_only_the_first() -> None:
    with pytest.raises(ManifestError) as info:
        parse_yaml("a: !Ref [x]\nb:\n  c: !!set {y}\n", "app.yml")
    assert [str(p) for p in info.value.problems] == [
        _tag_problem(1, "a", 4, "!Ref", "sequence"),
        _tag_problem(3, "b.c", 6, "!!set", "mapping"),
    ]


def test_the_plain_tags_of_a_list_and_a_mapping_change_nothing() -> None:
    assert parse_yaml("!!map\na: !!seq [1]\nb: !!map {c: !!str 2}\n", "app.yml").data == {
        "a": [1],
        "b": {"c": "2"},
    }


def test_a_tagged_list_in_a_service_yml_is_refused_by_load_app(make_app: AppFactory) -> None:
    app = make_app({"users/service.yml": "type: users\nmessages:\n  receives: !Ref [a.b]\n"})
    assert problem_lines(app) == [
        "app/users/service.yml:3: messages.receives: unsupported YAML at column 13: the tag"
        " '!Ref' on a sequence, expected a plain sequence (no tag)"
    ]


#: Documents both loaders must read alike: anchors and aliases, block and folded strings,
#: every way of writing a number, a boolean or null, tags that change nothing, flow
#: collections, comments, quotes and escapes, and characters beyond ASCII.
ALIKE = [
    "a: 1\nb: [1, 2, {c: d}]\n",
    "base: &b {cpu: 128, memory: 256}\nweb: *b\nlist: [*b, *b]\n",
    "text: |\n  line one\n  line two\nfolded: >-\n  a\n  b\n\n  c\n",
    "n: [010, 0x1F, 0o17, 1_000, 1.10, 1e3, .inf, -.Inf, .nan, +12, 0b101, 190:20:30]\n",
    "b: [yes, No, on, OFF, true, False, y, n, ~, null, Null]\n",
    "t: !!str 12\nu: !!map {a: 1}\nv: !!seq [1]\nw: !!int '7'\n",
    "q: 'it''s'\nd: \"tab\\there \\u00e9 \\x41\"\nplain: a b # comment\n",
    "é: ünïcødé — 名前\n'key with: colon': {\"x\": [a, 'b', \"c\"]}\n",
    "--- \nroot:\n  - - nested\n    - list\n  - key: value\n...\n",
    "date: 2016-10-12\nver: 0.22.1\nempty:\nnested: {a: {b: {c: [[], {}]}}}\n",
    "a: 1\r\nb: 2\r\n",
    "? complex key\n: value\n",
]


def _described(value: object) -> object:
    """A value with each part's type and text (`.nan` is not equal to itself)."""
    if isinstance(value, dict):
        return {_described(k): _described(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_described(v) for v in value]
    return (type(value).__name__, repr(value), getattr(value, "source", None))


def _alike(one: yaml_io.Document, other: yaml_io.Document) -> bool:
    return (one.file, one.lines, _described(one.data)) == (
        other.file,
        other.lines,
        _described(other.data),
    )


@pytest.mark.parametrize("text", ALIKE)
def test_libyaml_and_pyyamls_own_scanner_read_a_document_alike(text: str) -> None:
    assert yaml_io._FAST_LOADER is not None  # the pinned PyYAML has libyaml
    fast = yaml_io._parse(text, "f.yml", yaml_io._FAST_LOADER)
    reference = yaml_io._parse(text, "f.yml", yaml_io._BoundedLoader)

    assert _alike(fast, reference)
    assert _alike(parse_yaml(text, "f.yml"), reference)


def test_every_example_manifest_is_read_alike_by_both_loaders() -> None:
    files = sorted(MANIFESTS.rglob("*.yml"))
    assert len(files) > 10
    assert yaml_io._FAST_LOADER is not None
    for file in files:
        text = file.read_text()
        fast = yaml_io._parse(text, file.name, yaml_io._FAST_LOADER)
        assert _alike(fast, yaml_io._parse(text, file.name, yaml_io._BoundedLoader)), file


def test_a_problem_is_named_by_pyyamls_own_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []

    class Reference(yaml_io._BoundedLoader):
        def __init__(self, stream: str) -> None:
            read.append(stream)
            super().__init__(stream)

    monkeypatch.setattr(yaml_io, "_BoundedLoader", Reference)
    assert problems("a: 1\nb: c: d\n") == [
        "f.yml:2: YAML syntax error at column 5: mapping values are not allowed here"
    ]
    assert read == ["a: 1\nb: c: d\n"]  # read again after libyaml's problem
    parse_yaml("a: 1\n", "f.yml")
    assert read == ["a: 1\nb: c: d\n"]  # a good document is read once, by libyaml
