"""Structural validation: the published JSON Schemas applied to each document.

jsonschema reports failures in its own vocabulary; `explain` turns each into one precise issue
(unknown field with a suggestion, missing field, wrong type, out of range, ...), choosing the
right branch of a union (by the `type` discriminator, or by which branch fits the value).

jsonschema is imported when a schema is first checked (most modules come here for
`did_you_mean` alone). The schemas of the models checked on every run (`checked_models`) ship
in the package (`shipped_schemas`, written by `makeschemas`), so that no run generates them: a
test keeps them exactly what the models generate.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import VERSION, BaseModel

from reconciler.diagnostics import Code
from reconciler.jsontypes import json_type
from reconciler.model.common import LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, NAME_PATTERN
from reconciler.model.config import ProjectConfig
from reconciler.model.kindspec import registry

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

FieldPath = tuple[str | int, ...]

FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SCHEMA_VALUED = (("function", "parameters"), ("json_schema", "schema"), ("format", "schema"))



@cache
def tool_api() -> dict[str, str]:
    """Each built-in tool type, with the API that has it (from the kinds' tool dialects)."""
    return {t: spec.tools.api_name for spec in registry().RESOURCES if spec.tools is not None
            for t in spec.tools.types if t != "function"}


_PATTERN_WORDS = {
    NAME_PATTERN: "1-63 lowercase letters, digits, '-', '_' or '.', starting and ending with "
                  "a letter or digit",
    r"^[a-zA-Z0-9_-]{1,64}$": "1-64 letters, digits, '_' or '-'",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "a letter or '_' followed by letters, digits or '_'",
    LABEL_KEY_PATTERN: "up to 128 letters, digits, '.', '_', '-' or '/', starting and ending "
                       "with a letter or digit",
    LABEL_VALUE_PATTERN: "up to 63 letters, digits, '.', '_' or '-', starting and ending with a "
                         "letter or digit (or empty)",
}

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return the draft 2020-12 schema of a pydantic model, with descriptions."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": DRAFT, **schema}


@dataclass(frozen=True)
class Issue:
    """One structural problem at a field path of a document."""

    code: Code
    path: FieldPath
    message: str
    hint: str | None = None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """Suggest the closest candidate, as a hint."""
    options = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.7)
    return f"did you mean '{options[close[0]]}'?" if close else None


def checked_models() -> tuple[type[BaseModel], ...]:
    """The models whose schema checks instances on every run, valid or not: reconciler.yaml's,
    and each kind's spec once templates and variables are applied (their schemas ship)."""
    return (ProjectConfig, *(spec.spec_model for spec in registry().REGISTRY
                             if spec.spec_model is not None))


def model_name(model: type[BaseModel]) -> str:
    """Where a model is defined, e.g. `reconciler.model.config.ProjectConfig`."""
    return f"{model.__module__}.{model.__qualname__}"


def checked_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema instances of `model` are checked against: `model_schema(model)`, shipped in
    the package for the `checked_models` when the pydantic that generated it runs, else made
    now."""
    from reconciler.manifests import shipped_schemas

    shipped = shipped_schemas.SCHEMAS.get(model_name(model))
    if shipped is None or shipped_schemas.PYDANTIC != VERSION:
        return model_schema(model)
    return shipped


@cache
def validator_for(model: type[BaseModel]) -> Draft202012Validator:
    """Return a validator of the published schema of `model` (built once)."""
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(checked_schema(model), format_checker=FormatChecker())


def check(model: type[BaseModel], instance: Any, prefix: FieldPath = ()) -> list[Issue]:
    """Validate `instance` against the schema of `model`; return every issue, in order."""
    errors = validator_for(model).iter_errors(instance)
    issues: list[Issue] = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        for issue in explain(error):
            issue = _mark_schema_valued(issue)
            issues.append(Issue(issue.code, prefix + issue.path, issue.message, issue.hint))
    return issues


def explain(error: ValidationError) -> Iterator[Issue]:
    """Turn one jsonschema error into precise issues."""
    path: FieldPath = tuple(error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        yield _explain_property_name(error, path)
        return
    handler = _HANDLERS.get(str(error.validator), _explain_other)
    yield from handler(error, path)


def _mark_schema_valued(issue: Issue) -> Issue:
    names = [p for p in issue.path if isinstance(p, str)]
    for i in range(len(names) - 1):
        if (names[i], names[i + 1]) in _SCHEMA_VALUED and issue.code not in (
                Code.UNKNOWN_FIELD, Code.MISSING_FIELD):
            return Issue(Code.INVALID_JSON_SCHEMA, issue.path,
                         f"not a valid JSON Schema: {issue.message}", issue.hint)
    return issue


def _explain_union(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    discriminator = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if discriminator and isinstance(error.instance, dict):
        yield from _explain_discriminated(error, path, discriminator)
        return
    branches = _branch_errors(error)
    viable = [i for i in range(len(error.validator_value)) if not _incompatible(branches[i], path)]
    if len(viable) == 1:
        for sub in branches[viable[0]]:
            yield from explain(sub)
        return
    if not viable:
        expected = _expected_types(error, path)
        yield Issue(Code.INVALID_TYPE, path,
                    f"expected {_words(expected)}, got {json_type(error.instance)}"
                    f"{_show(error.instance)}", _type_hint(expected, error.instance))
        return
    from jsonschema.exceptions import best_match

    candidates = [e for i in viable for e in branches[i]]
    best = best_match(candidates) if candidates else None
    if best is None:
        yield Issue(Code.INVALID_VALUE, path, error.message)
    else:
        yield from explain(best)


def _explain_discriminated(
    error: ValidationError, path: FieldPath, discriminator: dict[str, Any]
) -> Iterator[Issue]:
    prop = discriminator["propertyName"]
    mapping: dict[str, str] = discriminator["mapping"]
    value = error.instance.get(prop)
    choices = ", ".join(mapping)
    if prop not in error.instance:
        yield Issue(Code.MISSING_FIELD, path + (prop,),
                    f"missing required field '{prop}' (one of: {choices})")
        return
    if value not in mapping:
        if prop == "type" and value in tool_api():
            yield Issue(Code.TOOL_NOT_SUPPORTED, path + (prop,),
                        f"tool type '{value}' is not supported here; expected one of: {choices}",
                        f"'{value}' is a built-in tool of the {tool_api()[value]}")
            return
        hint = did_you_mean(str(value), mapping) if isinstance(value, str) else None
        yield Issue(Code.INVALID_VALUE, path + (prop,),
                    f"'{value}' is not a valid {prop} here; expected one of: {choices}", hint)
        return
    target = mapping[value]
    index = next(i for i, s in enumerate(error.validator_value) if s.get("$ref") == target)
    for sub in _branch_errors(error)[index]:
        yield from explain(sub)


def _branch_errors(error: ValidationError) -> dict[int, list[ValidationError]]:
    branches: dict[int, list[ValidationError]] = defaultdict(list)
    for sub in error.context or ():
        branches[int(sub.relative_schema_path[0])].append(sub)
    return branches


def _incompatible(errors: Sequence[ValidationError], path: FieldPath) -> bool:
    """True when a branch rejects the value's very type (not just its content)."""
    for sub in errors:
        if tuple(sub.absolute_path) != path:
            continue
        if sub.validator == "type":
            return True
        if sub.validator in ("oneOf", "anyOf"):
            branches = _branch_errors(sub)
            if all(_incompatible(branches[i], path) for i in range(len(sub.validator_value))):
                return True
    return False


def _expected_types(error: ValidationError, path: FieldPath) -> list[str]:
    found: list[str] = []
    for sub in error.context or ():
        if tuple(sub.absolute_path) != path:
            continue
        if sub.validator == "type":
            values = sub.validator_value if isinstance(sub.validator_value, list) else [
                sub.validator_value]
            found.extend(v for v in values if v not in found)
        elif sub.validator in ("oneOf", "anyOf"):
            found.extend(t for t in _expected_types(sub, path) if t not in found)
    return found


def _explain_additional(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    allowed = list(error.schema.get("properties", {}))
    for key in error.instance:
        if key in allowed:
            continue
        hint = did_you_mean(str(key), allowed) or (
            f"allowed fields: {', '.join(allowed)}" if allowed else None)
        yield Issue(Code.UNKNOWN_FIELD, path + (key,), f"unknown field '{key}'", hint)


def _explain_required(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    for name in error.validator_value:
        if isinstance(error.instance, dict) and name not in error.instance:
            yield Issue(Code.MISSING_FIELD, path + (name,), f"missing required field '{name}'")


def _explain_type(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    expected = error.validator_value if isinstance(error.validator_value, list) else [
        error.validator_value]
    yield Issue(Code.INVALID_TYPE, path,
                f"expected {_words(expected)}, got {json_type(error.instance)}"
                f"{_show(error.instance)}", _type_hint(expected, error.instance))


def _explain_choice(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
    shown = ", ".join(repr(a) if isinstance(a, str) else str(a) for a in allowed)
    hint = None
    if isinstance(error.instance, str):
        hint = did_you_mean(error.instance, [a for a in allowed if isinstance(a, str)])
    verb = "must be" if len(allowed) == 1 else "must be one of:"
    yield Issue(Code.INVALID_VALUE, path, f"{_show(error.instance).strip()} is not allowed; "
                                          f"{verb} {shown}", hint)


def _explain_length(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    limit = error.validator_value
    size = len(error.instance)
    if error.validator == "maxLength":
        yield Issue(Code.TOO_LONG, path, f"is {size:,} characters long; the limit is {limit:,}")
    elif error.validator == "minLength":
        yield Issue(Code.INVALID_VALUE, path, "must not be empty" if limit == 1
                    else f"must be at least {limit} characters long")
    elif error.validator in ("maxItems", "maxProperties"):
        unit = "items" if error.validator == "maxItems" else "keys"
        yield Issue(Code.TOO_MANY, path, f"has {size} {unit}; the limit is {limit}")
    else:
        unit = "items" if error.validator == "minItems" else "keys"
        yield Issue(Code.INVALID_VALUE, path, f"has {size} {unit}; at least {limit} needed")


def _explain_range(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    schema = error.schema
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        bound = f"between {low} and {high}"
    elif low is not None:
        bound = f"{'greater than' if 'exclusiveMinimum' in schema else 'at least'} {low}"
    else:
        bound = f"{'less than' if 'exclusiveMaximum' in schema else 'at most'} {high}"
    yield Issue(Code.OUT_OF_RANGE, path, f"{error.instance} is out of range: must be {bound}")


def _explain_pattern(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    words = _PATTERN_WORDS.get(error.validator_value, f"the pattern {error.validator_value}")
    yield Issue(Code.INVALID_VALUE, path, f"'{error.instance}' is not valid: use {words}")


def _explain_format(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    yield Issue(Code.INVALID_VALUE, path,
                f"'{error.instance}' is not a valid {error.validator_value} (e.g. 2026-08-26)")


def _explain_property_name(error: ValidationError, path: FieldPath) -> Issue:
    key = str(error.instance)
    if error.validator == "not":
        return Issue(Code.RESERVED_METADATA_KEY, path + (key,),
                     f"metadata key '{key}' is reserved for the reconciler's ownership marks",
                     "choose another key; 'managed-by' and 'reconciler-*' are reserved")
    if error.validator == "maxLength":
        return Issue(Code.TOO_LONG, path + (key,),
                     f"key '{key}' is {len(key)} characters long; the limit is "
                     f"{error.validator_value}")
    words = _PATTERN_WORDS.get(str(error.validator_value), f"the pattern {error.validator_value}")
    return Issue(Code.INVALID_VALUE, path + (key,), f"key '{key}' is not valid: use {words}")


def _explain_other(error: ValidationError, path: FieldPath) -> Iterator[Issue]:
    yield Issue(Code.INVALID_VALUE, path, error.message)


_HANDLERS = {
    "oneOf": _explain_union,
    "anyOf": _explain_union,
    "additionalProperties": _explain_additional,
    "required": _explain_required,
    "type": _explain_type,
    "enum": _explain_choice,
    "const": _explain_choice,
    "maxLength": _explain_length,
    "minLength": _explain_length,
    "maxItems": _explain_length,
    "minItems": _explain_length,
    "maxProperties": _explain_length,
    "minProperties": _explain_length,
    "minimum": _explain_range,
    "maximum": _explain_range,
    "exclusiveMinimum": _explain_range,
    "exclusiveMaximum": _explain_range,
    "pattern": _explain_pattern,
    "format": _explain_format,
}

def _show(value: Any) -> str:
    if isinstance(value, dict | list) or value is None:  # the type says it all
        return ""
    text = repr(value) if isinstance(value, str) else ("null" if value is None else str(value))
    if isinstance(value, bool):
        text = "true" if value else "false"
    return f" {text[:60]}{'…' if len(text) > 60 else ''}"


def _words(items: Sequence[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return items[0] if items else "another type"
    return ", ".join(items[:-1]) + " or " + items[-1]


def _type_hint(expected: Sequence[str], value: Any) -> str | None:
    if "string" in expected and isinstance(value, bool | int | float):
        return "quote the value to make it a string"
    if "object" in expected and isinstance(value, str) and re.match(r"^[\w.-]+$", value):
        return None
    return None
