"""Vector stores, their files, and uploads, over the `openai` SDK.

Only our uploads are read (their names carry our mark, see `ownership.upload_name`).
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import Any, cast

import openai
import openai.resources.files
import openai.resources.vector_stores  # noqa: F401 - imported eagerly, see openai_api

from reconciler.model.desired import ResourceKind
from reconciler.ownership import uploaded_sha
from reconciler.provider import LiveObject, ProviderError
from reconciler.provider.openai_api import PAGE_SIZE, _SdkProvider, as_dict, call

FILES_PAGE = 10_000
"""The Files API lists up to 10,000 files a page."""
BATCH_LIMIT = 2_000
"""Files one file batch may attach."""

Progress = Callable[[int], None]
"""Told how many more bytes were sent."""


class _CountingReader(io.FileIO):
    """A file read in chunks by the HTTP client, telling `progress` as it goes and hashing
    what it sends."""

    def __init__(self, path: str, progress: Progress | None) -> None:
        super().__init__(path, "rb")
        self.progress = progress
        self.hash = hashlib.sha256()

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) == (0, 0):  # the client starts (again) from the beginning
            self.hash = hashlib.sha256()
        return super().seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.hash.update(chunk)
        if self.progress is not None and chunk:
            self.progress(len(chunk))
        return chunk


class VectorStoreProvider(_SdkProvider):
    """`/v1/vector_stores` and its files and file batches."""

    kind: ResourceKind = "VectorStore"

    def _resource(self) -> Any:
        return self.client.vector_stores

    def get(self, store_id: str) -> dict[str, Any]:
        """One store, with its file counts as of now."""
        return as_dict(call(lambda: self.client.vector_stores.retrieve(store_id)))

    def list_files(self, store_id: str) -> list[dict[str, Any]]:
        """Every file of a store, in pages of 100."""
        return [as_dict(item) for page in self._file_pages(store_id) for item in page]

    def _file_pages(self, store_id: str) -> Iterator[list[Any]]:
        after: str | None = None
        files = self.client.vector_stores.files
        while True:
            kwargs: dict[str, Any] = {"limit": PAGE_SIZE, "order": "asc"}
            if after is not None:
                kwargs["after"] = after
            page = call(functools.partial(files.list, store_id, **kwargs))
            yield page.data
            if not page.has_more or not page.data:
                return
            after = page.data[-1].id

    def attach_batch(self, store_id: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """Attach uploaded files, each with its attributes and chunking; returns the batch."""
        batches = self.client.vector_stores.file_batches
        return as_dict(call(lambda: batches.create(store_id, files=cast(Any, entries))))

    def batch(self, store_id: str, batch_id: str) -> dict[str, Any]:
        batches = self.client.vector_stores.file_batches
        return as_dict(call(lambda: batches.retrieve(batch_id, vector_store_id=store_id)))

    def batch_files(self, store_id: str, batch_id: str, status: str) -> list[dict[str, Any]]:
        """The files of a batch with one status (e.g. `failed`), every page."""
        batches = self.client.vector_stores.file_batches
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"vector_store_id": store_id, "limit": PAGE_SIZE,
                                      "filter": status}
            if after is not None:
                kwargs["after"] = after
            page = call(functools.partial(batches.list_files, batch_id, **kwargs))
            found.extend(as_dict(item) for item in page.data)
            if not page.has_more or not page.data:
                return found
            after = page.data[-1].id

    def set_attributes(self, store_id: str, file_id: str, values: dict[str, str]) -> None:
        files = self.client.vector_stores.files
        call(lambda: files.update(file_id, vector_store_id=store_id,
                                  attributes=cast(Any, values)))

    def detach(self, store_id: str, file_id: str) -> None:
        files = self.client.vector_stores.files
        call(lambda: files.delete(file_id, vector_store_id=store_id))


class FileProvider:
    """`/v1/files` with purpose `assistants`: only our uploads are read."""

    kind: ResourceKind = "File"

    def __init__(self, client: openai.OpenAI) -> None:
        self.client = client

    def read_all(self) -> list[LiveObject]:
        """Our uploads, in pages of 10,000 (one request for most accounts)."""
        found: list[LiveObject] = []
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"purpose": "assistants", "limit": FILES_PAGE,
                                      "order": "asc"}
            if after is not None:
                kwargs["after"] = after
            page = call(functools.partial(self.client.files.list, **kwargs))
            for item in page.data:
                if uploaded_sha(item.filename) is not None:
                    raw = as_dict(item)
                    found.append(LiveObject(kind="File", id=item.id,
                                            created_at=item.created_at, raw=raw))
            if not page.has_more or not page.data:
                return found
            after = page.data[-1].id

    def upload(self, local: str, name: str, progress: Progress | None = None
               ) -> tuple[str, str]:
        """Upload a file from disk, streamed in chunks; return its id and the sha256 of what
        was sent."""
        with _CountingReader(local, progress) as stream:
            created = call(lambda: self.client.files.create(file=(name, stream),
                                                            purpose="assistants"))
            return str(created.id), stream.hash.hexdigest()

    def delete(self, object_id: str) -> None:
        call(lambda: self.client.files.delete(object_id))

    def create(self, body: dict[str, Any]) -> LiveObject:
        raise ProviderError("uploads are made by the vector store and assistant changes")

    def update(self, object_id: str, body: dict[str, Any]) -> LiveObject:
        raise ProviderError("uploads cannot be updated")

    def find_recent(self, since: int) -> list[LiveObject]:
        return [o for o in self.read_all() if o.created_at >= since]
