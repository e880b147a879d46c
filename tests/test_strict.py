"""Function parameters and Structured Outputs schemas: strict-mode rules."""

from __future__ import annotations

from typing import Any

from reconciler.manifests.jsonschema_rules import parameters_problems, strict_problems


def obj(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False, **extra}


def test_a_compliant_nested_schema_has_no_problems() -> None:
    schema = obj({
        "name": {"type": "string"},
        "address": obj({"city": {"type": ["string", "null"]}}),
        "tags": {"type": "array", "items": obj({"label": {"type": "string"}})},
        "choice": {"anyOf": [obj({"a": {"type": "string"}}), {"type": "null"}]},
        "ref": {"$ref": "#/$defs/thing"},
    }, **{"$defs": {"thing": obj({"id": {"type": "integer"}})}})
    assert strict_problems(schema) == []


def test_nested_violations_are_found_with_paths() -> None:
    schema = obj({
        "address": {"type": "object", "properties": {"city": {"type": "string"}}},
        "items": {"type": "array", "items": {"type": "object", "properties": {},
                                             "additionalProperties": False}},
    }, **{"$defs": {"loose": {"type": "object", "properties": {"x": {"type": "string"}},
                              "required": ["x"]}}})
    problems = strict_problems(schema)
    paths = [p for p, _ in problems]
    assert ("properties", "address") in paths                  # additionalProperties
    assert any("not required: city" in m for _, m in problems)
    assert ("$defs", "loose") in paths
    assert all(p != ("properties", "items", "items") for p in paths)


def test_root_must_be_an_object_and_unsupported_keywords_fail() -> None:
    assert strict_problems({"anyOf": [obj({})]})[0][0] == ()
    problems = strict_problems(obj({"a": {"type": "string"}}, allOf=[{}]))
    assert [p for p, _ in problems] == [("allOf",)]


def test_depth_and_size_limits() -> None:
    schema: dict[str, Any] = obj({"leaf": {"type": "string"}})
    for _ in range(10):
        schema = obj({"child": schema})
    assert any("levels of nesting" in m for _, m in strict_problems(schema))
    wide = obj({f"p{i}": {"type": "string"} for i in range(5001)})
    assert any("5,000 properties" in m for _, m in strict_problems(wide))


def test_parameters_must_describe_an_object() -> None:
    assert parameters_problems({"type": "object"}) == []
    assert parameters_problems({"properties": {}}) == []
    assert parameters_problems({"type": "array"})[0][0] == ("type",)


def test_unknown_keywords_null_keywords_and_schemaless_properties_fail_in_strict_mode() -> None:
    from reconciler.manifests.jsonschema_rules import strict_problems

    # `{type: string, description: The id, e.g. ACC-1234.}` parsed as a flow mapping
    slipped = {"type": "object", "additionalProperties": False, "required": ["id", "n"],
               "properties": {"id": {"type": "string", "description": "The id",
                                     "e.g. ACC-1234.": None},
                              "n": None}}
    found = strict_problems(slipped)
    assert ((("properties", "id", "e.g. ACC-1234."),
             "'e.g. ACC-1234.' is not a JSON Schema keyword: in strict mode every key of a "
             "schema must be one (a `{...}` flow mapping splits an unquoted value at ', ': "
             "quote such a value)") in found)
    assert any(path == ("properties", "n") and "has no schema (it is null)" in message
               for path, message in found)
    nulled = {"type": "object", "additionalProperties": False, "required": ["a"],
              "properties": {"a": {"type": "string", "description": None}}}
    assert strict_problems(nulled) == [
        (("properties", "a", "description"), "'description' has no value (null): give it one "
                                             "or remove it")]
