"""`POST /v1/vector_stores/{id}/search` and `GET .../files/{file_id}/content`: enough retrieval
to smoke-test a knowledge base after `apply`, deterministic so tests can pin results.

A file's text (UTF-8 text files only; the emulator parses no PDF or Office file) is cut into
chunks by its chunking strategy, counting whitespace-separated words as tokens. A chunk's
score is the share of the query's distinct terms it contains, each term weighted by its inverse
document frequency over the store's chunks: 1.0 when it holds every term, 0 when none (not
returned). Ties go to the chunk with more occurrences, then to the older file, then to the
earlier chunk. Only `completed` files are searched, and `filters` apply to their attributes.

Bounded as a service must be: a query of at most `MAX_QUERY_CHARS` characters in all (at
most `MAX_QUERIES` strings), filters of at most `MAX_FILTERS` filters nested at most
`MAX_FILTER_DEPTH` deep (compound filters count as filters); cutting and ranking run in a
worker thread, so one large store never stalls the event loop the other requests share (the
files are read on it: the state belongs to its thread).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain.vector_records import FILE, STORE, TEXT, file_status
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.http import json_body, ok, state_of, stored
from openai_emulator.infra.state import State
from openai_emulator.infra.validation import validate_body

WORD = re.compile(r"\S+")
TERM = re.compile(r"\w+")
DEFAULT_RESULTS = 10
MAX_QUERY_CHARS = 4096
MAX_QUERIES = 10
MAX_FILTERS = 100
"""Filters in all, compound ones included."""
MAX_FILTER_DEPTH = 8


def check_bounds(body: dict[str, Any]) -> None:
    """Refuse a query or filter over the bounds (before any work; what is not even of the
    right shape is left to the schema check)."""
    if not isinstance(body, dict):
        return
    query = body.get("query")
    queries = [query] if isinstance(query, str) else (query if isinstance(query, list) else [])
    if len(queries) > MAX_QUERIES:
        raise invalid(f"Invalid 'query': at most {MAX_QUERIES} queries, got {len(queries)}.",
                      param="query")
    if sum(len(q) for q in queries if isinstance(q, str)) > MAX_QUERY_CHARS:
        raise invalid(f"Invalid 'query': at most {MAX_QUERY_CHARS} characters in all.",
                      param="query")
    count, stack = 0, [(body.get("filters"), 1)]
    while stack:
        flt, depth = stack.pop()
        if not isinstance(flt, dict):
            continue
        if depth > MAX_FILTER_DEPTH:
            raise invalid(f"Invalid 'filters': nested more than {MAX_FILTER_DEPTH} deep.",
                          param="filters")
        count += 1  # compound filters count too: each costs a check and a match
        if count > MAX_FILTERS:
            raise invalid(f"Invalid 'filters': at most {MAX_FILTERS} filters in all.",
                          param="filters")
        if flt.get("type") in ("and", "or"):
            inner = flt.get("filters")
            stack.extend((f, depth + 1) for f in (inner if isinstance(inner, list) else []))


@dataclass(frozen=True)
class Chunk:
    """One chunk of a store file's text."""

    file_id: str
    filename: str
    attributes: dict[str, Any]
    order: int
    text: str


def file_text(state: State, file_id: str) -> str:
    """The parsed text of an uploaded file ('' for what the emulator cannot parse)."""
    record = state.store.get("file", file_id)
    if record is None or PurePosixPath(record["filename"]).suffix.lower() not in TEXT:
        return ""
    return state.content_path(file_id).read_bytes().decode("utf-8", errors="replace")


def chunk_text(text: str, max_tokens: int, overlap: int) -> list[str]:
    """Cut text into windows of `max_tokens` words, each overlapping the last by `overlap`."""
    spans = [m.span() for m in WORD.finditer(text)]
    step = max(1, max_tokens - overlap)
    chunks = []
    for start in range(0, len(spans), step):
        window = spans[start:start + max_tokens]
        chunks.append(text[window[0][0]:window[-1][1]])
        if start + max_tokens >= len(spans):
            break
    return chunks


Entry = tuple[dict[str, Any], str, str]
"""A completed store file: its row, its file name and its text."""


def _completed(state: State, store_id: str) -> list[Entry]:
    """The store's completed files, their names and texts, as the state holds them (read
    on the event loop's thread, which owns the state)."""
    found = []
    for entry in state.store.all(FILE, parent=store_id):
        if file_status(entry) == "completed":
            record = state.store.get("file", entry["id"])
            found.append((entry, record["filename"] if record else entry["id"],
                          file_text(state, entry["id"])))
    return found


def _pieces(entries: list[Entry]) -> Iterator[Chunk]:
    for entry, filename, text in entries:
        static = entry["chunking_strategy"]["static"]
        pieces = chunk_text(text, static["max_chunk_size_tokens"],
                            static["chunk_overlap_tokens"])
        for order, piece in enumerate(pieces):
            yield Chunk(entry["id"], filename, entry.get("attributes") or {}, order, piece)


def matches(flt: dict[str, Any] | None, attributes: dict[str, Any]) -> bool:
    """Whether a file's attributes pass a comparison or compound filter."""
    if flt is None:
        return True
    kind: str = flt["type"]
    if kind in ("and", "or"):
        results = (matches(f, attributes) for f in flt["filters"])
        return all(results) if kind == "and" else any(results)
    if flt["key"] not in attributes:
        return False
    have, want = attributes[flt["key"]], flt["value"]
    if kind in ("in", "nin"):
        return bool(have in (want if isinstance(want, list) else [want])) == (kind == "in")
    if kind in ("eq", "ne"):
        return bool(have == want) == (kind == "eq")
    if isinstance(have, str) != isinstance(want, str) or isinstance(want, list):
        return False
    return bool({"gt": have > want, "gte": have >= want, "lt": have < want,
                 "lte": have <= want}[kind])


def rank(chunks: list[Chunk], queries: list[str]) -> list[tuple[float, Chunk]]:
    """Score chunks against the queries' terms; best first, zero scores dropped."""
    terms = list(dict.fromkeys(t.lower() for q in queries for t in TERM.findall(q)))
    counted = [Counter(t.lower() for t in TERM.findall(c.text)) for c in chunks]
    weights = {t: math.log(1 + (len(chunks) + 1) / (1 + sum(t in c for c in counted)))
               for t in terms}
    total = sum(weights.values())
    scored = []
    for index, (chunk, counts) in enumerate(zip(chunks, counted, strict=True)):
        found = [t for t in terms if t in counts]
        if found and total > 0:
            score = round(sum(weights[t] for t in found) / total, 4)
            hits = sum(counts[t] for t in found)
            scored.append((score, -hits, index, chunk))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    return [(score, chunk) for score, _, _, chunk in scored]


async def search_store(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    check_bounds(body)  # before the schema is checked: that alone would take seconds
    validate_body("VectorStoreSearchRequest", body)
    store_id = request.path_params["store_id"]
    stored(state, STORE, store_id, "vector store")
    queries = [body["query"]] if isinstance(body["query"], str) else list(body["query"])
    if body.get("rewrite_query"):
        queries = [" ".join(TERM.findall(" ".join(queries).lower()))]
    entries = _completed(state, store_id)  # the store's rows, read here; the files' text is
    threshold = (body.get("ranking_options") or {}).get("score_threshold", 0)  # read, cut
    ranked = await run_in_threadpool(_ranked, entries, body.get("filters"), queries,
                                     threshold)  # and ranked off the event loop
    limit = body.get("max_num_results", DEFAULT_RESULTS)
    return ok({"object": "vector_store.search_results.page", "search_query": queries,
               "data": [_result(score, chunk) for score, chunk in ranked[:limit]],
               "has_more": False, "next_page": None})


def _ranked(entries: list[Entry], filters: dict[str, Any] | None, queries: list[str],
            threshold: float) -> list[tuple[float, Chunk]]:
    """The chunks the filters pass, ranked, over the threshold (pure: run off the loop, it
    cuts every file and scores every chunk)."""
    candidates = [c for c in _pieces(entries) if matches(filters, c.attributes)]
    return [(s, c) for s, c in rank(candidates, queries) if s >= threshold]


def _result(score: float, chunk: Chunk) -> dict[str, Any]:
    return {"file_id": chunk.file_id, "filename": chunk.filename, "score": score,
            "attributes": chunk.attributes, "content": [{"type": "text", "text": chunk.text}]}


async def store_file_content(request: Request) -> JSONResponse:
    """The parsed text of a store file: one text part (none until it is indexed)."""
    state = state_of(request)
    params = request.path_params
    stored(state, STORE, params["store_id"], "vector store")
    entry = stored(state, FILE, params["file_id"], "file", parent=params["store_id"])
    text = file_text(state, entry["id"]) if file_status(entry) == "completed" else ""
    data = [{"type": "text", "text": text}] if text else []
    return ok({"object": "vector_store.file_content.page", "data": data, "has_more": False,
               "next_page": None})


ROUTES = [
    Route("/v1/vector_stores/{store_id}/search", search_store, methods=["POST"]),
    Route("/v1/vector_stores/{store_id}/files/{file_id}/content", store_file_content,
          methods=["GET"]),
]
