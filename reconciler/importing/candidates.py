"""What can be imported from the live account, and what an import must not collide with:
shared by `reconciler import` and the dashboard's import page."""

from __future__ import annotations

from reconciler import kinds, ownership
from reconciler.importing.convert import function_key
from reconciler.kinds.tool.index import entries as tool_entries
from reconciler.manifests.project import ManifestSet
from reconciler.provider import LiveObject


def unmanaged(live: list[LiveObject], existing: ManifestSet) -> list[LiveObject]:
    """Live objects of an importable kind that nothing manages or adopts yet."""
    adopting = {r.annotations.get(ownership.ADOPT_ANNOTATION) for r in existing.resources}
    return [o for o in live if ownership.owner(o.raw.get("metadata")) is None
            and o.id not in adopting and o.kind in IMPORTABLE]


IMPORTABLE = tuple(s.kind for s in kinds.REGISTRY if s.importer)
"""The kinds with an importer (a store's files cannot be downloaded back into a repository:
the Files API serves the content of `assistants` uploads to nobody)."""


def taken(existing: ManifestSet) -> set[tuple[str, str]]:
    """The (kind, name) pairs the manifests use already."""
    taken: set[tuple[str, str]] = {(str(r.kind), r.name) for r in existing.resources}
    taken |= {("Tool", name) for name in tool_entries(existing)}
    return taken


def known_tools(existing: ManifestSet) -> dict[str, str]:
    """The function tools the manifests declare, by their function's key."""
    known = {}
    for entry in tool_entries(existing).values():
        if entry.type == "function":
            function = entry.spec.function.model_dump(by_alias=True, exclude_none=True)
            function.setdefault("name", entry.name)
            known[function_key(function)] = entry.name
    return known
