"""`/v1/assistants` (Assistants API v2)."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain.catalog import check_model
from openai_emulator.domain.vector_records import create_store
from openai_emulator.infra import listing
from openai_emulator.infra.contract import BetaHeader
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.http import delete_object, json_body, load_object, ok, state_of
from openai_emulator.infra.state import State, new_id
from openai_emulator.infra.validation import check_function_names, check_metadata, validate_body

KIND = "assistant"
DEFAULTS: dict[str, Any] = {
    "name": None, "description": None, "instructions": None, "tools": [],
    "tool_resources": {}, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
    "response_format": "auto", "reasoning_effort": None,
}


async def create_assistant(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    validate_body("CreateAssistantRequest", body)
    _check(state, body)
    assistant = {"id": new_id("asst_"), "object": "assistant", "created_at": state.now(),
                 **copy.deepcopy(DEFAULTS)}
    _apply(state, assistant, body)
    state.store.insert(KIND, assistant, created_at=assistant["created_at"])
    return ok(assistant)


async def list_assistants(request: Request) -> JSONResponse:
    params = listing.parse(request)
    return ok(listing.from_store(state_of(request).store, KIND, params))


async def get_assistant(request: Request) -> JSONResponse:
    return ok(_load(request))


async def modify_assistant(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    validate_body("ModifyAssistantRequest", body)
    assistant = _load(request)
    _check(state, body)
    _apply(state, assistant, body)
    state.store.replace(KIND, assistant)
    return ok(assistant)


async def delete_assistant(request: Request) -> JSONResponse:
    return delete_object(request, KIND, "assistant_id", "assistant")


def _load(request: Request) -> dict[str, Any]:
    return load_object(request, KIND, "assistant_id", "assistant")


def _check(state: State, body: dict[str, Any]) -> None:
    if "model" in body:
        check_model(state, body["model"])
    check_metadata(body.get("metadata"))
    check_function_names(body.get("tools") or [], nested=True)
    resources = body.get("tool_resources") or {}
    for index, file_id in enumerate((resources.get("code_interpreter") or {}).get("file_ids", [])):
        if state.store.get("file", file_id) is None:
            raise invalid(f"No file found with id '{file_id}'.",
                          f"tool_resources.code_interpreter.file_ids[{index}]")
    search = resources.get("file_search") or {}
    for index, store_id in enumerate(search.get("vector_store_ids", [])):
        if state.store.get("vector_store", store_id) is None:
            raise invalid(f"No vector store found with id '{store_id}'.",
                          f"tool_resources.file_search.vector_store_ids[{index}]")


def _apply(state: State, assistant: dict[str, Any], body: dict[str, Any]) -> None:
    """Write the given fields; null resets a field to its default."""
    for key, value in body.items():
        if key == "tool_resources":
            value = _tool_resources(state, value)
        elif key == "tools" and value is not None:
            value = [resolve_tool(tool) for tool in value]
        assistant[key] = copy.deepcopy(DEFAULTS[key]) if value is None else value


FILE_SEARCH_RANKER = "default_2024_08_21"


def resolve_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool as the API answers it: a function's `strict` is `false` unless set; a file
    search without ranking options gets the API's (its dated ranker, threshold 0)."""
    resolved = copy.deepcopy(tool)
    if resolved["type"] == "function":
        function = resolved["function"]
        if function.get("strict") is None:
            function["strict"] = False
    elif resolved["type"] == "file_search":
        search = resolved.setdefault("file_search", {})
        search.setdefault("ranking_options", {"ranker": FILE_SEARCH_RANKER,
                                              "score_threshold": 0.0})
    return resolved


def _tool_resources(state: State, resources: dict[str, Any] | None) -> dict[str, Any]:
    """Resolve the `vector_stores` helper into a new vector store, as the API does."""
    if not resources:
        return {}
    result = copy.deepcopy(resources)
    search = result.get("file_search") or {}
    helpers = search.pop("vector_stores", None)
    if helpers:
        store = create_store(state, helpers[0])
        search["vector_store_ids"] = [store["id"]]
    return result


BETA = BetaHeader("/v1/assistants", "assistants=v2", "Assistants")
"""Requests under this prefix must carry `OpenAI-Beta: assistants=v2`, as OpenAI's do."""

ROUTES = [
    Route("/v1/assistants", create_assistant, methods=["POST"]),
    Route("/v1/assistants", list_assistants, methods=["GET"]),
    Route("/v1/assistants/{assistant_id}", get_assistant, methods=["GET"]),
    Route("/v1/assistants/{assistant_id}", modify_assistant, methods=["POST"]),
    Route("/v1/assistants/{assistant_id}", delete_assistant, methods=["DELETE"]),
]
