"""What planning one resource needs from the others: live ids of the stores it uses, the
uploads it may keep, the file changes of a store, and uploads nothing uses. Pure: no I/O."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from reconciler.diagnostics import Code, Diagnostics
from reconciler.model.desired import DesiredResource
from reconciler.model.kindspec import Address, FileUse, registry
from reconciler.ownership import uploaded_scope, uploaded_sha
from reconciler.plan import files as file_plan
from reconciler.plan.model import (
    Action,
    ActionReason,
    FileChange,
    ResourceChange,
    Unknown,
    because,
)
from reconciler.plan.normalize import desired_comparable, fingerprint
from reconciler.provider import LiveObject


class Context:
    """What planning one resource needs to know about the others."""

    def __init__(self, live: Sequence[LiveObject], scope: str | None = None) -> None:
        self.scope = scope
        """Only uploads named for exactly this scope may be reused or deleted as unused:
        an unscoped upload in a scoped plan may be another repository's from before
        scopes."""
        self.objects = [o for o in live if _uses(o) is not FileUse.UPLOAD]
        self.uploads = {o.id: o for o in live if _uses(o) is FileUse.UPLOAD}
        self.sizes = {o.id: int(o.raw.get("bytes") or 0) for o in self.uploads.values()}
        self.managed: dict[str, LiveObject] = {}
        self.planned: dict[str, ResourceChange | None] = {}
        self.code_users: dict[str, set[str]] = defaultdict(set)
        self._spares: dict[str, list[LiveObject]] | None = None
        self._attached: set[str] | None = None
        self.shared = file_plan.shared_uploads(o for o in self.objects
                                               if _uses(o) is FileUse.STORE)
        """The unmanaged stores holding each upload (listed when the plan deletes one)."""
        for obj in self.objects:
            resources = obj.raw.get("tool_resources") or {}
            for file_id in (resources.get("code_interpreter") or {}).get("file_ids") or []:
                self.code_users[file_id].add(obj.id)

    def spares(self) -> dict[str, list[LiveObject]]:
        """Our uploads that nothing uses, by content hash (empty when that cannot be told)."""
        if self._spares is None:
            managed = {o.id for o in self.managed.values()}
            stores = [o for o in self.objects if _uses(o) is FileUse.STORE
                      and (o.id in managed or o.files is not None)]
            holders = [o for o in self.objects if _uses(o) is FileUse.CODE]
            self._spares = defaultdict(list)
            ours = [u for u in self.uploads.values()
                    if uploaded_scope(u.raw.get("filename")) == self.scope]
            for upload in file_plan.orphaned(ours, stores, holders) or []:
                self._spares[str(uploaded_sha(upload.raw.get("filename")))].append(upload)
        return self._spares

    def reuse(self, changes: list[FileChange]) -> list[FileChange]:
        """Changes that upload content an unused upload of ours holds attach that instead."""
        result = []
        for change in changes:
            spares = self.spares().get(str(change.sha256), [])
            spare = next((u for u in spares if self.sizes[u.id] == change.size), None)
            if change.uploads and spare is not None:
                spares.remove(spare)
                change = change.model_copy(update={"upload_id": spare.id})
            result.append(change)
        return result

    def used_elsewhere(self, obj: LiveObject | None) -> set[str]:
        """The uploads of `obj` that another assistant uses too, or that a store holds."""
        if obj is None:
            return set()
        if self._attached is None:
            self._attached = {e.id for s in self.objects for e in s.files or ()}
        return {i for i in code_file_ids(obj)
                if self.code_users[i] - {obj.id} or i in self._attached}


class Resolved(NamedTuple):
    """A resource's desired form with live ids filled in, and what that needs."""

    after: dict[str, Any]
    files: list[FileChange]
    """The file changes it needs."""
    depends_on: tuple[str, ...]
    """The changes it waits for (whose ids are known only after apply)."""
    unknowns: list[Unknown]
    """Where `after` holds ids known only after apply."""


def resolved(resource: DesiredResource, obj: LiveObject | None, context: Context,
             problems: Diagnostics, *, replacing: bool) -> Resolved:
    """The comparable desired form with live ids filled in, the file changes it needs, the
    changes it waits for, and where it holds ids known only after apply."""
    after = desired_comparable(resource)
    if registry().get(resource.kind).files is FileUse.STORE:
        return Resolved(after, _store_files(resource, obj, context, replacing=replacing), (),
                        [])
    ignored = set(resource.lifecycle.ignore_changes)
    uploaded = [i for i in code_file_ids(obj) if i in context.uploads]  # ours, live now
    if not (resource.files or resource.store_refs or uploaded) or ignored & {
            "all", "tool_resources"}:
        return Resolved(after, [], (), [])  # nothing to resolve, or the live value is kept
    resources = copy.deepcopy(after["tool_resources"])
    depends_on: list[str] = []
    files: list[FileChange] = []
    unknowns: list[Unknown] = []
    if resource.store_refs:
        ids: list[str | Unknown] = []
        for name in resource.store_refs:
            address = str(Address(_store_kind(), name))
            store, planned = context.managed.get(address), context.planned.get(address)
            if store is not None and (planned is None or planned.action is Action.UPDATE):
                ids.append(store.id)
                continue
            ids.append(Unknown(at=(), address=address))
            depends_on.append(address)
            if address not in context.planned:
                problems.error(Code.MISSING_DEPENDENCY, f"{resource.address} uses {address}, "
                               "which does not exist yet", resource.source,
                               path="spec.tool_resources.file_search.vector_stores",
                               hint=f"target it too: --target {address}")
        search = resources.setdefault("file_search", {})
        search["vector_store_ids"] = _placed(
            search.get("vector_store_ids", []), ids,
            ("tool_resources", "file_search", "vector_store_ids"), unknowns)
    if resource.files or uploaded:
        code_ids, files = file_plan.code_files(
            resource.files, code_file_ids(obj), context.uploads,
            keep=context.used_elsewhere(obj))
        files = context.reuse(files)
        reused = {f.path: f.upload_id for f in files if f.upload_id}
        code = resources.setdefault("code_interpreter", {})
        code["file_ids"] = _placed(
            code.get("file_ids", []),
            [reused.get(str(i.upload), i) if isinstance(i, Unknown) else i for i in code_ids],
            ("tool_resources", "code_interpreter", "file_ids"), unknowns)
    return Resolved({**after, "tool_resources": resources}, files, tuple(depends_on),
                    unknowns)


def _placed(present: list[str], added: Sequence[str | Unknown], at: tuple[str, ...],
            unknowns: list[Unknown]) -> list[str]:
    """`present` and then `added`: each unknown id shown as its text, and its position
    recorded in `unknowns`."""
    values = list(present)
    for value in added:
        if isinstance(value, Unknown):
            value = value.model_copy(update={"at": (*at, len(values))})
            unknowns.append(value)
            values.append(value.text)
        else:
            values.append(value)
    return values


def _store_files(resource: DesiredResource, obj: LiveObject | None, context: Context, *,
                 replacing: bool) -> list[FileChange]:
    return context.reuse(file_plan.keep_shared(
        _store_changes(resource, obj, context, replacing=replacing), context.shared))


def _store_changes(resource: DesiredResource, obj: LiveObject | None, context: Context, *,
                   replacing: bool) -> list[FileChange]:
    if obj is None:
        return file_plan.uploads_all(resource)
    if replacing or expired(obj):  # a new store: the old uploads serve again, or go
        return file_plan.store_recreated(resource, obj.files or (), context.sizes)
    if obj.files is None:  # its digest says the files are as declared
        return []
    return file_plan.store_file_changes(resource, obj.files, context.sizes,
                                        uploads=context.uploads)


def expired(obj: LiveObject) -> bool:
    """Whether a store expired (`expires_after`): the API deletes its files."""
    return _uses(obj) is FileUse.STORE and obj.raw.get("status") == "expired"


def _uses(obj: LiveObject) -> FileUse:
    return registry().get(obj.kind).files


def _store_kind() -> str:
    """The kind `store_refs` name: the one that holds files as a store."""
    return next(s.kind for s in registry().RESOURCES if s.files is FileUse.STORE)


def orphans(context: Context) -> list[ResourceChange]:
    """Deletes of our uploads that nothing uses and no change reuses (an interrupted apply
    left them)."""
    found = sorted((u for spares in context.spares().values() for u in spares),
                   key=lambda u: (u.created_at, u.id))
    return [ResourceChange(
        address=str(Address(obj.kind, obj.id)), kind=obj.kind, name=obj.id,
        action=Action.DELETE, live_id=obj.id,
        before={name: obj.raw.get(name) for name in registry().get(obj.kind).shown_on_delete},
        fingerprint=fingerprint(obj), **because(ActionReason.DELETE_BECAUSE_UNUSED_UPLOAD))
        for obj in found]


def code_file_ids(obj: LiveObject | None) -> list[str]:
    if obj is None:
        return []
    resources = obj.raw.get("tool_resources") or {}
    return list((resources.get("code_interpreter") or {}).get("file_ids") or [])
