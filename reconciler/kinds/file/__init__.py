"""Uploads (`File`): a repository file's content in `/v1/files`. No manifest declares one;
stores and assistants hold them, and a plan deletes those that nothing uses any more."""

from __future__ import annotations

from reconciler.model.kindspec import FileUse, KindSpec

KIND = KindSpec(kind="File", manifest=None,
                provider="reconciler.kinds.file.provider:FileProvider",
                shown_on_delete=("filename", "bytes"), files=FileUse.UPLOAD, plural="uploads")
