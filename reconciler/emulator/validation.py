"""Request validation with OpenAI's wording: "Unknown parameter", "Missing required parameter",
"Invalid type for", "Invalid value for" — each naming the `param`."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from reconciler.emulator.errors import ApiError, invalid
from reconciler.emulator.openapi import json_schema_compatible, subset

SUBSET_URI = "urn:openai:openapi-subset"
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
JSON_TYPES = {"object": "an object", "array": "an array", "string": "a string",
              "integer": "an integer", "number": "a decimal", "boolean": "a boolean",
              "null": "null"}


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    resource = Resource.from_contents(json_schema_compatible(subset()),
                                      default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(SUBSET_URI, resource)
    schema = {"$ref": f"{SUBSET_URI}#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry)


def param_name(path: list[Any] | tuple[Any, ...]) -> str:
    """Render a parameter path as OpenAI does: `tools[0].function.name`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_body(schema_name: str, body: Any) -> None:
    """Check a JSON body against a request schema of the spec; raise the first problem."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    error = best_match(_validator(schema_name).iter_errors(body))
    if error is not None:
        raise _api_error(error)


def _api_error(error: ValidationError) -> ApiError:
    path = list(error.absolute_path)
    if error.validator in ("anyOf", "oneOf") and error.context:
        here = [e for e in error.context if list(e.absolute_path) == path]
        if here and len(here) == len(error.context) and all(e.validator == "type"
                                                              for e in here):
            expected = [t for e in here for t in (
                e.validator_value if isinstance(e.validator_value, list) else [e.validator_value])]
            name = param_name(path) or None
            words = " or ".join(JSON_TYPES.get(t, t) for t in dict.fromkeys(expected))
            return invalid(f"Invalid type for '{name}': expected {words}, but got "
                           f"{_json_type(error.instance)} instead.", name, "invalid_type")
        deeper = best_match(e for e in error.context if e.validator != "type")
        if deeper is not None:
            return _api_error(deeper)
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        extra = next((k for k in error.instance if k not in allowed), "?")
        name = param_name([*path, extra])
        return invalid(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
    if error.validator == "required":
        missing = next((k for k in error.validator_value if k not in error.instance), "?")
        name = param_name([*path, missing])
        return invalid(f"Missing required parameter: '{name}'.", name,
                       "missing_required_parameter")
    name = param_name(path) or None
    if error.validator == "type":
        expected = error.validator_value
        words = JSON_TYPES.get(expected, str(expected)) if isinstance(expected, str) else (
            " or ".join(JSON_TYPES.get(e, e) for e in expected))
        return invalid(f"Invalid type for '{name}': expected {words}, but got "
                       f"{_json_type(error.instance)} instead.", name, "invalid_type")
    code = {"maxItems": "array_above_max_length", "maxLength": "string_above_max_length",
            "minimum": "decimal_below_min_value", "maximum": "decimal_above_max_value"}.get(
        str(error.validator), "invalid_value")
    return invalid(f"Invalid value for '{name}': {error.message}", name, code)


def _json_type(value: Any) -> str:
    """OpenAI's words for a value's type: "an integer", "a decimal", ..."""
    return JSON_TYPES.get(json_type(value), "a value")


def parse_model(model: type[BaseModel], body: Any) -> Any:
    """Validate a body with a pydantic request model; raise the first problem OpenAI-style."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    try:
        return model.model_validate(body)
    except PydanticError as exc:
        first = exc.errors()[0]
        loc = [p for p in first["loc"] if not (isinstance(p, str) and p in _UNION_TAGS)]
        name = param_name(loc)
        if first["type"] == "extra_forbidden":
            raise invalid(f"Unknown parameter: '{name}'.", name, "unknown_parameter") from exc
        if first["type"] == "missing":
            raise invalid(f"Missing required parameter: '{name}'.", name,
                          "missing_required_parameter") from exc
        raise invalid(f"Invalid value for '{name}': {first['msg']}.", name,
                      "invalid_value") from exc


_UNION_TAGS = {"function", "tool_search", "programmatic_tool_calling", "mcp", "web_search",
               "computer_use", "automations", "http", "stdio", "text", "json_schema"}


def check_metadata(metadata: Any, param: str = "metadata") -> None:
    """Apply the API's metadata limits: 16 keys, keys 64 and string values 512 characters."""
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise invalid(f"Invalid type for '{param}': expected an object.", param, "invalid_type")
    if len(metadata) > 16:
        raise invalid(f"Invalid '{param}': too many properties. Expected an object with at most "
                      f"16 properties, but got an object with {len(metadata)} properties "
                      "instead.", param, "object_above_max_properties")
    for key, value in metadata.items():
        if len(key) > 64:
            raise invalid(f"Invalid '{param}': metadata keys must be at most 64 characters.",
                          f"{param}.{key}", "string_above_max_length")
        if isinstance(value, str) and len(value) > 512:
            raise invalid(f"Invalid '{param}.{key}': string too long. Expected a string with "
                          f"maximum length 512, but got a string with length {len(value)} "
                          "instead.", f"{param}.{key}", "string_above_max_length")


def check_function_names(tools: list[dict[str, Any]], *, nested: bool) -> None:
    """Function names must be 1-64 letters, digits, '_' or '-'."""
    for index, tool in enumerate(tools):
        if tool.get("type") != "function":
            continue
        name = (tool.get("function") or {}).get("name") if nested else tool.get("name")
        if isinstance(name, str) and not FUNCTION_NAME.match(name):
            param = f"tools[{index}].function.name" if nested else f"tools[{index}].name"
            raise invalid(f"Invalid '{param}': string does not match pattern. Expected a "
                          "string that matches the pattern '^[a-zA-Z0-9_-]+$'.", param,
                          "invalid_value")


_JSON_NAMES = {dict: "object", list: "array", str: "string", type(None): "null"}


def json_type(value: Any) -> str:
    """The JSON Schema type name of a value, as OpenAI's messages name it (the reconciler
    has its own: the emulator imports nothing from it)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return _JSON_NAMES.get(type(value), type(value).__name__)
