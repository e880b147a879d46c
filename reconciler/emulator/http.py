"""Small helpers shared by the handlers: the state, JSON bodies, JSON answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from reconciler.emulator.errors import ApiError, invalid
from reconciler.emulator.state import State


def state_of(request: Request) -> State:
    state: State = request.app.state.emulator
    return state


async def json_body(request: Request) -> Any:
    """Read a JSON body, refusing oversized or unparsable ones as OpenAI does."""
    limit = state_of(request).settings.max_json_bytes
    raw = await request.body()
    if len(raw) > limit:
        raise ApiError(413, f"Request too large: {len(raw)} bytes; the limit is {limit}.",
                       code="request_too_large")
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid("We could not parse the JSON body of your request. The OpenAI API "
                      "expects a JSON payload, but what was sent was not valid JSON.") from None


def ok(body: Any) -> JSONResponse:
    return JSONResponse(body)
