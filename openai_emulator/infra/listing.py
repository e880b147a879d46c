"""List endpoints: `limit`, `order`, `after`, `before`, and the list envelope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from openai_emulator.infra.errors import invalid
from openai_emulator.infra.store import Store

Transform = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ListParams:
    """Parsed pagination parameters."""

    limit: int
    order: str
    after: str | None
    before: str | None


def parse(request: Request, *, default_limit: int = 20, max_limit: int = 100,
          allow_before: bool = True) -> ListParams:
    """Read and check the pagination parameters of a list request."""
    query = request.query_params
    limit = parse_limit(query, default_limit, max_limit)
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid(f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                      "order", "invalid_value")
    before = query.get("before") if allow_before else None
    return ListParams(limit, order, query.get("after"), before)


def parse_integer(query: QueryParams, name: str) -> int | None:
    """An integer query parameter (None: not given), refused as the API refuses it."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise invalid(f"Invalid type for '{name}': expected an integer, but got a string "
                      "instead.", name, "invalid_type") from None


def parse_limit(query: QueryParams, default: int, maximum: int) -> int:
    """`limit`, between 1 and `maximum` (`default` when not given)."""
    limit = parse_integer(query, "limit")
    if limit is None:
        return default
    if limit < 1:
        raise invalid("Invalid 'limit': integer below minimum value. Expected a value >= "
                      f"1, but got {limit} instead.", "limit", "integer_below_min_value")
    if limit > maximum:
        raise invalid(f"Invalid 'limit': integer above maximum value. Expected a value <= "
                      f"{maximum}, but got {limit} instead.", "limit",
                      "integer_above_max_value")
    return limit


def envelope(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """Return the list object OpenAI answers with.

    The spec types `first_id` and `last_id` as strings, so an empty list has empty strings
    (clients page by the items' own ids).
    """
    return {"object": "list", "data": items,
            "first_id": items[0]["id"] if items else "",
            "last_id": items[-1]["id"] if items else "",
            "has_more": has_more}


def from_store(store: Store, kind: str, params: ListParams, *, parent: str = "",
               transform: Transform = lambda o: o) -> dict[str, Any]:
    """Page through one kind of object in the store (SQL does the work)."""
    after = _cursor(store, kind, params.after, parent, "after")
    before = _cursor(store, kind, params.before, parent, "before")
    page = store.page(kind, parent=parent, limit=params.limit, order=params.order,
                      after=after, before=before)
    return envelope([transform(o) for o in page.items], page.has_more)


def from_items(items: list[dict[str, Any]], params: ListParams,
               keep: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    """Page through a list (oldest first) in Python, keeping the items `keep` accepts.

    A cursor is looked up among all the items, not only those kept: a client paging through
    a filtered list may name an object that has left the filter since (a store file that
    finished indexing), and gets the page after its position, as from OpenAI.
    """
    ordered = items if params.order == "asc" else list(reversed(items))
    ids = [o["id"] for o in ordered]
    if params.after is None and params.before is not None:
        stop = _index(ids, params.before, "before")
        window = [o for o in ordered[:stop] if keep is None or keep(o)]
        start = max(0, len(window) - params.limit)
        return envelope(window[start:], start > 0)
    start = _index(ids, params.after, "after") + 1 if params.after is not None else 0
    window = [o for o in ordered[start:] if keep is None or keep(o)]
    return envelope(window[:params.limit], len(window) > params.limit)


def _cursor(store: Store, kind: str, object_id: str | None, parent: str,
            param: str) -> tuple[int, int] | None:
    if object_id is None:
        return None
    key = store.cursor(kind, object_id, parent=parent)
    if key is None:
        raise invalid(f"Invalid '{param}': no object with id '{object_id}' in this list.",
                      param, "invalid_value")
    return key


def _index(ids: list[str], object_id: str, param: str) -> int:
    try:
        return ids.index(object_id)
    except ValueError:
        raise invalid(f"Invalid '{param}': no object with id '{object_id}' in this list.",
                      param, "invalid_value") from None
