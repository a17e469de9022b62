"""`exo-cdk schema`: JSON Schema (draft 2020-12) of application.yml and service.yml.

Generated at run time from the attrs model (`exosphere_cdk.manifest.load.exo_deploy.schema`),
following the converter's rules: YAML keys from the `KEY` metadata, unknown
keys refused (`additionalProperties: false`), strings that may be written as
numbers, `null` for an empty list, mapping or section. Each field's `Spec`
gives its description, default, range, pattern and allowed values.
`environments` is raw in the model: `production` is described strictly, other
environments are free, as the loader reads only the deployed one.
"""

from __future__ import annotations

import collections.abc
import types
from typing import Any, Union, get_args, get_origin

import attrs

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.load.exo_deploy import schema as model
from exosphere_cdk.manifest.load.exo_deploy.schema import (
    Application,
    Environment,
    SecretRef,
    Service,
)
from exosphere_cdk.manifest.load.go_era import schema as go
from exosphere_cdk.manifest.model.app import ERAS
from exosphere_cdk.manifest.model.spec import KEY, SPEC, Spec, spec_of

DRAFT = "https://json-schema.org/draft/2020-12/schema"
FILES = {"application": Application, "service": Service}
#: The manifests of each family (`ERAS`), by file.
ERA_FILES: dict[str, dict[str, type]] = {
    "exo-deploy": FILES,
    "go-f1": {"application": go.F1Application, "service": go.F1Service},
    "go-f2": {"application": go.F2Application, "service": go.F2Service},
    "go-f3": {"application": go.F3Application, "service": go.F3Service},
    "go-f4": {"application": go.F4Application, "service": go.F4Service},
    "go-f5": {"application": go.F5Application, "service": go.F5Service},
}


def constraint(spec: Spec) -> dict[str, Any]:
    """The JSON Schema keywords of a Spec's constraint on one value."""
    found: dict[str, Any] = {}
    if spec.minimum is not None:
        found["minimum"] = spec.minimum
    if spec.maximum is not None:
        found["maximum"] = spec.maximum
    if spec.pattern is not None:
        found["pattern"] = spec.pattern
    if spec.enum is not None:
        found["enum"] = list(spec.enum)
    return found


def _constrain(schema: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """`schema` (of a field) with the constraint of `spec` on its value, items or keys."""
    keywords = constraint(spec)
    if "items" in schema:
        schema = {**schema, "items": {**schema["items"], **keywords}}
    elif "additionalProperties" in schema:
        if spec.names is not None:
            schema = {**schema, "propertyNames": constraint(spec.names)}
        if keywords:  # a mapping of plain values: the constraint is each value's
            values = schema["additionalProperties"]
            schema = {**schema, "additionalProperties": {**values, **keywords}}
    elif "$ref" in schema or ("anyOf" in schema and "type" not in schema):
        pass  # a section: its own fields carry their constraints
    else:
        schema = {**schema, **keywords}
    return schema


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def type_schema(self, t: Any) -> dict[str, Any]:
        origin = get_origin(t)
        if origin in (Union, types.UnionType):
            options = [a for a in get_args(t) if a is not type(None)]
            inner = (
                self.type_schema(options[0])
                if len(options) == 1
                else {"anyOf": [self.type_schema(a) for a in options]}
            )
            return _nullable(inner)
        if t is str:
            # numbers are read as written (`version: 1.10` is "1.10"); booleans are not text
            return {"type": ["string", "number"]}
        if t is bool:
            return {"type": "boolean"}
        if t is int:
            return {"type": "integer"}
        if t is Any:
            return {}
        if origin is tuple:
            return {"type": ["array", "null"], "items": self.type_schema(get_args(t)[0])}
        if origin in (collections.abc.Mapping, dict):
            value = get_args(t)[1] if get_args(t) else Any
            return {"type": ["object", "null"], "additionalProperties": self.type_schema(value)}
        if attrs.has(t):
            return {"$ref": f"#/$defs/{self.define(t)}"}
        raise TypeError(f"no JSON Schema for {t!r}")  # pragma: no cover - a new model type

    def define(self, cl: type) -> str:
        name = cl.__name__
        if name in self.defs:
            return name
        self.defs[name] = {}  # a placeholder against recursion
        if cl is SecretRef:  # `NAME` or `{name, json-key}` (the converter's own hook)
            shorthand = {"type": ["string", "number"], **constraint(spec_of(cl, "name"))}
            self.defs[name] = {
                "description": (cl.__doc__ or "").strip(),
                "anyOf": [shorthand, self.object_schema(cl)],
            }
        else:
            self.defs[name] = self.object_schema(cl)
        return name

    def object_schema(self, cl: type) -> dict[str, Any]:
        hints = attrs.resolve_types(cl)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for a in attrs.fields(hints):
            yaml_key = a.metadata.get(KEY, a.name)
            if cl is model.Application and a.name == "environments":
                prop = self.environments_schema()
            else:
                prop = dict(self.type_schema(a.type))
            spec: Spec = a.metadata.get(SPEC, Spec())
            prop = _constrain(prop, spec)
            if spec.doc:
                prop["description"] = spec.doc
            if a.default is attrs.NOTHING:
                required.append(yaml_key)
            elif isinstance(a.default, str | int | bool) and a.default is not None:
                prop["default"] = a.default
            properties[yaml_key] = prop
        schema: dict[str, Any] = {
            # an empty section (`production:`) means all defaults
            "type": ["object", "null"] if not required else "object",
            "properties": properties,
            "additionalProperties": False,
        }
        doc = (cl.__doc__ or "").strip()
        if doc and not doc.startswith(f"{cl.__name__}("):
            schema["description"] = doc.splitlines()[0]
        if required:
            schema["required"] = required
        return schema

    def environments_schema(self) -> dict[str, Any]:
        return {
            "type": ["object", "null"],
            "properties": {"production": {"$ref": f"#/$defs/{self.define(Environment)}"}},
            "additionalProperties": True,
        }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def json_schema(which: str, era: str = "exo-deploy") -> dict[str, Any]:
    """The JSON Schema of `application` (application.yml) or `service` (service.yml) of the
    manifest family `era` (`ERAS`)."""
    cl = ERA_FILES[era][which]
    builder = _Builder()
    root = builder.object_schema(cl)
    root["type"] = "object"  # the file itself must be a mapping
    title = (
        f"Exosphere {which}.yml (exo-deploy era, with exosphere-cdk's extensions)"
        if era == "exo-deploy"
        else f"Exosphere {which}.yml ({ERAS[era]})"
    )
    return {
        "$schema": DRAFT,
        "title": title,
        **root,
        "$defs": dict(sorted(builder.defs.items())),
    }


# ---------------------------------------------------------------- the reference in docs/manifest.md

#: How the keys of each mapping of sections are written in the reference.
_PLACEHOLDERS = {
    "environments": "<env>",
    "public": "<role>",
    "private": "<role>",
    "worker": "<role>",
    "services": "<role>",
    "dependencies": "<name>",
    "secrets": "<NAME>",
}


def _sections(root: type, title: str) -> dict[type, list[str]]:
    """Every class of the model under `root` (depth first, in field order), with
    the key paths it is found at."""
    found: dict[type, list[str]] = {root: [title]}

    def visit(cl: type, path: str) -> None:
        for a in attrs.fields(attrs.resolve_types(cl)):
            yaml_key = a.metadata.get(KEY, a.name)
            at = f"{path}.{yaml_key}" if path else yaml_key
            if cl is Application and a.name == "environments":
                inner: type | None = Environment
                at += ".<env>"
            else:
                inner = _section_type(a.type)
                origin = get_origin(a.type)
                if origin is tuple:
                    at += "[]"
                elif origin in (collections.abc.Mapping, dict):
                    at += "." + _PLACEHOLDERS.get(yaml_key, "<name>")
            if inner is None:
                continue
            seen = inner in found
            found.setdefault(inner, []).append(f"`{at}`")
            if not seen:
                visit(inner, at)

    visit(root, "")
    return found


def _section_type(t: Any) -> type | None:
    """The model class a field's type holds (itself, optional, in a list or a mapping)."""
    args = [a for a in get_args(t) if a is not type(None) and a is not Ellipsis]
    candidates = [t, *args]
    return next((c for c in candidates if isinstance(c, type) and attrs.has(c)), None)


def _type_text(t: Any) -> str:
    origin = get_origin(t)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(t) if a is not type(None)]
        return _type_text(options[0]) if len(options) == 1 else "any"
    if origin is tuple:
        return f"list of {_type_text(get_args(t)[0])}s"
    if origin in (collections.abc.Mapping, dict):
        return "mapping"
    if attrs.has(t):
        return "section"
    return {str: "string", int: "integer", bool: "boolean"}.get(t, "any")


def _default_text(a: attrs.Attribute[Any], spec: Spec) -> str:
    if isinstance(a.default, str | int | bool) and a.default is not None:
        shown = str(a.default).lower() if isinstance(a.default, bool) else a.default
        return f"`{shown}`"
    if a.default is attrs.NOTHING:
        return "required"
    if attrs.has(type(a.default)):
        return "its keys' defaults"
    return spec.default_doc or "none"


def _allowed_text(spec: Spec) -> str:
    parts: list[str] = []
    if spec.minimum is not None or spec.maximum is not None:
        unit = f" {spec.unit}" if spec.unit else ""
        parts.append(f"{spec.minimum} to {spec.maximum}{unit}")
    if spec.enum is not None:
        parts.append(spec.expected or "one of " + ", ".join(f"`{v}`" for v in spec.enum))
    elif spec.pattern is not None:
        parts.append(spec.expected)
    if spec.names is not None:
        parts.append(f"names: {spec.names.expected}")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def reference_markdown(era: str = "exo-deploy", level: str = "###") -> str:
    """The manifest reference of docs/manifest.md: a table per section, from the model of the
    family `era`, its headings at `level`."""
    lines: list[str] = []
    for which, cl in ERA_FILES[era].items():
        for section, paths in _sections(cl, f"{which}.yml").items():
            if section is model.Providers:
                continue  # one key, `aws`: its own section follows
            heading = " / ".join(paths)
            lines += [f"{level} {heading}", ""]
            doc = (section.__doc__ or "").strip().splitlines()[0] if section.__doc__ else ""
            if (
                doc
                and not doc.startswith(f"{section.__name__}(")
                and doc.strip(".`") not in heading
            ):
                lines += [doc, ""]
            lines += ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
            for a in attrs.fields(attrs.resolve_types(section)):
                spec: Spec = a.metadata.get(SPEC, Spec())
                meaning = spec.doc + (" *(extension)*" if spec.extension else "")
                row = (
                    f"`{a.metadata.get(KEY, a.name)}`",
                    _type_text(a.type),
                    _default_text(a, spec),
                    _allowed_text(spec),
                    meaning,
                )
                lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
            lines.append("")
    return "\n".join(lines)


def go_reference_markdown() -> str:
    """The Go era's reference of docs/manifest.md: each family's sections, from its model."""
    parts = []
    for era in ERA_FILES:
        if era != "exo-deploy":
            title = ERAS[era]
            parts.append(f"### {title}\n\n{reference_markdown(era, '####')}")
    return "\n".join(parts)


def exocom_releases_markdown() -> str:
    """The table of ExoCom releases of docs/architecture.md, from manifest/data/exocom.py."""

    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    shapes = {
        "list-namespace": "`[{role, receives, sends, namespace}]`",
        "list-translations": (
            "`[{role, receives, sends, messageTranslations: [{public, internal}]}]`"
        ),
        "map-translations": "`{<role>: {receives, sends, translations: [{public, internal}]}}`",
    }
    translations = {
        "node-namespace": "namespaced role: sent `<ns>.b…` → `<role>.b`; received `a.b…` →"
        " `<role>.b` (second dot-segment only)",
        "go-namespace": "namespaced role: any `a.b…` → `<role>.b`",
        "one-to-one": "one-to-one: `<ns>.x` ↔ `<role>.x`, the whole name kept",
    }
    lines = [
        "| versions | server, command | routes | translation | tasks per role |"
        " clients reconnect | a refused send | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in exocom.FAMILIES:
        deployment = exocom.service_deployment(f)
        pct = f"{deployment.minimum_healthy_percent}/{deployment.maximum_percent} %"
        tasks = (
            f"several (deployments {pct}; min-tasks, max-tasks)"
            if f.several_per_role
            else f"one (deployments {pct}: the old task stops first)"
        )
        row = (
            ", ".join(f"`{v}`" for v in f.versions),
            f"{f.server}, " + (f"`{' '.join(f.command)}`" if f.command else "the image's own"),
            f"`{f.port_variable}` = {exocom.EXOCOM_PORT}; `{f.routes_variable}` ="
            f" {shapes[f.routes_shape]}",
            translations[f.translation],
            tasks,
            yes(f.clients_reconnect)
            + ("" if f.clients_reconnect else " (every service restarted after ExoCom starts)"),
            "stops ExoCom" if f.stops_on_refused_send else "a warning in ExoCom's log",
            f.note,
        )
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"
