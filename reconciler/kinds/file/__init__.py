"""Uploads (`File`): a repository file's content in `/v1/files`. No manifest declares one;
stores and assistants hold them, and a plan deletes those that nothing uses any more."""

from __future__ import annotations

from reconciler.model.kindspec import FileUse, KindSpec, Listing

FILES_PAGE = 10_000
"""The Files API lists up to 10,000 files a page."""

KIND = KindSpec(kind="File", manifest=None,
                provider="reconciler.kinds.file.provider:FileProvider",
                listing=Listing("/v1/files", page_size=FILES_PAGE),
                shown_on_delete=("filename", "bytes"), files=FileUse.UPLOAD, plural="uploads")
