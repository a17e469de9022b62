"""The one cattrs converter that turns parsed YAML into the model, strictly.

Rules (each one an error with the key path, never a silent conversion):
- unknown keys are refused (a "did you mean" is added when reporting);
- a field is read from its YAML key (`public-port`), given in the model as `KEY` metadata;
- `null` (a key with nothing after it) means empty for lists and mappings
  (`sends:`) and "all defaults" for sections (`production:`); a plain value
  that is null is an error unless the field is optional;
- integers must be YAML integers: `cpu: lots`, `cpu: "100"`, `cpu: 1.5` and
  `cpu: true` are errors;
- strings accept YAML numbers as written (`version: 1.0` is "1.0",
  `account: 123456789012` is "123456789012"), but not booleans (`yes`/`no` are
  booleans in YAML: quote them);
- booleans must be YAML booleans;
- a secret is a plain string (the secret's name) or a mapping `{name, json-key}`.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, override

from exosphere_cdk.manifest.errors import KeyPath, Problem, dotted, unknown_key_message
from exosphere_cdk.manifest.load.exo_deploy.schema import SecretRef
from exosphere_cdk.manifest.load.yaml_io import Document, scalar_text
from exosphere_cdk.manifest.model.spec import KEY

T = TypeVar("T")


def describe(value: Any) -> str:
    """A found value as the user wrote it: `'lots'`, `true`, `null`, `12`, `a list`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return scalar_text(value)
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


class InvalidValueError(ValueError):
    """A value of the wrong kind; its message names what was found and what was expected."""

    def __init__(self, value: Any, expected: str, hint: str = "") -> None:
        found = describe(value)
        if isinstance(value, Mapping | list | tuple):
            message = f"found {found}, expected {expected}"
        else:
            message = f"invalid value {found}, expected {expected}"
        self.message = message + hint
        super().__init__(self.message)


def yaml_keys(cl: type) -> dict[str, str]:
    """Attribute name -> YAML key, for an attrs class of the model."""
    return {a.name: a.metadata.get(KEY, a.name) for a in attrs.fields(cl)}


# ---------------------------------------------------------------- scalar hooks


def _structure_str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise InvalidValueError(value, "a string", " (quote it to keep it as text)")
    if isinstance(value, int | float):
        return scalar_text(value)
    raise InvalidValueError(value, "a string")


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise InvalidValueError(value, "an integer")


def _structure_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidValueError(value, "true or false")


# ---------------------------------------------------------------- collection hooks


def _is_mapping(t: Any) -> bool:
    return get_origin(t) in (collections.abc.Mapping, dict)


def _is_homogeneous_tuple(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _note(exc: Exception, index: int | str, t: Any) -> Exception:
    notes = getattr(exc, "__notes__", [])
    exc.__notes__ = [*notes, IterableValidationNote(f"@ {index!r}", index, t)]
    return exc


def _mapping_factory(converter: cattrs.Converter) -> Callable[[Any], Any]:
    def factory(t: Any) -> Callable[[Any, Any], dict[str, Any]]:
        args = get_args(t)
        value_type = args[1] if len(args) == 2 else Any

        def hook(value: Any, _: Any) -> dict[str, Any]:
            if value is None:
                return {}
            if not isinstance(value, Mapping):
                raise InvalidValueError(value, "a mapping")
            result: dict[str, Any] = {}
            errors: list[Exception] = []
            for k, v in value.items():
                name = str(k)
                try:
                    if not isinstance(k, str):
                        raise InvalidValueError(k, "a string key")
                    result[k] = converter.structure(v, value_type)
                except Exception as exc:
                    errors.append(_note(exc, name, value_type))
            if errors:
                raise IterableValidationError(f"While structuring {t!r}", errors, t)
            return result

        return hook

    return factory


def _tuple_factory(converter: cattrs.Converter) -> Callable[[Any], Any]:
    def factory(t: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        item_type = get_args(t)[0]

        def hook(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None:
                return ()
            if not isinstance(value, list | tuple):
                raise InvalidValueError(value, "a list")
            result: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    result.append(converter.structure(item, item_type))
                except Exception as exc:
                    errors.append(_note(exc, index, item_type))
            if errors:
                raise IterableValidationError(f"While structuring {t!r}", errors, t)
            return tuple(result)

        return hook

    return factory


# ---------------------------------------------------------------- attrs classes


def _attrs_factory(converter: cattrs.Converter) -> Callable[[Any], Any]:
    def factory(cl: Any) -> Callable[[Any, Any], Any]:
        renames: dict[str, Any] = {
            a.name: override(rename=a.metadata[KEY]) for a in attrs.fields(cl) if KEY in a.metadata
        }
        fn = make_dict_structure_fn(cl, converter, _cattrs_forbid_extra_keys=True, **renames)

        def hook(value: Any, t: Any) -> Any:
            if value is None:
                value = {}
            if not isinstance(value, Mapping):
                raise InvalidValueError(value, "a mapping")
            return fn(value, t)

        return hook

    return factory


def make_converter() -> cattrs.Converter:
    """A converter with detailed validation and the strict rules of this module."""
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_factory(_is_mapping, _mapping_factory(converter))
    converter.register_structure_hook_factory(_is_homogeneous_tuple, _tuple_factory(converter))
    converter.register_structure_hook_factory(attrs.has, _attrs_factory(converter))
    secret_ref = _attrs_factory(converter)(SecretRef)

    def structure_secret(value: Any, t: Any) -> SecretRef:
        if isinstance(value, str):
            return SecretRef(name=value)
        if isinstance(value, Mapping):
            result: SecretRef = secret_ref(value, t)
            return result
        raise InvalidValueError(value, "a secret name or a mapping with 'name' and 'json-key'")

    converter.register_structure_hook(SecretRef, structure_secret)
    return converter


#: The converter of the manifest model.
converter = make_converter()


def structure(data: Any, cl: type[T]) -> T:
    """`data` (parsed YAML) as `cl`; raises cattrs' ClassValidationError and friends."""
    return converter.structure(data, cl)


def structure_doc(doc: Document, cl: type[T], at: KeyPath = ()) -> tuple[T | None, list[Problem]]:
    """The part of `doc` at key path `at` as `cl`, or None and one Problem per error."""
    data: Any = doc.data
    for part in at:
        data = data.get(part) if isinstance(data, Mapping) else None
    try:
        return converter.structure(data, cl), []
    except Exception as exc:
        found = [
            Problem(doc.file, dotted(path), message, line=doc.line_of(path))
            for path, message in _walk(exc, at, [])
        ]
        return None, sorted(found, key=lambda p: p.line or 0)


def _walk(
    exc: BaseException, path: KeyPath, out: list[tuple[KeyPath, str]]
) -> list[tuple[KeyPath, str]]:
    """Flatten cattrs' exception groups into (YAML key path, message) pairs.

    Like `cattrs.transform_error`, but paths use the YAML keys (`public-port`,
    not `public_port`) and unknown keys get a "did you mean".
    """
    if isinstance(exc, ClassValidationError):
        keys = yaml_keys(exc.cl)
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            _walk(sub, (*path, keys.get(note.name, note.name)), out)
        for sub in without:
            if isinstance(sub, ForbiddenExtraKeysError):
                valid = sorted(keys.values())
                for extra in sorted(sub.extra_fields):
                    out.append(((*path, extra), unknown_key_message(extra, valid)))
            else:
                _walk(sub, path, out)
    elif isinstance(exc, IterableValidationError):
        with_notes_i, without_i = exc.group_exceptions()
        for sub, inote in with_notes_i:
            _walk(sub, (*path, inote.index), out)
        for sub in without_i:
            _walk(sub, path, out)
    elif isinstance(exc, KeyError):
        out.append((path, "required key missing"))
    elif isinstance(exc, InvalidValueError):
        out.append((path, exc.message))
    elif isinstance(exc, ValueError | TypeError):
        out.append((path, str(exc)))
    else:
        out.append((path, f"invalid value ({type(exc).__name__}: {exc})"))
    return out
