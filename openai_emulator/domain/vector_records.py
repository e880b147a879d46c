"""Vector stores and their files as the store holds them, shared by `/v1/vector_stores`, the
search over their files (`resources.search`) and an assistant's `tool_resources`, whose
`vector_stores` helper creates a store (`create_store`).

Indexing is simulated: a file attached at time t is `in_progress` until t + index_delay,
then `completed`, or `failed` with `last_error` when the emulator cannot index it (an
unsupported extension, an empty file, text that is not UTF-8, a PDF without its header).
Statuses and counts are computed when read (`present_file`, `present_store`), so nothing runs
in the background.
"""

from __future__ import annotations

import copy
import time
from pathlib import PurePosixPath
from typing import Any

from openai_emulator.infra.errors import invalid
from openai_emulator.infra.state import State, new_id
from openai_emulator.infra.validation import check_metadata

STORE, FILE, BATCH = "vector_store", "vector_store_file", "vector_store_file_batch"
SEARCHABLE = frozenset({
    ".c", ".cpp", ".cs", ".css", ".doc", ".docx", ".go", ".html", ".java", ".js", ".json",
    ".md", ".pdf", ".php", ".pptx", ".py", ".rb", ".sh", ".tex", ".ts", ".txt"})
"""What file_search indexes, from OpenAI's documentation (kept apart from the reconciler's own
list on purpose: the fake must not agree with the code under test by construction)."""
TEXT = {".c", ".cpp", ".cs", ".css", ".go", ".html", ".java", ".js", ".json", ".md", ".php",
        ".py", ".rb", ".sh", ".tex", ".ts", ".txt"}
AUTO_CHUNKING = {"type": "static",
                 "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
PRIVATE = ("_ready_at", "_outcome", "_error", "_cancelled", "_bytes")
STATUSES = ("in_progress", "completed", "failed", "cancelled")


# --- indexing ---------------------------------------------------------------------------


def _index_outcome(state: State, record: dict[str, Any]) -> tuple[str, dict[str, str] | None]:
    suffix = PurePosixPath(record["filename"]).suffix.lower()
    if suffix not in SEARCHABLE:
        return "failed", {"code": "unsupported_file",
                          "message": f"Files with extension [{suffix or 'none'}] are not "
                                     "supported for file search."}
    if record["bytes"] == 0:
        return "failed", {"code": "invalid_file", "message": "The file is empty."}
    with state.content_path(record["id"]).open("rb") as handle:
        head = handle.read(1024 * 1024)
    if suffix == ".pdf" and not head.startswith(b"%PDF"):
        return "failed", {"code": "invalid_file", "message": "The file is not a valid PDF."}
    if suffix in TEXT:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                return "failed", {"code": "invalid_file",
                                  "message": "The file could not be decoded as UTF-8 text."}
    return "completed", None


def _chunking(value: dict[str, Any] | None) -> dict[str, Any]:
    if value is None or value.get("type") == "auto":
        return copy.deepcopy(AUTO_CHUNKING)
    static = value["static"]
    if static["chunk_overlap_tokens"] > static["max_chunk_size_tokens"] / 2:
        raise invalid("Invalid 'chunking_strategy.static.chunk_overlap_tokens': the overlap "
                      "must not exceed half of max_chunk_size_tokens.",
                      "chunking_strategy.static.chunk_overlap_tokens", "invalid_value")
    return {"type": "static", "static": dict(static)}


def attach(state: State, store_id: str, file_id: str, *, attributes: Any = None,
           chunking: dict[str, Any] | None = None, param: str = "file_id") -> dict[str, Any]:
    """Attach an uploaded file to a store (replacing attributes if already attached)."""
    record = state.store.get("file", file_id)
    if record is None:
        raise invalid(f"No file found with id '{file_id}'.", param)
    existing = state.store.get(FILE, file_id, parent=store_id)
    if existing is not None:
        if attributes is not None:
            existing["attributes"] = attributes
            state.store.replace(FILE, existing, parent=store_id)
        return existing
    outcome, error = _index_outcome(state, record)
    created = state.now()
    entry = {"id": file_id, "object": "vector_store.file", "created_at": created,
             "vector_store_id": store_id, "chunking_strategy": _chunking(chunking),
             "attributes": attributes if attributes is not None else {},
             "_ready_at": time.time() + state.settings.index_delay, "_outcome": outcome,
             "_error": error, "_cancelled": False, "_bytes": record["bytes"]}
    state.store.insert(FILE, entry, parent=store_id, created_at=created)
    return entry


def file_status(entry: dict[str, Any]) -> str:
    if entry["_cancelled"]:
        return "cancelled"
    if time.time() < entry["_ready_at"]:
        return "in_progress"
    return str(entry["_outcome"])


def present_file(entry: dict[str, Any]) -> dict[str, Any]:
    """Return a vector store file as the API shows it (status as of now)."""
    status = file_status(entry)
    shown = {k: v for k, v in entry.items() if k not in PRIVATE}
    shown["status"] = status
    shown["usage_bytes"] = entry["_bytes"] if status == "completed" else 0
    shown["last_error"] = entry["_error"] if status == "failed" else None
    return shown


def file_counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    """How many of the files are in each status, and their total (`file_counts`)."""
    counts = dict.fromkeys(STATUSES, 0)
    for entry in entries:
        counts[file_status(entry)] += 1
    counts["total"] = len(entries)
    return counts


# --- stores -------------------------------------------------------------------------------


def create_store(state: State, body: dict[str, Any]) -> dict[str, Any]:
    """Create a vector store (and attach `file_ids`) in one transaction."""
    check_metadata(body.get("metadata"))
    now = state.now()
    store = {"id": new_id("vs_"), "object": "vector_store", "created_at": now,
             "name": body.get("name") or "", "metadata": body.get("metadata") or {},
             "last_active_at": now}
    if body.get("expires_after") is not None:
        store["expires_after"] = body["expires_after"]
    if body.get("description") is not None:
        store["description"] = body["description"]
    with state.store.transaction():
        state.store.insert(STORE, store, created_at=now)
        for index, file_id in enumerate(body.get("file_ids") or []):
            attach(state, str(store["id"]), file_id, chunking=body.get("chunking_strategy"),
                   param=f"file_ids[{index}]")
    return present_store(state, store)


def present_store(state: State, store: dict[str, Any]) -> dict[str, Any]:
    """Return a store with its counts, usage, status and expiry as of now."""
    entries = state.store.all(FILE, parent=store["id"])
    shown = dict(store)
    shown["file_counts"] = file_counts(entries)
    shown["usage_bytes"] = sum(present_file(e)["usage_bytes"] for e in entries)
    expires_after = store.get("expires_after")
    shown["expires_at"] = (store["last_active_at"] + expires_after["days"] * 86400
                           if expires_after else None)
    if shown["expires_at"] is not None and shown["expires_at"] < state.now():
        shown["status"] = "expired"
    else:
        shown["status"] = "in_progress" if shown["file_counts"]["in_progress"] else "completed"
    return shown
