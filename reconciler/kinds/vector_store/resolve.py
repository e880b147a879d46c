"""Resolve a `VectorStore` manifest: its API fields, its files (globs expanded, hashed) and
its chunking strategy as the API reports it on each file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.diagnostics import Code, Diagnostics, format_path
from reconciler.manifests.lifecycle import check_ignore_changes
from reconciler.manifests.loader import SourceDocument
from reconciler.model.common import Lifecycle
from reconciler.model.desired import DesiredResource

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ResolveContext
from reconciler.boundary import ProjectRoot
from reconciler.kinds import declared_files as repo_files

AUTO_CHUNKING = {"type": "static",
                 "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
"""What the API reports on each file chunked with the `auto` strategy."""


def resolve(context: ResolveContext, item: Loaded) -> DesiredResource | None:
    """The desired state of one VectorStore manifest, or None if it has errors."""
    return resolve_store(item.doc, item.name, item.manifest, context.root,
                         context.diagnostics)


def resolve_store(doc: SourceDocument, name: str, manifest: Any, root: ProjectRoot,
                  diagnostics: Diagnostics) -> DesiredResource | None:
    """Return the desired state of one VectorStore, or None if it has errors."""
    spec = manifest.spec
    errors = diagnostics.count_errors()
    check_ignore_changes("VectorStore", doc.data["spec"], diagnostics,
                         lambda path: (doc.locate(("spec", *path)),
                                       format_path(("spec", *path))))
    static = static_chunking(doc.data["spec"])
    if static and static["chunk_overlap_tokens"] * 2 > static["max_chunk_size_tokens"]:
        where = ("spec", "chunking_strategy", "static", "chunk_overlap_tokens")
        diagnostics.error(Code.OUT_OF_RANGE, f"chunk_overlap_tokens ({static[where[-1]]}) "
                          "must not exceed half of max_chunk_size_tokens "
                          f"({static['max_chunk_size_tokens']})", doc.locate(where),
                          path=format_path(where))
    found = repo_files.store_files(doc, spec.files, spec.exclude, root, diagnostics)
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


def static_chunking(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The `static` options of a store's chunking strategy, if it has them."""
    chunking = spec.get("chunking_strategy") or {}
    static = chunking.get("static") if chunking.get("type") == "static" else None
    return static if isinstance(static, dict) else None
