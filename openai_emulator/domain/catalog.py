"""The account's models, as `/v1/models` lists them and every request naming a model is checked
against: the seed list (`State.models`), less the fine-tuned models the account deleted and
the models whose shutdown date has come."""

from __future__ import annotations

from typing import Any

from openai_emulator.infra.errors import ApiError
from openai_emulator.infra.state import State

DELETED_MODEL = "deleted_model"
"""The store's kind for a model the account deleted (a reset restores it)."""


def live_models(state: State) -> list[dict[str, Any]]:
    """The account's models, less those it deleted (kept in the store: a reset restores them)
    and those whose shutdown date has come: the API no longer lists a shut-down model."""
    deleted = {m["id"] for m in state.store.all(DELETED_MODEL)}
    today = state.today().isoformat()
    return [m for m in state.models if m["id"] not in deleted
            and not (isinstance(m.get("shutdown_date"), str) and m["shutdown_date"] <= today)]


def check_model(state: State, model: str) -> None:
    """Refuse a model the account does not have, as OpenAI does."""
    if model not in {m["id"] for m in live_models(state)}:
        raise ApiError(400, f"The requested model '{model}' does not exist.", param="model",
                       code="model_not_found")
