"""What planning one resource needs from the others: live ids of the stores it uses, the
uploads it may keep, the file changes of a store, and uploads nothing uses. Pure: no I/O."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from reconciler.model.desired import DesiredResource
from reconciler.ownership import uploaded_sha
from reconciler.plan import files as file_plan
from reconciler.plan.model import Action, FileChange, ResourceChange
from reconciler.plan.normalize import desired_comparable, fingerprint
from reconciler.provider import LiveObject


class Context:
    """What planning one resource needs to know about the others."""

    def __init__(self, live: Sequence[LiveObject]) -> None:
        self.objects = [o for o in live if o.kind != "File"]
        self.uploads = {o.id: o for o in live if o.kind == "File"}
        self.sizes = {o.id: int(o.raw.get("bytes") or 0) for o in self.uploads.values()}
        self.managed: dict[str, LiveObject] = {}
        self.planned: dict[str, ResourceChange | None] = {}
        self.code_users: dict[str, set[str]] = defaultdict(set)
        self._spares: dict[str, list[LiveObject]] | None = None
        self._attached: set[str] | None = None
        for obj in self.objects:
            resources = obj.raw.get("tool_resources") or {}
            for file_id in (resources.get("code_interpreter") or {}).get("file_ids") or []:
                self.code_users[file_id].add(obj.id)

    def spares(self) -> dict[str, list[LiveObject]]:
        """Our uploads that nothing uses, by content hash (empty when that cannot be told)."""
        if self._spares is None:
            stores = [o for o in self.managed.values() if o.kind == "VectorStore"]
            assistants = [o for o in self.objects if o.kind == "Assistant"]
            self._spares = defaultdict(list)
            for upload in file_plan.orphaned(list(self.uploads.values()), stores,
                                             assistants) or []:
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
            self._attached = {str(e["id"]) for s in self.objects for e in s.files or ()}
        return {i for i in code_file_ids(obj)
                if self.code_users[i] - {obj.id} or i in self._attached}


def resolved(resource: DesiredResource, obj: LiveObject | None, context: Context,
              problems: list[str], *, replacing: bool
              ) -> tuple[dict[str, Any], list[FileChange], tuple[str, ...]]:
    """The comparable desired form with live ids filled in, the file changes it needs, and
    the changes it waits for (whose ids are known only after apply)."""
    after = desired_comparable(resource)
    if resource.kind == "VectorStore":
        return after, _store_files(resource, obj, context, replacing=replacing), ()
    ignored = set(resource.lifecycle.ignore_changes)
    uploaded = [i for i in code_file_ids(obj) if i in context.uploads]  # ours, live now
    if not (resource.files or resource.store_refs or uploaded) or ignored & {
            "all", "tool_resources"}:
        return after, [], ()  # nothing to resolve, or the live value is kept as it is
    resources = copy.deepcopy(after["tool_resources"])
    depends_on: list[str] = []
    files: list[FileChange] = []
    if resource.store_refs:
        ids = []
        for name in resource.store_refs:
            address = f"VectorStore/{name}"
            store, planned = context.managed.get(address), context.planned.get(address)
            if store is not None and (planned is None or planned.action is Action.UPDATE):
                ids.append(store.id)
                continue
            ids.append(file_plan.known_after_apply(address))
            depends_on.append(address)
            if address not in context.planned:
                problems.append(f"{resource.kind}/{resource.name} uses {address}, which does "
                                "not exist yet: target it too")
        search = resources.setdefault("file_search", {})
        search["vector_store_ids"] = [*search.get("vector_store_ids", []), *ids]
    if resource.files or uploaded:
        ids, files = file_plan.code_files(resource.files, code_file_ids(obj), context.uploads,
                                          keep=context.used_elsewhere(obj))
        files = context.reuse(files)
        reused = {file_plan.upload_placeholder(f.path): f.upload_id for f in files
                  if f.upload_id}
        ids = [reused.get(i) or i for i in ids]
        code = resources.setdefault("code_interpreter", {})
        code["file_ids"] = [*code.get("file_ids", []), *ids]
    return {**after, "tool_resources": resources}, files, tuple(depends_on)


def _store_files(resource: DesiredResource, obj: LiveObject | None, context: Context, *,
                 replacing: bool) -> list[FileChange]:
    return context.reuse(_store_changes(resource, obj, context, replacing=replacing))


def _store_changes(resource: DesiredResource, obj: LiveObject | None, context: Context, *,
                   replacing: bool) -> list[FileChange]:
    if obj is None:
        return file_plan.uploads_all(resource)
    if replacing or expired(obj):  # a new store: the old uploads serve again, or go
        return file_plan.store_recreated(resource, obj.files or (), context.sizes)
    if obj.files is None:  # its digest says the files are as declared
        return []
    return file_plan.store_file_changes(resource, obj.files, context.sizes)


def expired(obj: LiveObject) -> bool:
    return obj.kind == "VectorStore" and obj.raw.get("status") == "expired"


def orphans(context: Context) -> list[ResourceChange]:
    """Deletes of our uploads that nothing uses and no change reuses (an interrupted apply
    left them)."""
    found = sorted((u for spares in context.spares().values() for u in spares),
                   key=lambda u: (u.created_at, u.id))
    return [ResourceChange(
        address=f"File/{obj.id}", kind="File", name=obj.id, action=Action.DELETE,
        live_id=obj.id, before={"filename": obj.raw.get("filename"),
                                "bytes": obj.raw.get("bytes")},
        fingerprint=fingerprint(obj),
        reason="an upload of ours that no store or assistant uses (left by an interrupted "
               "apply)") for obj in found]




def code_file_ids(obj: LiveObject | None) -> list[str]:
    if obj is None:
        return []
    resources = obj.raw.get("tool_resources") or {}
    return list((resources.get("code_interpreter") or {}).get("file_ids") or [])
