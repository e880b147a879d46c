"""Every live object, managed or not, with its manifest and whether it is in sync: what
`reconciler inventory` lists and the dashboard counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler import kinds, ownership
from reconciler.manifests.project import ManifestSet
from reconciler.model.kindspec import Address, FileUse
from reconciler.pipeline import Sources, present_manifests, read_live, refresh
from reconciler.plan.diff import diff
from reconciler.plan.model import Action
from reconciler.plan.scope import partition
from reconciler.provider import LiveObject, LiveState, claims
from reconciler.settings import Settings

COLUMNS = ("id", "kind", "name", "model", "managed", "manifest", "file", "status")


def rows(manifests: ManifestSet, live: list[LiveObject], endpoint: str,
         scope: str | None = None) -> list[dict[str, Any]]:
    """One row per live object; the status comes from the planner itself."""
    split = partition(live, scope)
    foreign = {f.id: f.scope for f in split.foreign}
    conflicted = {o.id for objs in claims(split.ours).values() if len(objs) > 1 for o in objs}
    plan = diff(manifests.resources, [o for o in split.ours if o.id not in conflicted],
                endpoint=endpoint, no_delete=True, scope=scope)
    drifted = {c.live_id for c in plan.changes if c.action is not Action.CREATE}
    adopting = {r.annotations.get(ownership.ADOPT_ANNOTATION): r for r in manifests.resources}
    files = {r.address: r.source.file for r in manifests.resources}
    table = []
    for obj in live:
        if kinds.get(obj.kind).files is FileUse.UPLOAD:  # shown with what holds them
            continue
        address = obj.address
        if obj.id in foreign:
            status = f"scope {foreign[obj.id]}"
        elif obj.id in conflicted:
            status = "duplicate"
        elif address is None:
            status = "import pending" if obj.id in adopting else "unmanaged"
            if obj.id in adopting:
                address = Address(obj.kind, adopting[obj.id].name)
        elif str(address) not in files:
            status = "orphaned"
        else:
            status = "drifted" if obj.id in drifted else "in sync"
        table.append({"id": obj.id, "kind": obj.kind, "name": obj.raw.get("name") or "",
                      "model": obj.raw.get("model") or "", "managed": obj.address is not None,
                      "manifest": address.name if address else "",
                      "file": files.get(str(address), ""), "status": status})
    return table


@dataclass
class Inventory:
    """The manifests, what was read, and one row per live object."""

    manifests: ManifestSet
    live: LiveState
    rows: list[dict[str, Any]]


def take(settings: Settings, sources: Sources, endpoint: str, *,
         store_files: bool = True) -> Inventory:
    """Read the manifests and the live account, and list every live object."""
    return of(settings, present_manifests(settings), read_live(sources), sources, endpoint,
              store_files=store_files)


def of(settings: Settings, manifests: ManifestSet, live: LiveState, sources: Sources,
       endpoint: str, *, store_files: bool = True) -> Inventory:
    """The inventory of what was read; without `store_files`, stores whose digest says in
    sync are not listed file by file (what only agents' rows are needed for does not pay
    for it). `live` is changed (its stores' files added)."""
    if store_files:
        refresh(sources.providers, manifests.resources, live)  # a store drifts by its files
    return Inventory(manifests, live, rows(manifests, live.objects, endpoint,
                                           settings.config.scope))
