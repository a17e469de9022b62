"""Structs sent to jsii's kernel from the values they hold, not through their getters.

jsii sends a struct (a props class such as `ecs.CfnTaskDefinition.
ContainerDefinitionProperty`) by reading every field through its getter. The
generated getter is `self._values.get("name")` under a `typing.cast` whose type
(`typing.Optional[typing.Union[builtins.str, "IResolvable"]]`, ...) Python builds
on every read; there are more such types than the 128 typing keeps, so each read
builds it again, forward references compiled. At 200 services that is about
200,000 reads. `install()` has jsii read the same values from `_values` directly,
for the structs jsii generated (their class is `jsii.data_type`'s own, with the
getters `tests/test_structs.py` checks against this); anything else (a subclass
of a struct, maps, lists, objects) is sent as jsii sends it. The message is the
same, key for key, so the templates are too.
"""

from __future__ import annotations

from typing import Any

#: jsii's own function, once install() has replaced it (for what is not a generated struct).
JSII_REFERENCE: list[Any] = [None]


def reference(kernel: Any, value: Any) -> Any:
    """jsii's `_make_reference_for_native`: `value` as the kernel's wire format."""
    cls = type(value)
    if "__jsii_struct_bases__" in cls.__dict__:  # made by jsii.data_type, not a subclass
        values = value._values
        return {
            "$jsii.struct": {
                "fqn": cls.__jsii_type__,
                "data": {
                    jsii_name: reference(kernel, values.get(python_name))
                    for python_name, jsii_name in cls.__jsii_name_mapping__.items()
                },
            }
        }
    if cls is dict:
        return {"$jsii.map": {k: reference(kernel, v) for k, v in value.items()}}
    if cls is list:
        return [reference(kernel, item) for item in value]
    return JSII_REFERENCE[0](kernel, value)


def install() -> bool:
    """jsii made to send structs from their values; False where it is left as it is."""
    import jsii._kernel as jsii_kernel  # noqa: PLC0415

    current = getattr(jsii_kernel, "_make_reference_for_native", None)
    if current is None:
        return False
    if current is not reference:
        JSII_REFERENCE[0] = current
        setattr(jsii_kernel, "_make_reference_for_native", reference)  # noqa: B010
    return True
