"""`/v1/models` and `/v1/assistants` (Assistants API v2)."""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator import listing
from openai_emulator.beta import BetaHeader
from openai_emulator.errors import ApiError, invalid
from openai_emulator.http import delete_object, json_body, load_object, ok, state_of
from openai_emulator.state import State, new_id
from openai_emulator.validation import check_function_names, check_metadata, validate_body

KIND = "assistant"
DEFAULTS: dict[str, Any] = {
    "name": None, "description": None, "instructions": None, "tools": [],
    "tool_resources": {}, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
    "response_format": "auto", "reasoning_effort": None,
}


SYSTEM_OWNERS = frozenset({"system", "openai", "openai-internal", "openai-dev"})
"""Owners of the models every account sees; any other owner (an organisation's fine-tuned
models) is the caller's, who may delete them."""
DELETED_MODEL = "deleted_model"


def live_models(state: State) -> list[dict[str, Any]]:
    """The account's models, less those it deleted (kept in the store: a reset restores them)
    and those whose shutdown date has come: the API no longer lists a shut-down model."""
    deleted = {m["id"] for m in state.store.all(DELETED_MODEL)}
    today = state.today().isoformat()
    return [m for m in state.models if m["id"] not in deleted
            and not (isinstance(m.get("shutdown_date"), str) and m["shutdown_date"] <= today)]


async def list_models(request: Request) -> JSONResponse:
    return ok({"object": "list", "data": live_models(state_of(request))})


def _find_model(state: State, model_id: str) -> dict[str, Any]:
    for model in live_models(state):
        if model["id"] == model_id:
            return model
    raise ApiError(404, f"The model '{model_id}' does not exist or you do not have access to "
                        "it.", code="model_not_found")


async def get_model(request: Request) -> JSONResponse:
    return ok(_find_model(state_of(request), request.path_params["model"]))


async def delete_model(request: Request) -> JSONResponse:
    """Delete a fine-tuned model the caller owns; OpenAI's own models answer 403."""
    state = state_of(request)
    model = _find_model(state, request.path_params["model"])
    if model["owned_by"] in SYSTEM_OWNERS:
        raise ApiError(403, f"You do not have permission to delete the model '{model['id']}': "
                            "only fine-tuned models your organization owns can be deleted.",
                       code="insufficient_permissions")
    state.store.insert(DELETED_MODEL, {"id": model["id"]}, created_at=state.now())
    return ok({"id": model["id"], "object": "model", "deleted": True})


def check_model(state: State, model: str) -> None:
    """Refuse a model the account does not have, as OpenAI does."""
    if model not in {m["id"] for m in live_models(state)}:
        raise ApiError(400, f"The requested model '{model}' does not exist.", param="model",
                       code="model_not_found")


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
        from openai_emulator.vector_stores import create_store

        store = create_store(state, helpers[0])
        search["vector_store_ids"] = [store["id"]]
    return result


BETA = BetaHeader("/v1/assistants", "assistants=v2", "Assistants")
"""Requests under this prefix must carry `OpenAI-Beta: assistants=v2`, as OpenAI's do."""

ROUTES = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model:path}", get_model, methods=["GET"]),
    Route("/v1/models/{model:path}", delete_model, methods=["DELETE"]),
    Route("/v1/assistants", create_assistant, methods=["POST"]),
    Route("/v1/assistants", list_assistants, methods=["GET"]),
    Route("/v1/assistants/{assistant_id}", get_assistant, methods=["GET"]),
    Route("/v1/assistants/{assistant_id}", modify_assistant, methods=["POST"]),
    Route("/v1/assistants/{assistant_id}", delete_assistant, methods=["DELETE"]),
]
