"""The `VectorStore` kind: a vector store and the repository files it indexes."""

from __future__ import annotations

from reconciler.kinds.vector_store.model import VectorStoreManifest, VectorStoreSettings
from reconciler.model.kindspec import FileUse, KindSpec, Listing

KIND = KindSpec(
    kind="VectorStore", manifest=VectorStoreManifest,
    body_fields=tuple(VectorStoreSettings.model_fields), plan_order=0,
    defaults={"name": None, "expires_after": None, "metadata": {}},
    volatile=("usage_bytes", "last_active_at", "file_counts", "status", "expires_at"),
    null_on_create=False,  # the API takes null here on update (to clear it), not on create
    provider="reconciler.kinds.vector_store.provider:VectorStoreProvider",
    listing=Listing("/v1/vector_stores", per_object=(
        "a store's files (a list per 100), where the digest it records does not vouch for "
        "them (every store's with `plan --refresh=full`), and an unmanaged store's when the "
        "plan deletes an upload it may hold")),
    resolve="reconciler.kinds.vector_store.resolve:resolve",
    files=FileUse.STORE, shown_on_delete=("name",),
    refresh="reconciler.kinds.vector_store.reading:list_store_files",
    replan="reconciler.kinds.vector_store.reading:list_shared_files",
    hides="reconciler.lock:is_lock",  # the apply lock is a vector store no plan sees
    plural="vector stores",
)
"""Vector stores are not imported: their files cannot be downloaded back into a repository
(the Files API serves the content of `assistants` uploads to nobody)."""
