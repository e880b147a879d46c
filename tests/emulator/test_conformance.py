"""The generated conformance test: every operation the emulator serves is walked from the spec
(the Agents API, which the spec lacks, from the `openai` package's own param types). For each
body: a valid minimal and valid full bodies (a variant per union branch and enum value), an
unknown key in every closed object, a wrong type and a bad enum value for every field, every
required key left out; for each list: every enum value of its query, a bad one, a wrong type;
every other operation once. Each answer is checked: 200 and the spec's shape, or 400 with the
parameter named, OpenAI's code and OpenAI's wording.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx2
import pytest
from pydantic import TypeAdapter

from openai_emulator import routes
from openai_emulator.infra.openapi import json_schema_compatible
from openai_emulator.resources import seed, sessions, usage
from tests.emulator.casegen import BAD_VALUE, Case, Generator, Path
from tests.emulator.harness import (
    Emulator,
    agent_problems,
    response_schema,
    schema_validator,
    spec,
)

CHECKED_ELSEWHERE = (sessions, usage, seed)
"""Resources the spec does not describe as served here (agent sessions, the usage and cost
endpoints, the admin seeding): their answers are checked against the SDK's own types in
their own tests. Every other resource in the registry is checked here as it is added."""
MODULES = tuple(m for m in routes.RESOURCES if m not in CHECKED_ELSEWHERE)
BETA = {beta.prefix: beta.value for beta in routes.beta_headers()}
EXCLUSIVE = {"CreateVectorStoreFileBatchRequest": (("file_ids", "files"),)}
"""Keys the spec's descriptions make mutually exclusive: a full body sends one of them."""
MINIMUM_CASES = 400


@dataclass(frozen=True)
class Operation:
    method: str
    route: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.route}"


def served() -> list[Operation]:
    return [Operation(method, route.path) for module in MODULES for route in module.ROUTES
            for method in sorted(route.methods or ()) if method != "HEAD"]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@cache
def spec_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), _shape("/v1" + path)): operation
            for path, item in spec()["paths"].items()
            for method, operation in item.items() if isinstance(operation, dict)}


def spec_operation(operation: Operation) -> dict[str, Any] | None:
    return spec_operations().get((operation.method, _shape(operation.route)))


@cache
def spec_root() -> dict[str, Any]:
    root: dict[str, Any] = json_schema_compatible(spec())
    return root


def sdk_schema(params: Any) -> dict[str, Any]:
    """The JSON schema of an SDK params TypedDict, with the wire names of aliased keys."""
    text = json.dumps(TypeAdapter(params).json_schema()).replace('"async_"', '"async"')
    schema: dict[str, Any] = json.loads(text)
    return schema


def request_schema(operation: Operation) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """(root, schema, content type) of an operation's body, or None when it takes none."""
    if operation.route.startswith("/v1/agents") and operation.method == "POST":
        from openai.types.beta import agent_create_params, agent_update_params

        params = (agent_create_params.AgentCreateParams if operation.route == "/v1/agents"
                  else agent_update_params.AgentUpdateParams)
        schema = sdk_schema(params)
        return schema, schema, "application/json"
    found = spec_operation(operation)
    content = ((found or {}).get("requestBody") or {}).get("content", {})
    for kind, media in content.items():
        return spec_root(), media["schema"], kind
    return None


def query_schema(operation: Operation) -> dict[str, Any] | None:
    """The query parameters of a GET, as one object schema."""
    if operation.method != "GET":
        return None
    if operation.route == "/v1/agents":
        from openai.types.beta import agent_list_params

        return sdk_schema(agent_list_params.AgentListParams)
    found = spec_operation(operation) or {}
    query = {p["name"]: p["schema"] for p in found.get("parameters", []) if p["in"] == "query"}
    return {"type": "object", "properties": query} if query else None


# --- the emulator's objects ------------------------------------------------------------


class World:
    """Objects the generated requests name, created through the emulator itself."""

    def __init__(self, http: httpx2.Client) -> None:
        self.http = http
        self.file_id = self.upload("notes.md", b"# Notes\nalpha beta gamma\n")
        self.store_id = self.post("/v1/vector_stores", {"name": "kb"})["id"]
        self.post(f"/v1/vector_stores/{self.store_id}/files", {"file_id": self.file_id})
        self.batch_id = self.post(f"/v1/vector_stores/{self.store_id}/file_batches",
                                  {"file_ids": [self.file_id]})["id"]
        self.assistant_id = self.post("/v1/assistants", {"model": "gpt-6-luna"})["id"]
        self.agent_id = self.post("/v1/agents", {"model": "gpt-6.1-sol"})["id"]

    def upload(self, name: str, content: bytes) -> str:
        answer = self.http.post("/v1/files", files={"file": (name, io.BytesIO(content))},
                                data={"purpose": "assistants"})
        answer.raise_for_status()
        return str(answer.json()["id"])

    def post(self, path: str, body: Any) -> dict[str, Any]:
        answer = self.http.post(path, json=body, headers=beta(path))
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def path(self, operation: Operation) -> str:
        """The operation's path with ids; a delete gets objects of its own."""
        ids = {"assistant_id": self.assistant_id, "agent_id": self.agent_id,
               "store_id": self.store_id, "file_id": self.file_id,
               "batch_id": self.batch_id, "model": "gpt-6-luna"}
        if operation.method == "DELETE":
            ids.update(self.fresh(operation.route))
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: ids[m.group(1)], operation.route)

    def fresh(self, route: str) -> dict[str, str]:
        """New objects for a delete to remove."""
        if route == "/v1/assistants/{assistant_id}":
            return {"assistant_id": self.post("/v1/assistants", {"model": "gpt-6-luna"})["id"]}
        if route == "/v1/agents/{agent_id}":
            return {"agent_id": self.post("/v1/agents", {"model": "gpt-6.1-sol"})["id"]}
        if route == "/v1/vector_stores/{store_id}":
            return {"store_id": self.post("/v1/vector_stores", {})["id"]}
        file_id = self.upload("gone.md", b"gone")
        if route.startswith("/v1/vector_stores/"):
            self.post(f"/v1/vector_stores/{self.store_id}/files", {"file_id": file_id})
        return {"file_id": file_id}

    def hint(self, path: Path) -> Any:
        """Values a body needs to name real objects."""
        named = [p for p in path if isinstance(p, str)]
        last = named[-1] if named else ""
        if path == ("model",):
            return "gpt-6-luna"
        if path == ("query",):
            return "alpha"
        if last == "file_id" or (last == "file_ids" and isinstance(path[-1], int)):
            return self.file_id
        if last == "vector_store_ids" and isinstance(path[-1], int):
            return self.store_id
        return None


def beta(path: str) -> dict[str, str]:
    found = [value for prefix, value in BETA.items() if path.startswith(prefix)]
    return {"OpenAI-Beta": found[0]} if found else {}


@pytest.fixture(scope="module")
def http(emulator: Emulator) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=emulator.url.removesuffix("/v1"),
                       headers={"Authorization": "Bearer k"}, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def world(http: httpx2.Client) -> World:
    return World(http)


# --- checking answers -------------------------------------------------------------------


def problems_of(case: Case, operation: Operation, answer: httpx2.Response) -> list[str]:
    """What is wrong with an answer to a case (nothing: it passes)."""
    where = f"{operation.label} [{case.label}]"
    body = answer.json()
    if answer.status_code != case.status:
        return [f"{where}: {answer.status_code} instead of {case.status}: {body}"]
    if case.status == 200:
        return answer_problems(operation, answer.request.url.path, body)
    error = body["error"]
    found = (error["param"], error["code"])
    if found != (case.param, case.code):
        return [f"{where}: param/code {found} instead of {(case.param, case.code)}: "
                f"{error['message']}"]
    expected = {"unknown_parameter": f"Unknown parameter: '{case.param}'.",
                "missing_required_parameter": f"Missing required parameter: '{case.param}'."}
    message = error["message"]
    if case.code in expected and message != expected[case.code]:
        return [f"{where}: message {message!r}"]
    if case.code == "invalid_type" and not message.startswith(
            f"Invalid type for '{case.param}': expected "):
        return [f"{where}: message {message!r}"]
    if case.code == "invalid_value" and (
            not message.startswith(f"Invalid value: '{BAD_VALUE}'. Supported values are: ")
            or any(f"'{v}'" not in message for v in case.allowed)):
        return [f"{where}: message {message!r} should name {case.allowed}"]
    return []


def answer_problems(operation: Operation, path: str, body: Any) -> list[str]:
    if operation.route.startswith("/v1/agents"):
        return agent_problems(operation.method, path, body)
    ref = response_schema(operation.method, path, 200)
    if ref is None:
        return [f"{operation.label}: no answer schema in the spec"]
    return [f"{operation.label}: answer {list(e.absolute_path)} {e.message[:160]}"
            for e in schema_validator(ref).iter_errors(body)]


@dataclass
class Tally:
    cases: int = 0
    failures: list[str] | None = None

    def run(self, case: Case, operation: Operation, answer: httpx2.Response) -> None:
        self.cases += 1
        self.failures = (self.failures or []) + problems_of(case, operation, answer)

    def verdict(self) -> str:
        failures = self.failures or []
        shown = "\n".join(failures[:60])
        return (f"{len(failures)} of {self.cases} generated cases failed:\n{shown}"
                if failures else "")


# --- the walk ---------------------------------------------------------------------------


def json_cases(world: World, operation: Operation, root: dict[str, Any],
               schema: dict[str, Any]) -> list[Case]:
    name = str(schema.get("$ref", "")).rsplit("/", 1)[-1]
    generator = Generator(root, world.hint, EXCLUSIVE.get(name, ()))
    return list(generator.cases(schema))


def test_generated_bodies(http: httpx2.Client, world: World) -> None:
    tally = Tally()
    for operation in served():
        found = request_schema(operation)
        if found is None or found[2] != "application/json":
            continue
        root, schema, _ = found
        path = world.path(operation)
        for case in json_cases(world, operation, root, schema):
            answer = http.post(path, json=case.body, headers=beta(path))
            tally.run(case, operation, answer)
    assert tally.cases >= MINIMUM_CASES, f"only {tally.cases} cases were generated"
    assert not tally.failures, tally.verdict()


def test_generated_queries(http: httpx2.Client, world: World) -> None:
    tally = Tally()
    for operation in served():
        query = query_schema(operation)
        if query is None:
            continue
        path = world.path(operation)
        for name, schema in query["properties"].items():
            for case in query_cases(name, schema):
                answer = http.get(path, params=case.body, headers=beta(path))
                tally.run(case, operation, answer)
    assert tally.cases >= 20
    assert not tally.failures, tally.verdict()


def query_cases(name: str, schema: dict[str, Any]) -> Iterator[Case]:
    schema = schema.get("anyOf", [schema])[0]
    allowed = schema.get("enum") or ([schema["const"]] if "const" in schema else None)
    if allowed:
        for value in allowed:
            yield Case(f"{name}={value}", {name: value}, 200)
        yield Case(f"bad {name}", {name: BAD_VALUE}, 400, name, "invalid_value",
                   tuple(allowed))
    if schema.get("type") == "integer":
        yield Case(f"{name}=1", {name: 1}, 200)
        yield Case(f"wrong type {name}", {name: "x_wrong_type"}, 400, name, "invalid_type")


def test_generated_uploads(http: httpx2.Client, world: World) -> None:
    """The multipart body of `POST /v1/files`, from the spec's CreateFileRequest."""
    operation = Operation("POST", "/v1/files")
    found = request_schema(operation)
    assert found is not None and found[2] == "multipart/form-data"
    root, schema, _ = found
    generator = Generator(root, lambda path: None)
    tally = Tally()
    for case in generator.cases(schema):
        if case.code == "invalid_type" and not str(case.param).endswith("seconds"):
            continue  # form values are strings: only a number's can be of the wrong type
        fields = flatten({k: v for k, v in case.body.items() if k != "file"})
        upload = {"file": ("a.md", io.BytesIO(b"# a"))} if "file" in case.body else None
        tally.run(case, operation, http.post("/v1/files", data=fields, files=upload))
    assert tally.cases >= 8
    assert not tally.failures, tally.verdict()


def flatten(body: dict[str, Any]) -> dict[str, str]:
    """Form fields as the SDK sends them: `expires_after[anchor]`."""
    out = {}
    for key, value in body.items():
        if isinstance(value, dict):
            out.update({f"{key}[{k}]": str(v) for k, v in value.items()})
        else:
            out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


def test_every_other_operation_once(http: httpx2.Client, world: World) -> None:
    tally = Tally()
    for operation in served():
        if request_schema(operation) is not None:
            continue
        path = world.path(operation)
        answer = http.request(operation.method, path, headers=beta(path))
        if operation.route.endswith("/content") and operation.route.startswith("/v1/files"):
            assert answer.status_code == 200 and answer.content
            continue
        expected = 403 if operation.label == "DELETE /v1/models/{model:path}" else 200
        case = Case("once", None, expected, None, "insufficient_permissions"
                    if expected == 403 else None)
        tally.run(case, operation, answer)
    assert tally.cases >= 15
    assert not tally.failures, tally.verdict()
