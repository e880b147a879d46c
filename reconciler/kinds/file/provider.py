"""Uploads (`/v1/files`, purpose `assistants`) over the `openai` SDK.

Only our uploads are read (their names carry our mark, and the scope they were made in, see
`ownership.upload_name`).
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable
from typing import Any

import openai
import openai.resources.files  # noqa: F401 - imported eagerly, see kinds/assistant/provider.py

from reconciler.kinds.file import FILES_PAGE
from reconciler.ownership import uploaded_sha
from reconciler.provider import LiveObject, ProviderError
from reconciler.provider.sdk import as_dict, call, pages

SentBytes = Callable[[int], None]
"""Told how many more bytes were sent (an upload's progress)."""


class _CountingReader(io.FileIO):
    """A file read in chunks by the HTTP client, telling `progress` as it goes and hashing
    what it sends."""

    def __init__(self, path: str, progress: SentBytes | None) -> None:
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


class FileProvider:
    """`/v1/files` with purpose `assistants`: only our uploads are read."""

    kind = "File"

    def __init__(self, client: openai.OpenAI) -> None:
        self.client = client

    def read_all(self) -> list[LiveObject]:
        """Our uploads, in pages of 10,000 (one request for most accounts)."""
        listing = functools.partial(self.client.files.list, purpose="assistants",
                                    limit=FILES_PAGE, order="asc")
        return [LiveObject(kind=self.kind, id=item.id, created_at=item.created_at,
                           raw=as_dict(item))
                for page in pages(listing) for item in page
                if uploaded_sha(item.filename) is not None]

    def retrieve(self, object_id: str) -> LiveObject:
        """One upload as it is now, ours or not (NotFoundError when it is gone)."""
        item = call(lambda: self.client.files.retrieve(object_id))
        return LiveObject(kind=self.kind, id=item.id, created_at=item.created_at,
                          raw=as_dict(item))

    def upload(self, local: str, name: str, progress: SentBytes | None = None
               ) -> tuple[str, str]:
        """Upload a file from disk, streamed in chunks; return its id and the sha256 of what
        was sent."""
        with _CountingReader(local, progress) as stream:
            created = call(lambda: self.client.files.create(file=(name, stream),
                                                            purpose="assistants"))
            return str(created.id), stream.hash.hexdigest()

    def find_upload(self, name: str, size: int, since: int) -> str | None:
        """The newest of our uploads named `name` (its scope, sha256 and path, exactly as
        `ownership.upload_name` made it) of `size` bytes made at or after `since`: an upload
        whose answer was lost. None if there is none."""
        found = [o for o in self.find_recent(since)
                 if o.raw.get("filename") == name and o.raw.get("bytes") == size]
        return max(found, key=lambda o: o.created_at).id if found else None

    def delete(self, object_id: str) -> None:
        call(lambda: self.client.files.delete(object_id))

    def create(self, body: dict[str, Any]) -> LiveObject:
        raise ProviderError("uploads are made by the vector store and assistant changes")

    def update(self, object_id: str, body: dict[str, Any]) -> LiveObject:
        raise ProviderError("uploads cannot be updated")

    def find_recent(self, since: int) -> list[LiveObject]:
        return [o for o in self.read_all() if o.created_at >= since]
