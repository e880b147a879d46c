"""`/v1/vector_stores`, its files and file batches, over the SDK."""

from __future__ import annotations

import functools
from typing import Any, cast

# imported eagerly, see kinds/assistant/provider.py
import openai.resources.vector_stores  # noqa: F401

from reconciler.provider import LiveStoreFile
from reconciler.provider.sdk import PAGE_SIZE, SdkProvider, as_dict, call, pages

BATCH_LIMIT = 2_000
"""Files one file batch may attach."""


class VectorStoreProvider(SdkProvider):
    """`/v1/vector_stores` and its files and file batches."""

    kind = "VectorStore"
    path = "vector_stores"

    def get(self, store_id: str) -> dict[str, Any]:
        """One store, with its file counts as of now."""
        return as_dict(call(lambda: self.client.vector_stores.retrieve(store_id)))

    def list_files(self, store_id: str) -> list[LiveStoreFile]:
        """Every file of a store, in pages of 100."""
        listing = functools.partial(self.client.vector_stores.files.list, store_id,
                                    limit=PAGE_SIZE, order="asc")
        return [LiveStoreFile.model_validate(as_dict(item)) for page in pages(listing)
                for item in page]

    def attach_batch(self, store_id: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """Attach uploaded files, each with its attributes and chunking; returns the batch."""
        batches = self.client.vector_stores.file_batches
        return as_dict(call(lambda: batches.create(store_id, files=cast(Any, entries))))

    def batch(self, store_id: str, batch_id: str) -> dict[str, Any]:
        batches = self.client.vector_stores.file_batches
        return as_dict(call(lambda: batches.retrieve(batch_id, vector_store_id=store_id)))

    def batch_files(self, store_id: str, batch_id: str, status: str) -> list[dict[str, Any]]:
        """The files of a batch with one status (e.g. `failed`), every page."""
        listing = functools.partial(self.client.vector_stores.file_batches.list_files,
                                    batch_id, vector_store_id=store_id, limit=PAGE_SIZE,
                                    filter=cast(Any, status))
        return [as_dict(item) for page in pages(listing) for item in page]

    def set_attributes(self, store_id: str, file_id: str, values: dict[str, str]) -> None:
        files = self.client.vector_stores.files
        call(lambda: files.update(file_id, vector_store_id=store_id,
                                  attributes=cast(Any, values)))

    def detach(self, store_id: str, file_id: str) -> None:
        files = self.client.vector_stores.files
        call(lambda: files.delete(file_id, vector_store_id=store_id))
