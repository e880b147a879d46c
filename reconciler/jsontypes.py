"""The JSON Schema type name of a Python value (shared by the validators' messages)."""

from __future__ import annotations

from typing import Any

_NAMES = {dict: "object", list: "array", str: "string", type(None): "null"}


def json_type(value: Any) -> str:
    """`object`, `array`, `string`, `integer`, `number`, `boolean` or `null`."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return _NAMES.get(type(value), type(value).__name__)
