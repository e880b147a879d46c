"""Run the emulator as a real process for tests and benchmarks, and check its answers
against the official OpenAPI spec (agents: against the `openai` package's own types)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import openai
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from reconciler.emulator.openapi import json_schema_compatible, load_spec
from reconciler.emulator.server import READY_PREFIX

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(os.environ.get("RECONCILER_OPENAPI_SPEC",
                                REPO.parent / "shared" / "openai-openapi" / "openapi.yaml"))
SPEC_URI = "urn:openai:openapi"


@dataclass
class Emulator:
    """A running emulator process."""

    url: str
    process: subprocess.Popen[str]
    db: Path

    @property
    def admin(self) -> str:
        return self.url.removesuffix("/v1") + "/admin"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.admin + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def faults(self, *rules: dict[str, Any], seed: int = 0, latency_ms: int = 0) -> None:
        self.call("PUT", "/faults", {"seed": seed, "latency_ms": latency_ms,
                                     "rules": list(rules)})

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/stats")
        return result

    def reset(self) -> None:
        self.call("POST", "/reset")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_emulator(folder: Path, *args: str, timeout: float = 30.0) -> Emulator:
    """Start `reconciler emulator serve --port 0` and wait until it answers."""
    db = folder / "emulator.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "serve", "--port", "0", "--db",
         str(db), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(READY_PREFIX):
            url = line[len(READY_PREFIX):].split(" ")[0]
            emulator = Emulator(url, process, db)
            _wait_healthy(emulator, deadline)
            return emulator
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the emulator did not start: {line}")


def _wait_healthy(emulator: Emulator, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            emulator.call("GET", "/health")
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the emulator does not answer")


# --- conformance to the spec -------------------------------------------------------------


@cache
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        raise RuntimeError(f"the OpenAPI spec is missing at {SPEC_PATH} (set "
                           "RECONCILER_OPENAPI_SPEC); conformance tests need it")
    return load_spec(SPEC_PATH)


@cache
def _registry() -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(
        json_schema_compatible(spec()), default_specification=DRAFT202012))


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
