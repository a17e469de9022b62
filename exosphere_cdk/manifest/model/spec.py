"""The field specifier of the manifest schemas: a field's key, default, constraint and meaning.

Each field carries, besides its type and default, a `Spec` (attrs metadata):
its description, its constraint (a range, a pattern, a list of allowed values)
and, for an optional setting, what happens without it. The checks validate
single values from it, the JSON Schema (`exo-cdk schema`) and the manifest
reference in docs/manifest.md are derived from it: it is the one place a
manifest fact is written.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs
from attrs import field, frozen

#: attrs metadata key naming the YAML key of a field when it is not the field's name.
KEY = "yaml_key"
#: attrs metadata key of a field's `Spec`.
SPEC = "spec"


@frozen
class Spec:
    """What a field means and which values it takes, besides its type."""

    #: One line for the schema's `description` and the reference's "meaning".
    doc: str = ""
    #: What happens without the key, for a field whose default is not a value (None).
    default_doc: str = ""
    #: Not in exo-deploy: an exosphere-cdk extension.
    extension: bool = False
    minimum: int | None = None
    maximum: int | None = None
    #: Shown after a range: `MiB`, `percent`.
    unit: str = ""
    #: A regular expression (valid in Python and in JSON Schema's ECMA-262) the
    #: value, or each item of a list, must match from its start.
    pattern: str | None = None
    #: The allowed values.
    enum: tuple[int | str, ...] | None = None
    #: A value failing `pattern` or `enum` is reported as
    #: "invalid <noun> <value>, expected <expected>".
    noun: str = "value"
    expected: str = ""
    #: For a mapping: the spec of its keys (names of services, of variables).
    names: Spec | None = None
    #: The field may be written in place of its whole mapping (a secret's name):
    #: its problems are reported at the mapping's key path.
    shorthand: bool = False

    @property
    def constrained(self) -> bool:
        return (
            self.minimum is not None
            or self.maximum is not None
            or self.pattern is not None
            or self.enum is not None
        )

    def accepts(self, value: object) -> bool:
        """Whether one value (not a list or mapping) meets the constraint; None always does."""
        if value is None:
            return True
        if self.enum is not None and value not in self.enum:
            return False
        if isinstance(value, int) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return False
            if self.maximum is not None and value > self.maximum:
                return False
        return not (
            self.pattern is not None
            and isinstance(value, str)
            and as_json_schema(self.pattern).match(value) is None
        )


@functools.cache
def as_json_schema(pattern: str) -> re.Pattern[str]:
    """`pattern` matching as JSON Schema's (ECMA-262) does: a final `$` is the end of the
    text, where Python's `$` also matches before a final newline ('users\\n' is no role)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def key(name: str | None = None, /, **kwargs: Any) -> Any:
    """An attrs field with its `Spec`, read from the YAML key `name` (default: the field's name).

    Keyword arguments of `attrs.field` (`default`, `factory`) go to the field,
    the others (`doc`, `minimum`, `pattern`, ...) to its Spec.
    """
    field_args = {k: kwargs.pop(k) for k in ("default", "factory") if k in kwargs}
    metadata: dict[str, Any] = {SPEC: Spec(**kwargs)}
    if name is not None:
        metadata[KEY] = name
    return field(metadata=metadata, **field_args)


def spec_of(cl: type, name: str) -> Spec:
    """The Spec of field `name` of the model class `cl`."""
    spec: Spec = attrs.fields_dict(cl)[name].metadata.get(SPEC, Spec())
    return spec
