"""Rules for JSON Schemas the user writes (function parameters, structured outputs).

Any such schema must be valid draft 2020-12 (checked structurally against the meta-schema);
function parameters must describe an object. With `strict: true`, OpenAI's Structured Outputs
subset applies: every object has `additionalProperties: false` and lists every property in
`required`; composition keywords it does not support are rejected; at most 10 levels of
nesting and 5,000 properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.manifests.loader import FieldPath

MAX_DEPTH = 10
MAX_PROPERTIES = 5000
UNSUPPORTED_IN_STRICT = (
    "allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
    "patternProperties",
)
KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "definitions", "title",
    "description", "type", "enum", "const", "default", "examples", "deprecated",
    "properties", "required", "additionalProperties", "propertyNames", "minProperties",
    "maxProperties", "items", "prefixItems", "contains", "minContains", "maxContains",
    "minItems", "maxItems", "uniqueItems", "unevaluatedItems", "unevaluatedProperties",
    "anyOf", "oneOf", "pattern", "format", "minLength", "maxLength", "contentEncoding",
    "contentMediaType", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "readOnly", "writeOnly", "nullable", *UNSUPPORTED_IN_STRICT})
"""The JSON Schema keywords (draft 2020-12, and OpenAPI's `nullable`): in strict mode a key
that is none of them is an error, never a silent extra."""
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "prefixItems")


def parameters_problems(schema: Any) -> list[tuple[FieldPath, str]]:
    """Problems of a function's `parameters` that apply whether or not strict is on."""
    if isinstance(schema, dict) and schema.get("type", "object") != "object":
        return [(("type",), f"function parameters must be an object schema, not "
                            f"'{schema.get('type')}'")]
    return []


def strict_problems(schema: Any) -> list[tuple[FieldPath, str]]:
    """Return (path inside the schema, message) for every strict-mode violation."""
    if not isinstance(schema, dict):
        return []
    problems: list[tuple[FieldPath, str]] = []
    if schema.get("type") != "object" or "anyOf" in schema:
        problems.append(((), "in strict mode the root must be `type: object` (not anyOf)"))
    count = 0
    for path, node, depth in _walk(schema, (), 1):
        problems.extend(_node_problems(path, node, depth))
        count += len(node.get("properties", {}) or {})
    if count > MAX_PROPERTIES:
        problems.append(((), f"strict mode allows at most {MAX_PROPERTIES:,} properties; "
                             f"this schema has {count:,}"))
    return problems


def _node_problems(path: FieldPath, node: dict[str, Any], depth: int) -> Iterator[
        tuple[FieldPath, str]]:
    for key, value in node.items():
        if key not in KEYWORDS:
            yield (path + (key,), f"'{key}' is not a JSON Schema keyword: in strict mode every "
                                  "key of a schema must be one (a `{...}` flow mapping splits "
                                  "an unquoted value at ', ': quote such a value)")
        elif value is None:
            yield (path + (key,), f"'{key}' has no value (null): give it one or remove it")
    for name, child in (node.get("properties") or {}).items():
        if not isinstance(child, dict):
            yield (path + ("properties", name),
                   f"property '{name}' has no schema (it is {_shown(child)}): each property "
                   "must be a schema such as {type: string}")
    for keyword in UNSUPPORTED_IN_STRICT:
        if keyword in node:
            yield (path + (keyword,), f"'{keyword}' is not supported in strict mode")
    if depth > MAX_DEPTH:
        yield (path, f"strict mode allows at most {MAX_DEPTH} levels of nesting")
    if not _is_object(node):
        return
    if node.get("additionalProperties") is not False:
        yield (path, "strict mode requires `additionalProperties: false` on every object")
    properties = node.get("properties", {}) or {}
    required = set(node.get("required", []) or [])
    missing = [name for name in properties if name not in required]
    if missing:
        yield (path + ("required",) if "required" in node else path,
               "strict mode requires every property to be required; not required: "
               + ", ".join(missing) + " (make optional fields nullable instead, e.g. "
               "type: [string, 'null'])")


def _shown(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _is_object(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or (
        kind is None and "properties" in node)


def _walk(node: dict[str, Any], path: FieldPath, depth: int) -> Iterator[
        tuple[FieldPath, dict[str, Any], int]]:
    yield path, node, depth
    for key in _SUBSCHEMA_MAPS:
        children = node.get(key)
        if isinstance(children, dict):
            inner = depth + 1 if key == "properties" else depth
            for name, child in children.items():
                if isinstance(child, dict):
                    yield from _walk(child, path + (key, name), inner)
    for key in _SUBSCHEMA_LISTS:
        children = node.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                if isinstance(child, dict):
                    yield from _walk(child, path + (key, index), depth)
    for key in ("items", "additionalProperties"):
        child = node.get(key)
        if isinstance(child, dict):
            yield from _walk(child, path + (key,), depth + (key == "items"))
