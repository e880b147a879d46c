"""`/v1/files`: multipart upload (streamed to disk), list, retrieve, delete, content."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

from openai_emulator.infra import listing
from openai_emulator.infra.bodycheck import supported
from openai_emulator.infra.contract import BodyLimit
from openai_emulator.infra.errors import ApiError, invalid
from openai_emulator.infra.http import ok, state_of, stored
from openai_emulator.infra.state import Settings, State, new_id

KIND = "file"
PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
COPY_CHUNK = 1024 * 1024


async def upload_file(request: Request) -> JSONResponse:
    state = state_of(request)  # the gate refuses a body over the limit while it streams
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        purpose = form.get("purpose")
        if not isinstance(upload, UploadFile):
            raise invalid("Missing required parameter: 'file'.", "file",
                          "missing_required_parameter")
        if purpose is None:
            raise invalid("Missing required parameter: 'purpose'.", "purpose",
                          "missing_required_parameter")
        if purpose not in PURPOSES:
            raise invalid(f"Invalid value: '{purpose}'. Supported values are: "
                          f"{supported(PURPOSES)}.", "purpose", "invalid_value")
        _refuse_unknown_fields(form.keys())
        expires_at = _expires_at(state, form.get("expires_after[anchor]"),
                                 form.get("expires_after[seconds]"))
        filename = _filename(upload)
        file_id = new_id("file-", 22)
        size = _save(state, upload, file_id)
    created = state.now()
    record: dict[str, Any] = {"id": file_id, "object": "file", "bytes": size,
                              "created_at": created, "expires_at": expires_at,
                              "filename": filename, "purpose": purpose, "status": "processed",
                              "status_details": None}
    state.store.insert(KIND, record, created_at=created)
    return ok(record)


FORM_FIELDS = ("file", "purpose", "expires_after[anchor]", "expires_after[seconds]")


def _refuse_unknown_fields(names: Iterable[str]) -> None:
    """A form field outside the request schema is refused, as a JSON key would be."""
    for name in names:
        if name not in FORM_FIELDS:
            param = name.replace("[", ".").replace("]", "")
            raise invalid(f"Unknown parameter: '{param}'.", param, "unknown_parameter")


def _filename(upload: UploadFile) -> str:
    """The upload's name, refused if it is not Unicode: the body's `charset` (utf-7,
    unicode_escape) can decode it to a lone surrogate, which no later answer could encode."""
    name = upload.filename or "upload"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid("Invalid value for 'file': the filename is not valid UTF-8.", "file",
                      "invalid_value") from None
    return name


def _save(state: State, upload: UploadFile, file_id: str) -> int:
    target = state.content_path(file_id)
    upload.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, COPY_CHUNK)
    size = target.stat().st_size
    if size > state.settings.max_upload_bytes:
        target.unlink()
        raise _too_large(state)
    return size


def _too_large(state: State) -> ApiError:
    limit = state.settings.max_upload_bytes
    return ApiError(413, f"File is too large: the maximum size is {limit} bytes.", param="file",
                    code="file_too_large")


def _expires_at(state: State, anchor: Any, seconds: Any) -> int | None:
    if anchor is None and seconds is None:
        return None
    if anchor is None or seconds is None:
        missing = "expires_after.anchor" if anchor is None else "expires_after.seconds"
        raise invalid(f"Missing required parameter: '{missing}'.", missing,
                      "missing_required_parameter")
    if anchor != "created_at":
        raise invalid(f"Invalid value: '{anchor}'. Supported values are: 'created_at'.",
                      "expires_after.anchor", "invalid_value")
    try:
        value = int(str(seconds))
    except ValueError:
        raise invalid("Invalid type for 'expires_after.seconds': expected an integer, but got "
                      "a string instead.", "expires_after.seconds", "invalid_type") from None
    if not 3600 <= value <= 2_592_000:
        side, bound, code = (("below minimum", ">= 3600", "integer_below_min_value")
                             if value < 3600 else
                             ("above maximum", "<= 2592000", "integer_above_max_value"))
        raise invalid(f"Invalid 'expires_after.seconds': integer {side} value. Expected a "
                      f"value {bound}, but got {value} instead.", "expires_after.seconds", code)
    return state.now() + value


async def list_files(request: Request) -> JSONResponse:
    state = state_of(request)
    params = listing.parse(request, default_limit=10_000, max_limit=10_000, allow_before=False)
    purpose = request.query_params.get("purpose")
    if purpose is None:
        return ok(listing.from_store(state.store, KIND, params))
    return ok(listing.from_items(state.store.all(KIND), params,
                                 keep=lambda f: bool(f["purpose"] == purpose)))


def load_file(state: State, file_id: str) -> dict[str, Any]:
    return stored(state, KIND, file_id, "file")


async def get_file(request: Request) -> JSONResponse:
    return ok(load_file(state_of(request), request.path_params["file_id"]))


async def delete_file(request: Request) -> JSONResponse:
    state = state_of(request)
    file_id = request.path_params["file_id"]
    with state.store.transaction():
        load_file(state, file_id)
        for store_id in state.store.parents_of("vector_store_file", file_id):
            state.store.delete("vector_store_file", file_id, parent=store_id)
        state.store.delete(KIND, file_id)
    state.content_path(file_id).unlink(missing_ok=True)
    return ok({"id": file_id, "object": "file", "deleted": True})


async def file_content(request: Request) -> FileResponse:
    state = state_of(request)
    record = load_file(state, request.path_params["file_id"])
    return FileResponse(state.content_path(record["id"]), media_type="application/octet-stream",
                        filename=record["filename"])


MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart envelope around an upload of the largest size accepted."""


def _upload_limit(settings: Settings) -> int:
    return settings.max_upload_bytes + MULTIPART_OVERHEAD


BODY_LIMITS: dict[tuple[str, str], BodyLimit] = {("POST", "/v1/files"): _upload_limit}
"""The upload takes up to `--max-upload-bytes` and its multipart envelope (the gate's limit:
`_save` refuses a file over `max_upload_bytes` itself); the other routes have the JSON limit."""

ROUTES = [
    Route("/v1/files", upload_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", get_file, methods=["GET"]),
    Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
]
