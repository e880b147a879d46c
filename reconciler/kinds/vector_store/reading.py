"""Read what listing the stores does not: the files of the stores whose digest cannot vouch
for them (of every managed store with `plan --refresh=full`), and those of the unmanaged
stores when a plan would delete an upload one of them may hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from reconciler import kinds, ownership
from reconciler.kinds.vector_store.provider import VectorStoreProvider
from reconciler.model.desired import DesiredResource
from reconciler.model.kindspec import Address, FileUse
from reconciler.plan.files import orphaned
from reconciler.plan.model import Action, FileAction, Plan
from reconciler.plan.normalize import files_digest
from reconciler.provider import LiveObject, Provider

if TYPE_CHECKING:
    from reconciler.provider import LiveState

KIND = "VectorStore"


def list_store_files(providers: Mapping[str, Provider], desired: Sequence[DesiredResource],
                     live: LiveState, replace: Sequence[str] = (), *,
                     full: bool = False) -> None:
    """List the files of the managed stores that need it, in parallel, into `live`.

    A store whose digest records the declared files, with every file indexed, is in sync
    without listing them: re-planning an unchanged store of 2,000 files costs no request.
    The others are listed (100 files a request); so are all of them when our uploads
    outnumber the files the stores hold (an interrupted apply left some behind), or when
    `full` (then the planner also finds a file whose upload was swapped by hand).
    """
    stores = providers.get(KIND)
    if not isinstance(stores, VectorStoreProvider):
        return
    wanted = {r.name: r for r in desired if r.kind == KIND}
    managed = [o for o in live.objects if o.kind == KIND
               and ownership.owner(o.raw.get("metadata")) is not None]
    replaced = {a.name for a in map(Address.parse, replace) if a.kind == KIND}
    chosen = [o.id for o in managed if full or not _in_sync(o, wanted)
              or ownership.owner(o.raw.get("metadata")) in replaced]
    _list_files(stores, live, set(chosen))
    uploads = [o for o in live.objects if kinds.get(o.kind).files is FileUse.UPLOAD]
    holders = [o for o in live.objects if kinds.get(o.kind).files is FileUse.CODE]
    managed_ids = {m.id for m in managed}
    listed = [o for o in live.objects if o.id in managed_ids]
    if orphaned(uploads, listed, holders) is None:
        _list_files(stores, live, {o.id for o in listed if o.files is None})


def list_shared_files(providers: Mapping[str, Provider], plan: Plan, live: LiveState) -> bool:
    """When `plan` deletes an upload of ours, list the files of every unmanaged store that
    holds any (one request per 100 files), into `live`: an upload one of them still uses is
    then only detached (`plan.files.keep_shared`). Return whether any was listed (then
    plan again)."""
    stores = providers.get(KIND)
    if not isinstance(stores, VectorStoreProvider) or not deletes_uploads(plan):
        return False
    holding = {o.id for o in live.objects if o.kind == KIND and o.address is None
               and o.files is None and int((o.raw.get("file_counts") or {}).get("total") or 0)}
    _list_files(stores, live, holding)
    return bool(holding)


def deletes_uploads(plan: Plan) -> bool:
    """Whether `plan` deletes an upload: a store's or an assistant's file, or an unused one."""
    return any(f.action in (FileAction.DELETE, FileAction.REPLACE)
               for change in plan.changes for f in change.files) or any(
        change.action is Action.DELETE and kinds.get(change.kind).files is FileUse.UPLOAD
        for change in plan.changes)


def _in_sync(store: LiveObject, wanted: dict[str, DesiredResource]) -> bool:
    resource = wanted.get(str(ownership.owner(store.raw.get("metadata"))))
    if resource is None or store.raw.get("status") == "expired":
        return False
    recorded = ownership.recorded_files(
        (store.raw.get("metadata") or {}).get(ownership.DIGEST_KEY))
    counts = store.raw.get("file_counts") or {}
    count = len(resource.files)
    return (recorded == files_digest(resource) and counts.get("completed") == count
            and counts.get("total") == count)


def _list_files(stores: VectorStoreProvider, live: LiveState, ids: set[str]) -> None:
    if not ids:
        return
    with ThreadPoolExecutor(max_workers=min(8, len(ids))) as pool:
        listed = dict(zip(sorted(ids), pool.map(stores.list_files, sorted(ids)), strict=True))
    live.objects = [o.model_copy(update={"files": tuple(listed[o.id])}) if o.id in listed
                    else o for o in live.objects]
