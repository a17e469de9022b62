"""A safe YAML reader that refuses what PyYAML silently accepts.

- duplicate keys in one mapping (PyYAML keeps the last one) are an error;
- syntax errors, an empty file and a file that is not UTF-8 are Problems with
  the line (and the column in the message);
- mapping keys are always strings (the key as written: `80:` is the key "80");
- numbers remember how they were written (`version: 1.10` is read as "1.10" by
  a string field, not "1.1"); dates stay strings;
- the line of every key is recorded, so problems found later can name it;
- the work is bounded: a file over MAX_BYTES is refused before it is read, a
  document nested deeper than MAX_DEPTH or holding more than MAX_NODES keys and
  values (aliases counted as often as they are used: the "billion laughs") is
  refused while it is composed or built, before it can grow;
- a file is read by libyaml (PyYAML's C extension) when PyYAML has it, and read
  again by PyYAML's own scanner when it holds a problem, whose messages are
  reported (tests/manifest/load/test_yaml.py holds both to the same documents).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from attrs import frozen

from exosphere_cdk.manifest.errors import KeyPath, ManifestError, Problem, dotted

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
#: The tags a mapping and a sequence have untagged: written out (`!!map`), they change nothing.
_PLAIN_COLLECTION_TAGS = {"mapping": "tag:yaml.org,2002:map", "sequence": "tag:yaml.org,2002:seq"}
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"


def written_tag(tag: str) -> str:
    """A tag as it is usually written: `tag:yaml.org,2002:set` is `!!set`."""
    return "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if tag.startswith(_YAML_TAG_PREFIX) else tag


#: The largest manifest read (1 MiB; the biggest real manifests are a few KB).
MAX_BYTES = 1024 * 1024
#: The deepest nesting of mappings and lists (a real manifest nests about 6 deep).
MAX_DEPTH = 64
#: The most keys and values in one document, aliases counted each time they are used.
MAX_NODES = 10_000


class SourceInt(int):
    """A YAML integer that remembers its text (`010` stays "010" when read as a string)."""

    source: str

    def __new__(cls, value: int, source: str) -> SourceInt:
        self = super().__new__(cls, value)
        self.source = source
        return self


class SourceFloat(float):
    """A YAML float that remembers its text (`1.10` stays "1.10" when read as a string)."""

    source: str

    def __new__(cls, value: float, source: str) -> SourceFloat:
        self = super().__new__(cls, value)
        self.source = source
        return self


def scalar_text(value: int | float) -> str:
    """The number as written in the file (or `str(value)` when not read from YAML)."""
    source = getattr(value, "source", None)
    return source if isinstance(source, str) else str(value)


@frozen
class Document:
    """A parsed YAML file."""

    #: The file as shown to the user.
    file: str
    data: Any
    #: 1-based line of each key (and list item) by key path.
    lines: Mapping[KeyPath, int]

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its closest parent that has one.

        A key path of the document is at most MAX_DEPTH long: a longer `path` (a
        key holding a thousand dots, split at each) starts from there, linear.
        """
        for end in range(min(len(path), MAX_DEPTH + 1), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class _LimitError(Exception):
    """A document past MAX_DEPTH or MAX_NODES: one problem, on the line where it went past."""

    def __init__(self, message: str, line: int | None, path: KeyPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path


def _too_deep(line: int | None, path: KeyPath = ()) -> _LimitError:
    return _LimitError(
        f"nested more than {MAX_DEPTH} levels deep, expected a manifest of at most"
        f" {MAX_DEPTH} levels",
        line,
        path,
    )


def _too_many(line: int | None, path: KeyPath = ()) -> _LimitError:
    return _LimitError(
        f"more than {MAX_NODES:,} keys and values (aliases counted each time they are used),"
        f" expected at most {MAX_NODES:,}",
        line,
        path,
    )


class _Bounded(yaml.composer.Composer):
    """PyYAML's composer, stopping past MAX_DEPTH levels or MAX_NODES nodes.

    The composer is recursive: without a bound, 10,000 nested `[` end in a
    RecursionError. An alias is one node here (the builder counts its expansion).
    """

    depth = 0
    nodes = 0

    def current_line(self) -> int | None:
        """The 1-based line the parser is at, for a limit's message (None: not known)."""
        return None

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _too_many(self.current_line())
        if self.depth > MAX_DEPTH:
            raise _too_deep(self.current_line())
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _BoundedLoader(_Bounded, yaml.SafeLoader):
    """PyYAML's safe loader whose composer stops past MAX_DEPTH levels or MAX_NODES nodes.

    The scanner stops too, at the `[` or `{` past MAX_DEPTH: it looks ahead up
    to 1,024 characters on a line, at a cost that grows with the nesting. Its
    messages, and its limits' lines, are those reported for any document.
    """

    def current_line(self) -> int | None:
        return int(self.line) + 1

    def fetch_flow_collection_start(self, token_class: type[yaml.Token]) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _too_deep(self.line + 1)
        super().fetch_flow_collection_start(token_class)


_FAST_LOADER: type[_Bounded] | None = None
if yaml.__with_libyaml__:  # PyYAML's wheels have it; else PyYAML's own scanner reads every file
    from yaml._yaml import CParser

    class _FastLoader(_Bounded, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """libyaml's scanner and parser (C, about ten times PyYAML's speed) under the bounded
        composer, the same constructor and resolver: the same document, node for node.

        Only a document it reads without any problem is taken from it: any other
        is read again by _BoundedLoader, whose messages are the ones reported.
        """

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FAST_LOADER = _FastLoader


class _Builder:
    def __init__(self, loader: yaml.constructor.SafeConstructor, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self.active: set[int] = set()
        #: Keys and values built so far: aliases are expanded here, so they count each time.
        self.nodes = 0

    def problem(self, path: KeyPath, message: str, node: yaml.Node) -> None:
        self.problems.append(
            Problem(self.file, dotted(path), message, line=node.start_mark.line + 1)
        )

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.nodes += 1
        # Reported at the top-level key whose value went past: the lines inside an
        # alias's expansion are those of its anchor, elsewhere in the file.
        if self.nodes > MAX_NODES:
            raise _too_many(self.lines.get(path[:1]), path[:1])
        if len(path) > MAX_DEPTH:  # aliases inside aliases nest deeper than the text
            raise _too_deep(self.lines.get(path[:1]), path[:1])
        if id(node) in self.active:
            self.problem(path, "recursive alias, expected a finite document", node)
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.CollectionNode) and not self.plain_collection(node, path):
                return None
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                items = []
                for index, item in enumerate(node.value):
                    self.lines.setdefault((*path, index), item.start_mark.line + 1)
                    items.append(self.build(item, (*path, index)))
                return items
            return self.scalar(node)
        finally:
            self.active.discard(id(node))

    def plain_collection(self, node: yaml.CollectionNode, path: KeyPath) -> bool:
        """Whether `node` has no tag but its kind's own; if it has one, a problem says so.

        A tag on a mapping or a list (`!Ref`, `!GetAtt`, `!!set`, `!!omap`,
        `!!python/object/apply:…`) would otherwise be dropped without a word, and
        the value read as if it had none: CloudFormation's short forms among them.
        """
        kind = "mapping" if isinstance(node, yaml.MappingNode) else "sequence"
        if node.tag == _PLAIN_COLLECTION_TAGS[kind]:
            return True
        self.problem(
            path,
            f"unsupported YAML at column {node.start_mark.column + 1}: the tag"
            f" '{written_tag(node.tag)}' on a {kind}, expected a plain {kind} (no tag)",
            node,
        )
        return False

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):  # pragma: no cover - composer invariant
            return self.loader.construct_object(node, deep=True)
        if node.tag == _INT:
            return SourceInt(self.loader.construct_yaml_int(node), node.value)
        if node.tag == _FLOAT:
            return SourceFloat(self.loader.construct_yaml_float(node), node.value)
        if node.tag == _TIMESTAMP:
            return str(node.value)
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:
                self.problem(path, "merge keys (<<) are not supported", key_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(path, "found a complex key, expected a plain key", key_node)
                continue
            self.nodes += 1
            key = str(key_node.value)
            key_path = (*path, key)
            if key in first_line:
                self.problem(
                    key_path,
                    f"duplicate key '{key}' (first at line {first_line[key]}), "
                    "expected each key once",
                    key_node,
                )
                continue
            first_line[key] = line
            self.lines[key_path] = line
            result[key] = self.build(value_node, key_path)
        return result


def _yaml_problem(file: str, exc: yaml.YAMLError, kind: str) -> Problem:
    """One line for a PyYAML error: `<kind> at column C: what`, on its line when known."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        # "while parsing ..." contexts point elsewhere; "expected ..." ones explain
        context = exc.context if exc.context and not exc.context.startswith("while") else None
        what = ", ".join(x for x in (context, exc.problem) if x) or "invalid YAML"
        if mark is not None:
            return Problem(
                file, "", f"{kind} at column {mark.column + 1}: {what}", line=mark.line + 1
            )
        return Problem(file, "", f"{kind}: {what}")
    if isinstance(exc, yaml.reader.ReaderError):
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return Problem(
            file,
            "",
            f"{kind}: character U+{code:04X} at position {exc.position} is not allowed in"
            " YAML, expected printable text",
        )
    return Problem(file, "", f"{kind}: {' '.join(str(exc).split())}")


def _too_big(file: str, size: int) -> ManifestError:
    return ManifestError(
        [
            Problem(
                file,
                "",
                f"the file is {size:,} bytes, expected a manifest of at most"
                f" {MAX_BYTES:,} bytes (1 MiB)",
            )
        ]
    )


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML document; raise ManifestError with every problem found."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise _too_big(file, size)
    try:
        return _read(text, file)
    except _LimitError as exc:
        raise ManifestError([Problem(file, dotted(exc.path), exc.message, line=exc.line)]) from None


def _read(text: str, file: str) -> Document:
    """The document as libyaml reads it when it finds no problem, else as PyYAML's own
    scanner does (whose messages and lines are the ones reported).

    A limit the builder meets (an alias bomb) is met at a key, the same whichever
    reads the file: it is not read again.
    """
    if _FAST_LOADER is not None:
        try:
            return _parse(text, file, _FAST_LOADER)
        except _LimitError as exc:
            if exc.path:
                raise
        except Exception:  # any other problem: read again, to name it as PyYAML does
            pass
    return _parse(text, file, _BoundedLoader)


def _parse(text: str, file: str, loader_class: Callable[[str], Any]) -> Document:
    try:
        loader = loader_class(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise ManifestError([_yaml_problem(file, exc, "YAML syntax error")]) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise ManifestError([_yaml_problem(file, exc, "YAML syntax error")]) from None
        if node is None:
            raise ManifestError([Problem(file, "", "the file is empty, expected a mapping")])
        builder = _Builder(loader, file)
        try:
            data = builder.build(node, ())
        except yaml.YAMLError as exc:  # a tag with no meaning here: !x, !!python/...
            raise ManifestError([_yaml_problem(file, exc, "unsupported YAML")]) from None
        except (ValueError, KeyError, TypeError) as exc:  # `!!int abc`, `!!bool maybe`
            line = node.start_mark.line + 1 if node.start_mark else None
            raise ManifestError(
                [
                    Problem(
                        file,
                        "",
                        "unsupported YAML: a value does not match its explicit tag"
                        f" ({' '.join(str(exc).split())}), expected plain YAML values",
                        line=line,
                    )
                ]
            ) from None
    finally:
        loader.dispose()
    if builder.problems:  # before the next: a tagged root (`--- !Ref`) builds to None
        raise ManifestError(builder.problems)
    if data is None:  # `---` alone, or `~`
        raise ManifestError([Problem(file, "", "the file is empty, expected a mapping")])
    return Document(file=file, data=data, lines=builder.lines)


def load_yaml(path: Path, file: str) -> Document:
    """Read and parse `path` (shown to the user as `file`); at most MAX_BYTES are read."""
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_BYTES:
                raise _too_big(file, size)
            raw = stream.read(MAX_BYTES + 1)  # the size may change, or not be known
        if len(raw) > MAX_BYTES:
            raise _too_big(file, max(size, len(raw)))
    except OSError as exc:
        raise ManifestError([Problem(file, "", f"cannot read the file ({exc.strerror})")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            [Problem(file, "", f"not UTF-8 text (byte {exc.start}), expected a YAML file")]
        ) from None
    return parse_yaml(text, file)
