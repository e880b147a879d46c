"""Run the emulator as a real process for tests and benchmarks, and check its answers
against the official OpenAPI spec (agents: against the `openai` package's own types)."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import openai
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from openai_emulator.infra.openapi import json_schema_compatible, load_spec
from openai_emulator.process import EmulatorProcess, spawn

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(os.environ.get("RECONCILER_OPENAPI_SPEC",
                                REPO / "tests" / "data" / "openai-openapi" / "openapi.yaml"))
"""OpenAI's published spec, vendored in the repository (see its SOURCE.md)."""
SPEC_URI = "urn:openai:openapi"


Emulator = EmulatorProcess
start_emulator = spawn


# --- conformance to the spec -------------------------------------------------------------


@cache
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        raise RuntimeError(f"the OpenAPI spec is missing at {SPEC_PATH} (set "
                           "RECONCILER_OPENAPI_SPEC); conformance tests need it")
    return load_spec(SPEC_PATH)


NULLABLE_IN_ANSWERS = {"OpenAIFile": ("expires_at", "status_details")}
"""Where the API answers null although the spec types a value (the SDK's types are Optional):
a file without expiry answers `"expires_at": null, "status_details": null`, as a real upload
shows (`curl .../v1/files -F purpose=evals`, May 2025)."""


ANSWERED_PURPOSES = ("evals",)
"""File purposes the spec's request takes (CreateFileRequest) but its file object omits; the
same upload answers `"purpose": "evals"`."""


def answer_schemas() -> dict[str, Any]:
    """The spec, with the errata above applied, for checking answers."""
    patched = copy.deepcopy(spec())
    schemas = patched["components"]["schemas"]
    schemas["OpenAIFile"]["properties"]["purpose"]["enum"] += list(ANSWERED_PURPOSES)
    for name, fields in NULLABLE_IN_ANSWERS.items():
        for field_name in fields:
            schemas[name]["properties"][field_name] = {
                "anyOf": [schemas[name]["properties"][field_name], {"type": "null"}]}
    return patched


@cache
def _registry() -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(
        json_schema_compatible(answer_schemas()), default_specification=DRAFT202012))


@cache
def schema_validator(ref: str) -> Draft202012Validator:
    """A validator for `#/components/...` of the spec."""
    return Draft202012Validator({"$ref": f"{SPEC_URI}{ref}"}, registry=_registry())


@cache
def _operations() -> list[tuple[str, re.Pattern[str], dict[str, Any]]]:
    found = []
    for path, item in spec()["paths"].items():
        pattern = re.compile("^/v1" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                found.append((method.upper(), pattern, operation))
    return found


def response_schema(method: str, path: str, status: int) -> str | None:
    """The `$ref` of the spec's schema for this response, or None when it has none."""
    if status >= 400:
        return "#/components/schemas/ErrorResponse"
    for op_method, pattern, operation in _operations():
        if op_method == method and pattern.match(path):
            response = operation["responses"].get(str(status), {})
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            ref = schema.get("$ref")
            return str(ref) if ref else None
    return None


AGENT_TYPES: dict[str, Any] = {}


def agent_problems(method: str, path: str, body: Any) -> list[str]:
    """Check an Agents API answer with the SDK's types: parsed with validation, no unknown
    keys, every documented key present."""
    from openai.types.beta import Agent, AgentDeleted

    if not isinstance(body, dict):
        return [f"{method} {path}: not an object"]
    if body.get("object") == "list":
        return [p for item in body["data"] for p in _model_problems(Agent, item, path)]
    model = AgentDeleted if body.get("object") == "agent.deleted" else Agent
    return _model_problems(model, body, path)


def _model_problems(model: Any, body: dict[str, Any], path: str) -> list[str]:
    try:
        model.model_validate(body, strict=False)
    except Exception as exc:  # pydantic ValidationError
        return [f"{path}: {exc}"]
    known = {f.alias or name for name, f in model.model_fields.items()}
    unknown = set(body) - known
    missing = {f.alias or n for n, f in model.model_fields.items() if f.is_required()} - set(body)
    return [f"{path}: unknown keys {sorted(unknown)}"] * bool(unknown) + [
        f"{path}: missing keys {sorted(missing)}"] * bool(missing)


@dataclass
class Conformance:
    """Collects every JSON answer that does not match the spec."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0

    def hook(self) -> Callable[[Any], None]:
        def check(response: Any) -> None:
            response.read()
            kind = response.headers.get("content-type", "")
            if "application/json" not in kind:
                return
            method, path = response.request.method, response.request.url.path
            body = response.json()
            self.checked += 1
            if path.startswith("/v1/agents") and response.status_code < 400:
                self.problems.extend(agent_problems(method, path, body))
                return
            ref = response_schema(method, path, response.status_code)
            if ref is None:
                self.problems.append(f"{method} {path} {response.status_code}: no schema in the "
                                     "spec for this answer")
                return
            for error in schema_validator(ref).iter_errors(body):
                self.problems.append(f"{method} {path} {response.status_code} vs {ref}: "
                                     f"{list(error.absolute_path)} {error.message[:200]}")
        return check


def sdk_client(url: str, conformance: Conformance | None = None, *, retries: int = 0,
               api_key: str = "test-key") -> openai.OpenAI:
    """An `openai` client for the emulator that checks every answer."""
    hooks = {"response": [conformance.hook()]} if conformance else {}
    http = openai.DefaultHttpxClient(event_hooks=hooks)
    return openai.OpenAI(base_url=url, api_key=api_key, max_retries=retries, http_client=http)
