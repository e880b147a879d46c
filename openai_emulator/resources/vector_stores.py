"""`/v1/vector_stores`: stores, their files (attach, list, detach) and file batches.

Indexing is simulated (`domain.vector_records`, which holds the stores and their files as
stored): a file attached at time t is `in_progress` until t + index_delay, then `completed`,
or `failed` with `last_error` when the emulator cannot index it. Statuses and counts are
computed when read, so nothing runs in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain.vector_records import (
    BATCH,
    FILE,
    STATUSES,
    STORE,
    attach,
    create_store,
    file_counts,
    file_status,
    present_file,
    present_store,
)
from openai_emulator.infra import listing
from openai_emulator.infra.bodycheck import supported
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.http import json_body, ok, state_of, stored
from openai_emulator.infra.state import State, new_id
from openai_emulator.infra.validation import check_metadata, validate_body


def _load_store(state: State, store_id: str) -> dict[str, Any]:
    return stored(state, STORE, store_id, "vector store")


async def create_vector_store(request: Request) -> JSONResponse:
    body = await json_body(request)
    validate_body("CreateVectorStoreRequest", body)
    return ok(create_store(state_of(request), body))


async def list_vector_stores(request: Request) -> JSONResponse:
    state = state_of(request)
    params = listing.parse(request)
    return ok(listing.from_store(state.store, STORE, params,
                                 transform=lambda s: present_store(state, s)))


async def get_vector_store(request: Request) -> JSONResponse:
    state = state_of(request)
    return ok(present_store(state, _load_store(state, request.path_params["store_id"])))


async def modify_vector_store(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    validate_body("UpdateVectorStoreRequest", body)
    store = _load_store(state, request.path_params["store_id"])
    check_metadata(body.get("metadata"))
    if "name" in body:
        store["name"] = body["name"] or ""
    if "metadata" in body:
        store["metadata"] = body["metadata"] or {}
    if "expires_after" in body:
        store.pop("expires_after", None)
        if body["expires_after"] is not None:
            store["expires_after"] = body["expires_after"]
    store["last_active_at"] = state.now()
    state.store.replace(STORE, store)
    return ok(present_store(state, store))


async def delete_vector_store(request: Request) -> JSONResponse:
    state = state_of(request)
    store_id = request.path_params["store_id"]
    with state.store.transaction():
        _load_store(state, store_id)
        state.store.delete_children(FILE, store_id)
        state.store.delete_children(BATCH, store_id)
        state.store.delete(STORE, store_id)
    return ok({"id": store_id, "object": "vector_store.deleted", "deleted": True})


# --- store files ----------------------------------------------------------------------


def _status_filter(request: Request) -> Callable[[dict[str, Any]], bool] | None:
    """What the `filter` parameter keeps (None: everything)."""
    wanted = request.query_params.get("filter")
    if wanted is None:
        return None
    if wanted not in STATUSES:
        raise invalid(f"Invalid value: '{wanted}'. Supported values are: "
                      f"{supported(STATUSES)}.", "filter", "invalid_value")
    return lambda entry: file_status(entry) == wanted


async def attach_file(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    validate_body("CreateVectorStoreFileRequest", body)
    store_id = request.path_params["store_id"]
    with state.store.transaction():
        _load_store(state, store_id)
        entry = attach(state, store_id, body["file_id"], attributes=body.get("attributes"),
                       chunking=body.get("chunking_strategy"))
    return ok(present_file(entry))


async def list_store_files(request: Request) -> JSONResponse:
    state = state_of(request)
    store_id = request.path_params["store_id"]
    _load_store(state, store_id)
    return _file_page(request, state.store.all(FILE, parent=store_id))


def _file_page(request: Request, entries: list[dict[str, Any]]) -> JSONResponse:
    """A page of vector store files, filtered by `filter`, each shown as of now."""
    page = listing.from_items(entries, listing.parse(request), keep=_status_filter(request))
    page["data"] = [present_file(e) for e in page["data"]]
    return ok(page)


def _load_entry(state: State, store_id: str, file_id: str) -> dict[str, Any]:
    _load_store(state, store_id)
    return stored(state, FILE, file_id, "file", parent=store_id)


async def get_store_file(request: Request) -> JSONResponse:
    state = state_of(request)
    params = request.path_params
    return ok(present_file(_load_entry(state, params["store_id"], params["file_id"])))


async def update_store_file(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    validate_body("UpdateVectorStoreFileAttributesRequest", body)
    params = request.path_params
    entry = _load_entry(state, params["store_id"], params["file_id"])
    entry["attributes"] = body["attributes"] or {}
    state.store.replace(FILE, entry, parent=params["store_id"])
    return ok(present_file(entry))


async def detach_file(request: Request) -> JSONResponse:
    state = state_of(request)
    params = request.path_params
    with state.store.transaction():
        _load_entry(state, params["store_id"], params["file_id"])
        state.store.delete(FILE, params["file_id"], parent=params["store_id"])
    return ok({"id": params["file_id"], "object": "vector_store.file.deleted", "deleted": True})


# --- file batches -----------------------------------------------------------------------


def present_batch(state: State, batch: dict[str, Any]) -> dict[str, Any]:
    entries = _batch_entries(state, batch)
    counts = file_counts(entries)
    if batch["_cancelled"]:
        status = "cancelled"
    elif counts["in_progress"]:
        status = "in_progress"
    elif entries and counts["failed"] == len(entries):
        status = "failed"
    else:
        status = "completed"
    return {"id": batch["id"], "object": "vector_store.files_batch",
            "created_at": batch["created_at"], "vector_store_id": batch["vector_store_id"],
            "status": status, "file_counts": counts}


def _batch_entries(state: State, batch: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = set(batch["file_ids"])
    return [e for e in state.store.all(FILE, parent=batch["vector_store_id"])
            if e["id"] in wanted]


async def create_batch(request: Request) -> JSONResponse:
    state = state_of(request)
    body = await json_body(request)
    validate_body("CreateVectorStoreFileBatchRequest", body)
    store_id = request.path_params["store_id"]
    if "files" in body and "file_ids" in body:
        raise invalid("Invalid request: 'file_ids' and 'files' are mutually exclusive; "
                      "provide only one of them.", "files", "invalid_request")
    items = body.get("files") or [{"file_id": f} for f in body.get("file_ids") or []]
    now = state.now()
    batch = {"id": new_id("vsfb_"), "created_at": now, "vector_store_id": store_id,
             "file_ids": [i["file_id"] for i in items], "_cancelled": False}
    with state.store.transaction():
        _load_store(state, store_id)
        for index, item in enumerate(items):
            attach(state, store_id, item["file_id"],
                   attributes=item.get("attributes", body.get("attributes")),
                   chunking=item.get("chunking_strategy", body.get("chunking_strategy")),
                   param=f"files[{index}].file_id" if "files" in body else f"file_ids[{index}]")
        state.store.insert(BATCH, batch, parent=store_id, created_at=now)
    return ok(present_batch(state, batch))


def _load_batch(state: State, store_id: str, batch_id: str) -> dict[str, Any]:
    _load_store(state, store_id)
    return stored(state, BATCH, batch_id, "file batch", parent=store_id)


async def get_batch(request: Request) -> JSONResponse:
    state = state_of(request)
    params = request.path_params
    return ok(present_batch(state, _load_batch(state, params["store_id"], params["batch_id"])))


async def cancel_batch(request: Request) -> JSONResponse:
    state = state_of(request)
    params = request.path_params
    with state.store.transaction():
        batch = _load_batch(state, params["store_id"], params["batch_id"])
        for entry in _batch_entries(state, batch):
            if file_status(entry) == "in_progress":
                entry["_cancelled"] = True
                state.store.replace(FILE, entry, parent=params["store_id"])
        batch["_cancelled"] = True
        state.store.replace(BATCH, batch, parent=params["store_id"])
    return ok(present_batch(state, batch))


async def list_batch_files(request: Request) -> JSONResponse:
    state = state_of(request)
    params = request.path_params
    batch = _load_batch(state, params["store_id"], params["batch_id"])
    return _file_page(request, _batch_entries(state, batch))


BASE = "/v1/vector_stores"
ROUTES = [
    Route(BASE, create_vector_store, methods=["POST"]),
    Route(BASE, list_vector_stores, methods=["GET"]),
    Route(BASE + "/{store_id}", get_vector_store, methods=["GET"]),
    Route(BASE + "/{store_id}", modify_vector_store, methods=["POST"]),
    Route(BASE + "/{store_id}", delete_vector_store, methods=["DELETE"]),
    Route(BASE + "/{store_id}/files", attach_file, methods=["POST"]),
    Route(BASE + "/{store_id}/files", list_store_files, methods=["GET"]),
    Route(BASE + "/{store_id}/files/{file_id}", get_store_file, methods=["GET"]),
    Route(BASE + "/{store_id}/files/{file_id}", update_store_file, methods=["POST"]),
    Route(BASE + "/{store_id}/files/{file_id}", detach_file, methods=["DELETE"]),
    Route(BASE + "/{store_id}/file_batches", create_batch, methods=["POST"]),
    Route(BASE + "/{store_id}/file_batches/{batch_id}", get_batch, methods=["GET"]),
    Route(BASE + "/{store_id}/file_batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
    Route(BASE + "/{store_id}/file_batches/{batch_id}/files", list_batch_files,
          methods=["GET"]),
]
