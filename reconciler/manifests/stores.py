"""Resolve a `VectorStore` manifest: its API fields, its files (globs expanded, hashed) and
its chunking strategy as the API reports it on each file."""

from __future__ import annotations

from typing import Any

from reconciler.diagnostics import Diagnostics, format_path
from reconciler.manifests import files as repo_files
from reconciler.manifests.lifecycle import check_ignore_changes
from reconciler.manifests.loader import SourceDocument
from reconciler.model.common import Lifecycle
from reconciler.model.desired import DesiredResource

AUTO_CHUNKING = {"type": "static",
                 "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
"""What the API reports on each file chunked with the `auto` strategy."""


def resolve_store(doc: SourceDocument, name: str, manifest: Any,
                  diagnostics: Diagnostics) -> DesiredResource | None:
    """Return the desired state of one VectorStore, or None if it has errors."""
    spec = manifest.spec
    errors = diagnostics.count_errors()
    check_ignore_changes("VectorStore", doc.data["spec"], diagnostics,
                         lambda path: (doc.locate(("spec", *path)),
                                       format_path(("spec", *path))))
    found = repo_files.store_files(doc, spec.files, spec.exclude, diagnostics)
    if found is None or diagnostics.count_errors() > errors:
        return None
    data = doc.data["spec"]
    body = {"name": data.get("name", name), **{
        k: data[k] for k in ("expires_after", "metadata") if k in data}}
    chunking = data.get("chunking_strategy")
    return DesiredResource(
        kind="VectorStore", name=name, labels=dict(manifest.metadata.labels),
        annotations=dict(manifest.metadata.annotations),
        lifecycle=spec.lifecycle or Lifecycle(), source=doc.locate(()), body=body,
        files=tuple(found),
        chunking_strategy=AUTO_CHUNKING if chunking in (None, {"type": "auto"}) else chunking)
