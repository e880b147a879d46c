"""Check a request body against a JSON schema as the OpenAI API checks it, and word the first
problem as the API does, naming the parameter (`tools[0].function.name`).

A general JSON Schema validator answers the wrong question for an API: when a tool matches no
branch of `oneOf`, it reports whichever branch failed "best", often about another field. The
API reads a union the way its typed models do: by the JSON type of the value, then, for
objects, by the `type` discriminator, whose unknown value is the error (`Invalid value: 'x'.
Supported values are: 'a', 'b', and 'c'.`, `param: tools[0].type`). And its models are closed:
an object schema with `properties` and no `additionalProperties` refuses unknown keys at any
depth, although the spec leaves many of them open (the emulator docs list where, with the
evidence). Only `additionalProperties: true` (function parameters, JSON schemas) or a schema
for the values (metadata, attributes) opens an object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from openai_emulator.infra.errors import ApiError, invalid

JSON_WORDS = {"object": "an object", "array": "an array", "string": "a string",
              "integer": "an integer", "number": "a decimal", "boolean": "a boolean",
              "null": "null"}
Path = tuple[str | int, ...]


def json_type(value: Any) -> str:
    """The JSON Schema type name of a value (the emulator's own, like
    `reconciler.jsontypes.json_type`: it imports nothing from the reconciler, so the fake
    never agrees with the code under test by construction)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "null"


def param_name(path: Iterable[str | int]) -> str:
    """Render a parameter path as OpenAI does: `tools[0].function.name`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def supported(values: Iterable[Any]) -> str:
    """`'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`: the API's list of supported values."""
    quoted = [_quote(v) for v in dict.fromkeys(values)]
    if len(quoted) < 3:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _quote(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


class BodyChecker:
    """Walks a schema (refs resolved within `root`) beside a value; returns the first problem."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def check(self, schema: dict[str, Any], value: Any) -> ApiError | None:
        return self._check(schema, value, (), None)

    # --- schemas -------------------------------------------------------------------------

    def _resolve(self, node: Any, anchor: Any) -> Any:
        while isinstance(node, dict) and ("$ref" in node or "$recursiveRef" in node):
            if "$recursiveRef" in node:
                node = anchor
                continue
            target: Any = self.root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _types(self, node: Any, anchor: Any) -> set[str] | None:
        """The JSON types a schema accepts (None: any)."""
        node = self._resolve(node, anchor)
        if not isinstance(node, dict):
            return None
        branches = node.get("anyOf") or node.get("oneOf")
        if branches and "type" not in node:
            found: set[str] = set()
            for branch in branches:
                types = self._types(branch, anchor)
                if types is None:
                    return None
                found |= types
            return found
        declared = node.get("type")
        if declared is not None:
            return {declared} if isinstance(declared, str) else set(declared)
        if "const" in node or "enum" in node:
            return {json_type(v) for v in node.get("enum", [node.get("const")])}
        return {"object"} if "properties" in node else None

    def _tags(self, node: dict[str, Any], anchor: Any) -> list[Any] | None:
        """The values of an object branch's `type` discriminator (None: not discriminated)."""
        prop = self._resolve(node.get("properties", {}).get("type"), anchor)
        if not isinstance(prop, dict):
            return None
        if "const" in prop:
            return [prop["const"]]
        return list(prop["enum"]) if "enum" in prop else None

    # --- values --------------------------------------------------------------------------

    def _check(self, node: Any, value: Any, path: Path, anchor: Any) -> ApiError | None:
        node = self._resolve(node, anchor)
        if not isinstance(node, dict):
            return None
        if node.get("$recursiveAnchor"):
            anchor = node
        if "type" in node or "properties" in node:
            problem = self._check_type(node, value, path, anchor)
            if problem is not None:
                return problem
        for member in node.get("allOf", []):
            if (problem := self._check(member, value, path, anchor)) is not None:
                return problem
        branches = node.get("anyOf") or node.get("oneOf")
        if branches and all(isinstance(b, dict) and set(b) == {"required"} for b in branches):
            problem = _required_group(node, value, path)
        elif branches:
            problem = self._union(branches, value, path, anchor)
        else:
            problem = None
        return problem or self._check_value(node, value, path, anchor)

    def _check_type(self, node: dict[str, Any], value: Any, path: Path,
                    anchor: Any) -> ApiError | None:
        accepted = self._types({k: v for k, v in node.items() if k not in ("anyOf", "oneOf")},
                               anchor)
        if accepted is None or _accepts(accepted, value):
            return None
        return _wrong_type(path, accepted, value)

    def _union(self, branches: list[Any], value: Any, path: Path,
               anchor: Any) -> ApiError | None:
        resolved = [self._resolve(b, anchor) for b in branches]
        candidates = [b for b in resolved if _accepts(self._types(b, anchor), value)]
        if not candidates:
            expected: set[str] = set()
            for branch in resolved:
                expected |= self._types(branch, anchor) or set()
            return _wrong_type(path, expected, value)
        if isinstance(value, dict) and len(candidates) > 1:
            tagged = [(b, self._tags(b, anchor)) for b in candidates]
            if all(tags is not None for _, tags in tagged):
                return self._discriminated(tagged, value, path, anchor)
        problems = []
        for branch in candidates:
            problem = self._check(branch, value, path, anchor)
            if problem is None:
                return None
            problems.append(problem)
        enums = [p for p in problems if isinstance(p, BadValue) and p.param == problems[0].param]
        if len(enums) == len(problems) > 1:
            return _bad_enum(path, value, [v for p in enums for v in p.allowed])
        return problems[0]

    def _discriminated(self, tagged: list[tuple[dict[str, Any], list[Any] | None]],
                       value: dict[str, Any], path: Path, anchor: Any) -> ApiError | None:
        if "type" not in value:
            return _missing((*path, "type"))
        if not isinstance(value["type"], str):
            return _wrong_type((*path, "type"), {"string"}, value["type"])
        for branch, tags in tagged:
            if value["type"] in (tags or []):
                return self._check(branch, value, path, anchor)
        every = [tag for _, tags in tagged for tag in tags or []]
        return _bad_enum((*path, "type"), value["type"], every)

    def _check_value(self, node: dict[str, Any], value: Any, path: Path,
                     anchor: Any) -> ApiError | None:
        allowed = node.get("enum", [node["const"]] if "const" in node else None)
        if allowed is not None and value not in allowed:
            return _bad_enum(path, value, allowed)
        if isinstance(value, str):
            return _string_limits(node, value, path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_limits(node, value, path)
        if isinstance(value, list):
            return self._check_array(node, value, path, anchor)
        if isinstance(value, dict):
            return self._check_object(node, value, path, anchor)
        return None

    def _check_array(self, node: dict[str, Any], value: list[Any], path: Path,
                     anchor: Any) -> ApiError | None:
        name = param_name(path)
        if "minItems" in node and len(value) < node["minItems"]:
            return invalid(f"Invalid '{name}': empty array. Expected an array with minimum "
                           f"length {node['minItems']}, but got an empty array instead."
                           if not value else
                           f"Invalid '{name}': array too short. Expected an array with minimum "
                           f"length {node['minItems']}, but got an array with length "
                           f"{len(value)} instead.", name,
                           "empty_array" if not value else "array_below_min_length")
        if "maxItems" in node and len(value) > node["maxItems"]:
            return invalid(f"Invalid '{name}': array too long. Expected an array with maximum "
                           f"length {node['maxItems']}, but got an array with length "
                           f"{len(value)} instead.", name, "array_above_max_length")
        items = node.get("items")
        for index, item in enumerate(value):
            if items is not None and (
                    problem := self._check(items, item, (*path, index), anchor)) is not None:
                return problem
        return None

    def _check_object(self, node: dict[str, Any], value: dict[str, Any], path: Path,
                      anchor: Any) -> ApiError | None:
        properties: dict[str, Any] = node.get("properties", {})
        extra = node.get("additionalProperties", not properties)
        for key in value:
            if key not in properties and extra is False:
                name = param_name((*path, key))
                return invalid(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        for key in node.get("required", []):
            if key not in value:
                return _missing((*path, key))
        if "maxProperties" in node and len(value) > node["maxProperties"]:
            name = param_name(path)
            return invalid(f"Invalid '{name}': too many properties. Expected an object with at "
                           f"most {node['maxProperties']} properties, but got an object with "
                           f"{len(value)} properties instead.", name,
                           "object_above_max_properties")
        for key, item in value.items():
            schema = properties.get(key, extra if isinstance(extra, dict) else None)
            if schema is not None and (
                    problem := self._check(schema, item, (*path, key), anchor)) is not None:
                return problem
            names = node.get("propertyNames", {})
            if "maxLength" in names and len(key) > names["maxLength"]:
                name = param_name((*path, key))
                return invalid(f"Invalid '{name}': the key is longer than {names['maxLength']} "
                               "characters.", name, "string_above_max_length")
        return None


def _required_group(node: dict[str, Any], value: Any, path: Path) -> ApiError | None:
    """`anyOf` (one group of keys at least) or `oneOf` (exactly one) of required keys."""
    if not isinstance(value, dict):
        return None
    groups = [b["required"] for b in node.get("anyOf") or node["oneOf"]]
    present = [group for group in groups if all(key in value for key in group)]
    if not present:
        return _missing((*path, groups[0][0]))
    if "oneOf" in node and len(present) > 1:
        first, second = present[0][0], present[1][0]
        name = param_name((*path, second))
        return invalid(f"Invalid request: '{first}' and '{second}' are mutually exclusive; "
                       "provide only one of them.", name, "invalid_request")
    return None


def _accepts(types: set[str] | None, value: Any) -> bool:
    if types is None:
        return True
    kind = json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def _wrong_type(path: Path, expected: set[str], value: Any) -> ApiError:
    name = param_name(path)
    order = ["object", "array", "string", "integer", "number", "boolean"]
    words = " or ".join(JSON_WORDS[t] for t in order if t in expected) or "null"
    return invalid(f"Invalid type for '{name}': expected {words}, but got "
                   f"{JSON_WORDS[json_type(value)]} instead.", name, "invalid_type")


def _missing(path: Path) -> ApiError:
    name = param_name(path)
    return invalid(f"Missing required parameter: '{name}'.", name, "missing_required_parameter")


class BadValue(ApiError):
    """A value outside an enum, with the values that were allowed."""

    def __init__(self, path: Path, value: Any, allowed: list[Any]) -> None:
        super().__init__(400, f"Invalid value: {_quote(value)}. Supported values are: "
                              f"{supported(allowed)}.", param=param_name(path) or None,
                         code="invalid_value")
        self.allowed = list(allowed)


def _bad_enum(path: Path, value: Any, allowed: list[Any]) -> ApiError:
    return BadValue(path, value, allowed)


def _string_limits(node: dict[str, Any], value: str, path: Path) -> ApiError | None:
    name = param_name(path)
    if "maxLength" in node and len(value) > node["maxLength"]:
        return invalid(f"Invalid '{name}': string too long. Expected a string with maximum "
                       f"length {node['maxLength']}, but got a string with length "
                       f"{len(value)} instead.", name, "string_above_max_length")
    if "minLength" in node and len(value) < node["minLength"]:
        return invalid(f"Invalid '{name}': string too short. Expected a string with minimum "
                       f"length {node['minLength']}, but got a string with length "
                       f"{len(value)} instead.", name, "string_below_min_length")
    return None


def _number_limits(node: dict[str, Any], value: float, path: Path) -> ApiError | None:
    name = param_name(path)
    kind = "integer" if isinstance(value, int) and node.get("type") == "integer" else "decimal"
    if "minimum" in node and value < node["minimum"]:
        return invalid(f"Invalid '{name}': {kind} below minimum value. Expected a value >= "
                       f"{node['minimum']}, but got {value} instead.", name,
                       f"{kind}_below_min_value")
    if "maximum" in node and value > node["maximum"]:
        return invalid(f"Invalid '{name}': {kind} above maximum value. Expected a value <= "
                       f"{node['maximum']}, but got {value} instead.", name,
                       f"{kind}_above_max_value")
    return None
