"""`GET /v1/organization/usage/completions` and `GET /v1/organization/costs`, summed from the
stored sessions (the only model usage the emulator has) and priced by `domain.tokens`.

A session counts whole in the bucket of its `created_at` (the stand-in model runs its turns
at once). Buckets lie on a grid of their width from the Unix epoch (a day starts at 00:00
UTC), from the one holding `start_time` up to `end_time` (exclusive; default now), and only
sessions in [start_time, end_time) count. `limit` buckets make a page, a bucket without
usage has no results, and `next_page` names the first bucket of the next page.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain.tokens import Price, prices
from openai_emulator.infra import listing
from openai_emulator.infra.bodycheck import supported
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.http import ok, state_of
from openai_emulator.infra.store import Store

CURRENCY = "usd"
COMPLETIONS_GROUPS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier",
                      "api_source")
COSTS_GROUPS = ("project_id", "user_id", "line_item", "api_key_id", "api_source")
FILTER_COLUMNS = {"project_ids": "project_id", "models": "model"}
TOKEN_KINDS = ("input", "cached_input", "output")
"""A model's cost lines: `gpt-5, input_tokens` (uncached), `..., cached_input_tokens`, ..."""


# --- the endpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class Width:
    seconds: int
    default_limit: int
    max_limit: int


COMPLETIONS_WIDTHS = {"1m": Width(60, 60, 1440), "1h": Width(3600, 24, 168),
                      "1d": Width(86400, 7, 31)}
COSTS_WIDTHS = {"1d": Width(86400, 7, 180)}


@dataclass(frozen=True)
class Window:
    """The buckets of one page, and the range of time that counts."""

    start_time: int
    end_time: int
    width: int
    starts: list[int]
    next_start: int | None

    @property
    def counted(self) -> tuple[int, int]:
        """[from, to) of the sessions this page sums (a page with buckets)."""
        return max(self.start_time, self.starts[0]), min(self.end_time,
                                                         self.starts[-1] + self.width)


@dataclass(frozen=True)
class Sums:
    """Tokens of the sessions of one bucket, model, project and service tier."""

    slot: int
    model: str
    project_id: str
    service_tier: str
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int


# --- the query ---------------------------------------------------------------------------


def _values(query: QueryParams, name: str) -> list[str]:
    """An array parameter, as `name[]=a&name[]=b` (the SDK) or `name=a&name=b`."""
    return [*query.getlist(name), *query.getlist(f"{name}[]")]


def _choices(query: QueryParams, name: str, allowed: Iterable[str]) -> tuple[str, ...]:
    values = _values(query, name)
    for value in values:
        if value not in allowed:
            raise invalid(f"Invalid value: '{value}'. Supported values are: "
                          f"{supported(allowed)}.", name, "invalid_value")
    return tuple(dict.fromkeys(values))


def page_cursor(start: int) -> str:
    return "page_" + base64.urlsafe_b64encode(str(start).encode()).decode()


def _page_start(raw: str | None, grid: int, width: int) -> int:
    if raw is None:
        return grid
    try:
        start = int(base64.urlsafe_b64decode(raw.removeprefix("page_").encode()))
    except (ValueError, binascii.Error):
        start = -1
    if not raw.startswith("page_") or start < grid or (start - grid) % width:
        raise invalid(f"Invalid 'page': '{raw}' is not a cursor of this query.", "page",
                      "invalid_value")
    return start


def window(query: QueryParams, widths: dict[str, Width]) -> Window:
    """The page of buckets a query asks for, checked as the API checks it."""
    start = listing.parse_integer(query, "start_time")
    if start is None:
        raise invalid("Missing required parameter: 'start_time'.", "start_time",
                      "missing_required_parameter")
    end = listing.parse_integer(query, "end_time")
    if end is not None and end <= start:
        raise invalid("Invalid 'end_time': it must be after 'start_time'.", "end_time",
                      "invalid_value")
    name = query.get("bucket_width", "1d")
    if name not in widths:
        raise invalid(f"Invalid value: '{name}'. Supported values are: {supported(widths)}.",
                      "bucket_width", "invalid_value")
    width = widths[name]
    limit = listing.parse_limit(query, width.default_limit, width.max_limit)
    end = end if end is not None else int(time.time())
    first = _page_start(query.get("page"), start - start % width.seconds, width.seconds)
    starts = [s for s in range(first, first + limit * width.seconds, width.seconds) if s < end]
    following = first + limit * width.seconds
    return Window(start, end, width.seconds, starts, following if following < end else None)


def _filters(query: QueryParams, names: Iterable[str]) -> tuple[str, list[object]]:
    """SQL conditions for the filters an endpoint takes: projects and models by column; a
    user or an API key matches nothing (sessions name neither), and so does `batch=true`."""
    sql, args = "", list[object]()
    for name in names:
        values = _values(query, name) if name != "batch" else []
        column = FILTER_COLUMNS.get(name)
        if values and column is None:
            sql += " AND 0"
        elif values:
            sql += f" AND {column} IN ({', '.join('?' * len(values))})"
            args += values
    batch = query.get("batch") if "batch" in names else None
    if batch not in (None, "true", "false"):
        raise invalid("Invalid type for 'batch': expected a boolean, but got a string "
                      "instead.", "batch", "invalid_type")
    return sql + (" AND 0" if batch == "true" else ""), args


def sums(store: Store, page: Window, condition: str, args: list[object]) -> list[Sums]:
    """Tokens per bucket, model, project and tier of the sessions the page counts."""
    if not page.starts:
        return []
    low, high = page.counted
    found = store.rows(
        "SELECT (created_at - ?) / ?, model, project_id, service_tier, SUM(requests), "
        "SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens) FROM sessions "
        f"WHERE created_at >= ? AND created_at < ? AND requests > 0{condition} "
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        [page.starts[0], page.width, low, high, *args])
    return [Sums(*r) for r in found]


def answer(page: Window, results: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """The `page` object of buckets."""
    data = [{"object": "bucket", "start_time": start, "end_time": start + page.width,
             "results": results.get(slot, [])} for slot, start in enumerate(page.starts)]
    more = page.next_start
    return {"object": "page", "data": data, "has_more": more is not None,
            "next_page": page_cursor(more) if more is not None else None}


def _grouped(rows: Iterable[tuple[int, tuple[Any, ...], dict[str, Any]]],
             add: Callable[[dict[str, Any], dict[str, Any]], None]
             ) -> dict[int, list[dict[str, Any]]]:
    """Fold `(slot, group key, result)` rows into one result per bucket and key."""
    folded: dict[tuple[int, tuple[Any, ...]], dict[str, Any]] = {}
    for slot, key, result in rows:
        if (slot, key) in folded:
            add(folded[(slot, key)], result)
        else:
            folded[(slot, key)] = result
    by_slot: dict[int, list[dict[str, Any]]] = {}
    for (slot, _), result in sorted(folded.items(), key=lambda item: repr(item[0][1])):
        by_slot.setdefault(slot, []).append(result)
    return by_slot


def _group_values(row: Sums, groups: tuple[str, ...]) -> dict[str, Any]:
    known = {"model": row.model, "project_id": row.project_id, "batch": False,
             "service_tier": row.service_tier, "api_source": "agents_api"}
    return {name: known.get(name) for name in groups}


# --- completions -------------------------------------------------------------------------


def completions_result(row: Sums, groups: tuple[str, ...]) -> dict[str, Any]:
    """An `organization.usage.completions.result` (every token is text)."""
    uncached = row.input_tokens - row.cached_tokens
    result: dict[str, Any] = {
        "object": "organization.usage.completions.result", "input_tokens": row.input_tokens,
        "input_cached_tokens": row.cached_tokens, "input_cache_write_tokens": 0,
        "input_uncached_tokens": uncached, "output_tokens": row.output_tokens,
        "input_text_tokens": uncached, "output_text_tokens": row.output_tokens,
        "input_cached_text_tokens": row.cached_tokens, "input_audio_tokens": 0,
        "input_cached_audio_tokens": 0, "output_audio_tokens": 0, "input_image_tokens": 0,
        "input_cached_image_tokens": 0, "output_image_tokens": 0,
        "num_model_requests": row.requests}
    return {**result, **dict.fromkeys(COMPLETIONS_GROUPS), **_group_values(row, groups)}


def _add_counts(total: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, int) and not isinstance(value, bool):
            total[key] += value


async def completions(request: Request) -> JSONResponse:
    query = request.query_params
    page = window(query, COMPLETIONS_WIDTHS)
    groups = _choices(query, "group_by", COMPLETIONS_GROUPS)
    condition, args = _filters(query, ("project_ids", "models", "user_ids", "api_key_ids",
                                       "batch"))
    found = sums(state_of(request).store, page, condition, args)
    rows = ((r.slot, tuple(_group_values(r, groups).values()), completions_result(r, groups))
            for r in found)
    return ok(answer(page, _grouped(rows, _add_counts)))


# --- costs -------------------------------------------------------------------------------


def cost_lines(row: Sums, groups: tuple[str, ...], wanted: frozenset[str]
               ) -> Iterable[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The costs results of one row, a line item (`gpt-5, input_tokens`) each, of those
    `wanted` (all when empty)."""
    price = prices().get(row.model, Price(0.0, 0.0, 0.0))
    quantities = {"input": row.input_tokens - row.cached_tokens,
                  "cached_input": row.cached_tokens, "output": row.output_tokens}
    by_line = "line_item" in groups
    for kind in TOKEN_KINDS:
        line = f"{row.model}, {kind}_tokens"
        if quantities[kind] == 0 or (wanted and line not in wanted):
            continue
        values = {**_group_values(row, groups), "line_item": line if by_line else None}
        key = tuple(values.get(name) for name in groups)
        yield key, {"object": "organization.costs.result",
                    "amount": {"value": quantities[kind] * getattr(price, kind) / 1_000_000,
                               "currency": CURRENCY},
                    **dict.fromkeys(COSTS_GROUPS), **values,
                    "quantity": quantities[kind] if by_line else None,
                    "quantity_unit": "tokens" if by_line else None}


def _add_cost(total: dict[str, Any], more: dict[str, Any]) -> None:
    total["amount"]["value"] += more["amount"]["value"]
    if total["quantity"] is not None:
        total["quantity"] += more["quantity"]


async def costs(request: Request) -> JSONResponse:
    query = request.query_params
    page = window(query, COSTS_WIDTHS)
    groups = _choices(query, "group_by", COSTS_GROUPS)
    condition, args = _filters(query, ("project_ids", "api_key_ids"))
    wanted = frozenset(_values(query, "line_items"))
    found = sums(state_of(request).store, page, condition, args)
    rows = ((r.slot, key, result) for r in found
            for key, result in cost_lines(r, groups, wanted))
    return ok(answer(page, _grouped(rows, _add_cost)))


ROUTES = [
    Route("/v1/organization/usage/completions", completions, methods=["GET"]),
    Route("/v1/organization/costs", costs, methods=["GET"]),
]
