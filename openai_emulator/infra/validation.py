"""Request validation with OpenAI's wording: "Unknown parameter", "Missing required parameter",
"Invalid type for", "Invalid value" — each naming the `param` (see `bodycheck`), and the limits
the schemas do not state (metadata, function names)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from openai_emulator.infra.bodycheck import BodyChecker, json_type, param_name
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.openapi import json_schema_compatible, subset

FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
__all__ = ["json_type", "param_name", "validate_body", "validate_model_body"]


@cache
def _spec_checker() -> BodyChecker:
    return BodyChecker(json_schema_compatible(subset()))


@cache
def _model_checker(model: type[BaseModel]) -> tuple[BodyChecker, dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    return BodyChecker(schema), schema


def validate_body(schema_name: str, body: Any) -> None:
    """Check a JSON body against a request schema of the spec; raise the first problem."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    problem = _spec_checker().check({"$ref": f"#/components/schemas/{schema_name}"}, body)
    if problem is not None:
        raise problem


def validate_model_body(model: type[BaseModel], body: Any) -> Any:
    """Check a body against the JSON schema of a request model (the Agents API, which the spec
    lacks) as the API checks it, then parse it."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    checker, schema = _model_checker(model)
    problem = checker.check(schema, body)
    if problem is not None:
        raise problem
    return parse_model(model, body)


def parse_model(model: type[BaseModel], body: Any) -> Any:
    """Validate a body with a pydantic request model; raise the first problem OpenAI-style
    (what the JSON schema check cannot see)."""
    try:
        return model.model_validate(body)
    except PydanticError as exc:
        first = exc.errors()[0]
        name = param_name([p for p in first["loc"] if isinstance(p, int | str)])
        raise invalid(f"Invalid value for '{name}': {first['msg']}.", name,
                      "invalid_value") from exc


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
