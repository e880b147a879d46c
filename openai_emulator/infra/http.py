"""Small helpers shared by the handlers: the state, JSON bodies, JSON answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from openai_emulator.infra import jsontext
from openai_emulator.infra.errors import invalid, not_found
from openai_emulator.infra.state import State


def state_of(request: Request) -> State:
    state: State = request.app.state.emulator
    return state


async def json_body(request: Request) -> Any:
    """Read a JSON body, refusing what OpenAI refuses (see `jsontext`): oversized (the gate
    stops reading it), unparsable, `NaN`/`Infinity`, lone surrogates, too deep."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        return jsontext.loads(raw)
    except jsontext.RefusedJson as exc:
        raise invalid(f"Invalid body: {exc}.") from None
    except ValueError:
        raise invalid("We could not parse the JSON body of your request. The OpenAI API "
                      "expects a JSON payload, but what was sent was not valid JSON.") from None


def ok(body: Any) -> JSONResponse:
    return JSONResponse(body)


def stored(state: State, kind: str, object_id: str, label: str, *,
           parent: str = "") -> dict[str, Any]:
    """A stored object, or OpenAI's 404 naming it as `label`."""
    found = state.store.get(kind, object_id, parent=parent)
    if found is None:
        raise not_found(label, object_id)
    return found


def load_object(request: Request, kind: str, param: str, label: str, *,
                parent: str = "") -> dict[str, Any]:
    """The stored object named by the path parameter `param`, or OpenAI's 404."""
    return stored(state_of(request), kind, request.path_params[param], label, parent=parent)


def delete_object(request: Request, kind: str, param: str, label: str) -> JSONResponse:
    """Delete the object named by `param`; answer `{id, object: "<label>.deleted", deleted}`."""
    object_id = request.path_params[param]
    if not state_of(request).store.delete(kind, object_id):
        raise not_found(label, object_id)
    return ok({"id": object_id, "object": f"{label}.deleted", "deleted": True})
