"""Error shapes and statuses as OpenAI produces them: 400, 401, 404, 413."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.emulator.harness import Emulator, sdk_client, start_emulator


def raw(emulator: Emulator, method: str, path: str, *, body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(emulator.url + path, data=body, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _shape(payload: Any) -> set[str]:
    return set(payload["error"])


def test_401_without_a_bearer_key(emulator: Emulator) -> None:
    status, payload = raw(emulator, "GET", "/models")
    assert status == 401 and _shape(payload) == {"message", "type", "param", "code"}
    assert "didn't provide an API key" in payload["error"]["message"]


def test_401_with_the_wrong_key(tmp_path: Path) -> None:
    locked = start_emulator(tmp_path, "--api-key", "right-key")
    try:
        with pytest.raises(openai.AuthenticationError) as refused:
            sdk_client(locked.url, api_key="wrong-key").models.list()
        assert refused.value.body["code"] == "invalid_api_key"
        assert sdk_client(locked.url, api_key="right-key").models.list().data
    finally:
        locked.stop()


def test_assistants_need_the_beta_header(emulator: Emulator) -> None:
    status, payload = raw(emulator, "GET", "/assistants", headers={"Authorization": "Bearer k"})
    assert status == 400 and "assistants=v2" in payload["error"]["message"]


@pytest.mark.parametrize(("method", "path", "message"), [
    ("GET", "/assistants/asst_missing", "No assistant found with id 'asst_missing'."),
    ("DELETE", "/agents/agent_missing", "No agent found with id 'agent_missing'."),
    ("GET", "/files/file-missing", "No file found with id 'file-missing'."),
    ("GET", "/vector_stores/vs_missing", "No vector store found with id 'vs_missing'."),
    ("GET", "/vector_stores/vs_missing/files", "No vector store found with id 'vs_missing'."),
    ("GET", "/nothing/here", "Invalid URL (GET /v1/nothing/here)"),
])
def test_404(emulator: Emulator, method: str, path: str, message: str) -> None:
    headers = {"Authorization": "Bearer k", "OpenAI-Beta": "assistants=v2,agents=v1"}
    status, payload = raw(emulator, method, path, headers=headers)
    assert (status, payload["error"]["message"]) == (404, message)


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"model": "gpt-6-luna", "temprature": 1}, "temprature", "unknown_parameter"),
    ({"name": "x"}, "model", "missing_required_parameter"),
    ({"model": "gpt-6-luna", "temperature": "hot"}, "temperature", "invalid_type"),
    ({"model": "gpt-6-luna", "temperature": 2.5}, "temperature", "decimal_above_max_value"),
    ({"model": "gpt-6-luna", "name": "n" * 257}, "name", "string_above_max_length"),
    ({"model": "gpt-6-luna", "description": "d" * 513}, "description", "string_above_max_length"),
    ({"model": "gpt-6-luna", "instructions": "i" * 256_001}, "instructions",
     "string_above_max_length"),
    ({"model": "gpt-6-luna", "tools": [{"type": "code_interpreter"}] * 129}, "tools",
     "array_above_max_length"),
    ({"model": "gpt-6-luna", "metadata": {f"k{i}": "v" for i in range(17)}}, "metadata",
     "object_above_max_properties"),
    ({"model": "gpt-6-luna", "metadata": {"k": "v" * 513}}, "metadata.k",
     "string_above_max_length"),
    ({"model": "gpt-6-luna", "metadata": {"k" * 65: "v"}}, f"metadata.{'k' * 65}",
     "string_above_max_length"),
    ({"model": "gpt-6-luna", "tools": [{"type": "function", "function": {"name": "a b"}}]},
     "tools[0].function.name", "invalid_value"),
    ({"model": "gpt-6-luna", "reasoning_effort": "extreme"}, "reasoning_effort", "invalid_value"),
    ({"model": "gpt-9"}, "model", "model_not_found"),
])
def test_400_names_the_parameter(client: openai.OpenAI, body: dict[str, Any], param: str,
                                 code: str) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        client.post("/assistants", body=body, cast_to=object,
                    options={"headers": {"OpenAI-Beta": "assistants=v2"}})
    assert (error.value.body["param"], error.value.body["code"]) == (param, code)


def test_400_on_a_body_that_is_not_json(emulator: Emulator) -> None:
    headers = {"Authorization": "Bearer k", "OpenAI-Beta": "assistants=v2",
               "Content-Type": "application/json"}
    status, payload = raw(emulator, "POST", "/assistants", body=b"{not json", headers=headers)
    assert status == 400 and "could not parse the JSON body" in payload["error"]["message"]


def test_413_on_an_oversized_json_body(emulator: Emulator) -> None:
    headers = {"Authorization": "Bearer k", "OpenAI-Beta": "assistants=v2",
               "Content-Type": "application/json"}
    body = json.dumps({"model": "gpt-6-luna", "instructions": "x" * (11 * 1024 * 1024)}).encode()
    status, payload = raw(emulator, "POST", "/assistants", body=body, headers=headers)
    assert status == 413 and payload["error"]["code"] == "request_too_large"
