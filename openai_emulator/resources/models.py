"""`/v1/models`: list, retrieve, and delete a fine-tuned model the caller owns."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain.catalog import DELETED_MODEL, live_models
from openai_emulator.infra.errors import ApiError
from openai_emulator.infra.http import ok, state_of
from openai_emulator.infra.state import State

SYSTEM_OWNERS = frozenset({"system", "openai", "openai-internal", "openai-dev"})
"""Owners of the models every account sees; any other owner (an organisation's fine-tuned
models) is the caller's, who may delete them."""


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


ROUTES = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model:path}", get_model, methods=["GET"]),
    Route("/v1/models/{model:path}", delete_model, methods=["DELETE"]),
]
