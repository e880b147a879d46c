"""Small helpers shared by the handlers: the state, JSON bodies, JSON answers."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from reconciler.emulator.errors import invalid, not_found
from reconciler.emulator.state import State


def state_of(request: Request) -> State:
    state: State = request.app.state.emulator
    return state


MAX_JSON_DEPTH = 100
"""Nesting a JSON body may have (a tool's parameter schema nests a few dozen levels at most);
deeper bodies are refused before recursive validation could exhaust the stack."""
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


async def json_body(request: Request) -> Any:
    """Read a JSON body, refusing what OpenAI refuses: oversized (the gate stops reading it),
    unparsable, `NaN`/`Infinity`, lone surrogates, or nesting deeper than MAX_JSON_DEPTH."""
    raw = await request.body()
    if not raw:
        return {}
    try:  # decoded strictly: json.loads(bytes) would let an encoded surrogate (ED A0 80) in
        text = raw.decode("utf-8-sig")
        body = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except (ValueError, RecursionError):
        raise invalid("We could not parse the JSON body of your request. The OpenAI API "
                      "expects a JSON payload, but what was sent was not valid JSON.") from None
    if _depth(body) > MAX_JSON_DEPTH:
        raise invalid(f"Invalid body: nested deeper than {MAX_JSON_DEPTH} levels.")
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise invalid("Invalid body: a string holds a lone surrogate (\\ud800-\\udfff), "
                          "which is not valid Unicode.") from None
    return body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; `1e400` (infinite once read) is refused like `Infinity`."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest (iteratively: no recursion to exhaust)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                pending.extend((child, level + 1) for child in children)
    return deepest


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
