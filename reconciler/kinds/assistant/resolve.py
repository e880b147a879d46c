"""An assistant's references to other objects: the repository files of its code_interpreter
and the VectorStore manifests its file_search uses, by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.diagnostics import Code, format_path
from reconciler.kinds import declared_files as repo_files
from reconciler.kinds.assistant.model import MAX_CODE_FILES, MAX_STORES
from reconciler.manifests.structure import did_you_mean
from reconciler.manifests.templates import Merged
from reconciler.model.desired import DesiredFile

if TYPE_CHECKING:
    from reconciler.kinds.templated import Resolver

STORE = "VectorStore"


def tool_resources(resolver: Resolver, merged: Merged, values: dict[str, Any]
                   ) -> tuple[list[DesiredFile], list[str]] | None:
    """Take the repository files and store names out of `tool_resources`, checked.

    What stays in `values` is what the API accepts as it is (ids).
    """
    resources = values.get("tool_resources")
    if not isinstance(resources, dict):
        return [], []
    code = dict(resources.get("code_interpreter") or {})
    search = dict(resources.get("file_search") or {})
    paths, stores = code.pop("files", []), search.pop("vector_stores", [])
    found: list[DesiredFile] | None = []
    base = ("tool_resources", "code_interpreter", "files")
    if paths:
        origin = merged.provenance.origin(base)
        found = repo_files.named_files(origin.doc, paths, origin.path, resolver.root,
                                       resolver.diagnostics)
    _check_count(resolver, merged, base, len(paths) + len(code.get("file_ids", [])),
                 MAX_CODE_FILES, "code_interpreter files")
    where = ("tool_resources", "file_search", "vector_stores")
    _check_count(resolver, merged, where,
                 len(stores) + len(search.get("vector_store_ids", [])), MAX_STORES,
                 "vector stores")
    for index, name in enumerate(stores):
        if name not in resolver.result.declared[STORE]:
            origin = merged.provenance.origin((*where, index))
            resolver.diagnostics.error(
                Code.UNKNOWN_VECTOR_STORE, f"no VectorStore manifest is named '{name}'",
                origin.doc.locate(origin.path), path=format_path(origin.path),
                hint=did_you_mean(name, resolver.result.declared[STORE])
                or "declare it (kind: VectorStore), or give its id in vector_store_ids")
    values["tool_resources"] = {**resources, **(
        {"code_interpreter": code} if "code_interpreter" in resources else {}), **(
        {"file_search": search} if "file_search" in resources else {})}
    return None if found is None else (found, list(stores))


def _check_count(resolver: Resolver, merged: Merged, where: tuple[str, ...], count: int,
                 limit: int, what: str) -> None:
    if count > limit:
        origin = merged.provenance.origin(where[:-1])
        resolver.diagnostics.error(Code.TOO_MANY, f"{count} {what}; the API allows at most "
                                   f"{limit} (ids and manifest references together)",
                                   origin.doc.locate(origin.path),
                                   path=format_path(origin.path))
