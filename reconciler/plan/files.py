"""File-level planning: what a store or an assistant must upload, replace, rename, re-chunk,
delete or detach so that its live files match its repository files. Pure: no I/O.

A live store file is ours when its attributes carry the path and sha256 we attached it with;
an upload is ours when its name carries our mark (`ownership.upload_name`). When our uploads
are known, a store file is in sync only if its upload holds what its attributes record (the
name mark's sha256, and the declared size): a file swapped by hand under the same attributes
is uploaded again. Only our uploads are ever deleted, and none that an unmanaged store still
holds (`keep_shared`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.model.desired import DesiredFile, DesiredResource
from reconciler.ownership import uploaded_path, uploaded_sha
from reconciler.plan.model import FileAction, FileChange, Unknown
from reconciler.provider import LiveObject, LiveStoreFile

HEALTHY = ("completed", "in_progress")
SWAPPED = "upload does not hold the recorded content (changed by hand)"
"""Why a store file whose attributes match is uploaded again."""


def uploads_all(resource: DesiredResource) -> list[FileChange]:
    """Every file of a resource that has none live yet."""
    return [_upload(f) for f in resource.files]


@dataclass(frozen=True)
class _Uploads:
    """What is known of the uploads behind a store's files: the sizes of ours, and (when
    given) our uploads by id, to check what each holds."""

    sizes: Mapping[str, int]
    ours: Mapping[str, LiveObject] | None

    def holds(self, entry: LiveStoreFile, wanted: DesiredFile) -> bool:
        """Whether `entry`'s upload is ours with `wanted`'s content: its name mark's sha256
        and its size (always, when our uploads are not known)."""
        if self.ours is None:
            return True
        upload = self.ours.get(entry.id)
        if upload is None:
            return False
        size = upload.raw.get("bytes")
        return (uploaded_sha(upload.raw.get("filename")) == wanted.sha256
                and (size is None or int(size) == wanted.size))

    def is_ours(self, entry: LiveStoreFile) -> bool:
        return self.ours is None or entry.id in self.ours

    def retire(self, path: str, entry: LiveStoreFile, reason: str) -> FileChange:
        """An old store file taken out: its upload is deleted only when it is ours."""
        if self.is_ours(entry):
            return _delete(path, entry, self.sizes, reason)
        return _detach(path, entry, self.sizes, f"{reason}; not our upload, so it is kept")


def store_file_changes(resource: DesiredResource, live_files: Sequence[LiveStoreFile],
                       sizes: Mapping[str, int], *,
                       uploads: Mapping[str, LiveObject] | None = None) -> list[FileChange]:
    """The changes that make a store's live files match its declared files.

    With `uploads` (ours, by id) each file's upload is checked too: one that does not hold
    the content its attributes record is uploaded again and the file detached (its upload
    is kept: it may not be ours, or be used elsewhere)."""
    known = _Uploads(sizes, uploads)
    ours: dict[str, list[LiveStoreFile]] = {}
    changes: list[FileChange] = []
    for entry in live_files:
        if entry.path is not None and entry.sha256 is not None:
            ours.setdefault(entry.path, []).append(entry)
        else:
            changes.append(_detach(entry.id, entry, sizes,
                                   "attached by hand; the upload itself is kept"))
    chunking = resource.chunking_strategy
    unmatched: list[DesiredFile] = []
    for wanted in resource.files:
        entries = ours.pop(wanted.path, [])
        if entries:
            changes += _one_path(wanted, entries, chunking, known)
        else:
            unmatched.append(wanted)
    changes += _renames_or_uploads(unmatched, ours, chunking, known)
    changes += [known.retire(path, e, "no pattern matches it any more")
                for path, entries in ours.items() for e in entries]
    return sorted(changes, key=lambda c: (c.path, c.action))


def _one_path(wanted: DesiredFile, entries: list[LiveStoreFile],
              chunking: dict[str, Any] | None, known: _Uploads) -> list[FileChange]:
    """The live files recorded under a declared path: one is kept (re-chunked if need be) or
    replaced; the others are older copies."""
    keep = _healthy(entries, wanted, known)
    changes: list[FileChange] = []
    if keep is not None:
        if keep.chunking_strategy != chunking:
            changes.append(_rechunk(wanted, keep, known.sizes))
    else:
        keep = next((e for e in entries if e.sha256 == wanted.sha256), entries[0])
        changes += _replace(wanted, keep, known)
    return changes + [known.retire(wanted.path, e, "an older copy") for e in entries
                      if e is not keep]


def _replace(wanted: DesiredFile, old: LiveStoreFile, known: _Uploads) -> list[FileChange]:
    """A new version of a file: the old one's upload is deleted once it is indexed, unless it
    is not ours or does not hold what it records (then it is only detached)."""
    swapped = old.sha256 == wanted.sha256 and old.status in HEALTHY
    if known.is_ours(old) and not swapped:
        return [FileChange(action=FileAction.REPLACE, path=wanted.path, size=wanted.size,
                           sha256=wanted.sha256, local=wanted.local, live_file_id=old.id,
                           reason=_why_replace(wanted, old))]
    kept = "the upload is kept" if known.is_ours(old) else "not our upload, so it is kept"
    reason, old_reason = ((f"the live file's {SWAPPED}", f"its {SWAPPED}") if swapped
                          else (_why_replace(wanted, old),) * 2)
    return [_upload(wanted).model_copy(update={"reason": reason}),
            _detach(wanted.path, old, known.sizes, f"{old_reason}; {kept}")]


def _renames_or_uploads(unmatched: list[DesiredFile], ours: dict[str, list[LiveStoreFile]],
                        chunking: dict[str, Any] | None, known: _Uploads) -> list[FileChange]:
    """Files under a new path: same content as one that went away is a rename."""
    by_sha: dict[str | None, list[tuple[str, LiveStoreFile]]] = {}
    for path, entries in ours.items():
        for entry in entries:
            if entry.status in HEALTHY:
                by_sha.setdefault(entry.sha256, []).append((path, entry))
    changes: list[FileChange] = []
    for wanted in unmatched:
        candidates = by_sha.get(wanted.sha256) or []
        found = next((c for c in candidates if known.holds(c[1], wanted)), None)
        if found is None:
            changes.append(_upload(wanted))
            continue
        candidates.remove(found)
        old_path, entry = found
        ours[old_path].remove(entry)
        if not ours[old_path]:
            del ours[old_path]
        if entry.chunking_strategy != chunking:
            changes.append(_rechunk(wanted, entry, known.sizes, f"renamed from {old_path}"))
        else:
            changes.append(FileChange(action=FileAction.RENAME, path=wanted.path,
                                      old_path=old_path, sha256=wanted.sha256,
                                      size=wanted.size, live_file_id=entry.id))
    return changes


def _healthy(entries: list[LiveStoreFile], wanted: DesiredFile,
             known: _Uploads) -> LiveStoreFile | None:
    matching = [e for e in entries if e.sha256 == wanted.sha256 and e.status in HEALTHY
                and known.holds(e, wanted)]
    matching.sort(key=lambda e: e.status != "completed")
    return matching[0] if matching else None


def _why_replace(wanted: DesiredFile, old: LiveStoreFile) -> str:
    if old.sha256 != wanted.sha256:
        return "content changed"
    error = old.last_error or {}
    return f"last indexing ended {old.status}" + (
        f": {error.get('message')}" if error.get("message") else "")


def _upload(wanted: DesiredFile) -> FileChange:
    return FileChange(action=FileAction.UPLOAD, path=wanted.path, size=wanted.size,
                      sha256=wanted.sha256, local=wanted.local)


def _rechunk(wanted: DesiredFile, entry: LiveStoreFile, sizes: Mapping[str, int],
             reason: str = "chunking strategy changed") -> FileChange:
    return FileChange(action=FileAction.RECHUNK, path=wanted.path, sha256=wanted.sha256,
                      size=sizes.get(entry.id, wanted.size), live_file_id=entry.id,
                      reason=reason)


def _delete(path: str, entry: LiveStoreFile, sizes: Mapping[str, int],
            reason: str) -> FileChange:
    return FileChange(action=FileAction.DELETE, path=path, live_file_id=entry.id,
                      sha256=entry.sha256, size=sizes.get(entry.id, 0), reason=reason)


def _detach(path: str, entry: LiveStoreFile, sizes: Mapping[str, int],
            reason: str) -> FileChange:
    return FileChange(action=FileAction.DETACH, path=path, live_file_id=entry.id,
                      sha256=entry.sha256, size=sizes.get(entry.id, 0), reason=reason)


def store_recreated(resource: DesiredResource, live_files: Sequence[LiveStoreFile],
                    sizes: Mapping[str, int]) -> list[FileChange]:
    """A store made anew (replaced, or expired): the old store's uploads with the content of
    a declared file are attached again (no upload); the rest are uploaded, or deleted."""
    spare: dict[str, list[LiveStoreFile]] = {}
    for live in live_files:
        if live.id in sizes and live.sha256 is not None:
            spare.setdefault(live.sha256, []).append(live)
    changes = []
    for wanted in resource.files:
        entries = spare.get(wanted.sha256) or []
        entry = next((e for e in entries if sizes[e.id] == wanted.size), None)
        if entry is None:
            changes.append(_upload(wanted))
            continue
        entries.remove(entry)
        changes.append(_upload(wanted).model_copy(update={"upload_id": entry.id}))
    left = [e for entries in spare.values() for e in entries]
    return changes + store_deletes(left, sizes)


def store_deletes(live_files: Sequence[LiveStoreFile], sizes: Mapping[str, int]
                  ) -> list[FileChange]:
    """A store going away: our uploads in it are deleted too (the rest are left)."""
    return sorted((_delete(e.path, e, sizes, "its store is deleted")
                   for e in live_files if e.path is not None and e.id in sizes),
                  key=lambda c: c.path)


def code_files(declared: Sequence[DesiredFile], live_ids: Sequence[str],
               uploads: Mapping[str, LiveObject], keep: Iterable[str]
               ) -> tuple[list[str | Unknown], list[FileChange]]:
    """An assistant's code_interpreter files: the ids to send (unknown for uploads) and the
    uploads to make or delete. `keep` are ids used elsewhere (never deleted)."""
    used: set[str] = set()
    resolved: list[str | Unknown] = []
    changes: list[FileChange] = []
    for wanted in declared:
        found = next((i for i in live_ids if i not in used and i in uploads
                      and uploaded_sha(uploads[i].raw.get("filename")) == wanted.sha256), None)
        if found is None:
            resolved.append(Unknown(at=(), upload=wanted.path))
            changes.append(_upload(wanted))
        else:
            resolved.append(found)
            used.add(found)
    kept = set(keep)
    for file_id in live_ids:
        if file_id in uploads and file_id not in used and file_id not in kept:
            name = uploads[file_id].raw.get("filename")
            changes.append(FileChange(action=FileAction.DELETE, path=uploaded_path(name),
                                      live_file_id=file_id,
                                      size=int(uploads[file_id].raw.get("bytes") or 0),
                                      reason="the assistant no longer uses it"))
    return resolved, changes


def orphaned(uploads: Sequence[LiveObject], stores: Sequence[LiveObject],
             assistants: Sequence[LiveObject]) -> list[LiveObject] | None:
    """Our uploads that no store or assistant uses (left by an interrupted apply).

    Stores whose files were not listed (in sync by their digest) are accounted for by their
    file counts; None means that is not enough to tell, and they must be listed.
    """
    used = {e.id for s in stores for e in s.files or ()}
    for assistant in assistants:
        resources = assistant.raw.get("tool_resources") or {}
        used.update((resources.get("code_interpreter") or {}).get("file_ids") or [])
    candidates = [u for u in uploads if u.id not in used]
    unlisted = [s for s in stores if s.files is None]
    expected = sum(int((s.raw.get("file_counts") or {}).get("total", 0)) for s in unlisted)
    if len(candidates) <= expected:
        return []
    if unlisted:
        return None
    return candidates


def shared_uploads(stores: Iterable[LiveObject]) -> dict[str, list[str]]:
    """The unmanaged stores whose files were listed that hold each upload, by upload id."""
    found: dict[str, list[str]] = {}
    for store in stores:
        if store.address is None:
            for entry in store.files or ():
                found.setdefault(entry.id, []).append(store.id)
    return found


def keep_shared(changes: Sequence[FileChange], shared: Mapping[str, Sequence[str]]
                ) -> list[FileChange]:
    """Changes that would delete an upload an unmanaged store still holds only detach it: a
    delete becomes a detach, a replace an upload of the new version and a detach."""
    result: list[FileChange] = []
    for change in changes:
        holders = shared.get(str(change.live_file_id)) or []
        if not holders or change.action not in (FileAction.DELETE, FileAction.REPLACE):
            result.append(change)
            continue
        kept = f"an unmanaged store still uses it ({', '.join(holders)}): the upload is kept"
        replaced = change.action is FileAction.REPLACE
        if replaced:
            result.append(FileChange(action=FileAction.UPLOAD, path=change.path,
                                     size=change.size, sha256=change.sha256,
                                     local=change.local, upload_id=change.upload_id,
                                     reason=change.reason))
        result.append(FileChange(
            action=FileAction.DETACH, path=change.path, live_file_id=change.live_file_id,
            sha256=None if replaced else change.sha256, size=0 if replaced else change.size,
            reason=f"{change.reason}; {kept}" if change.reason else kept))
    return result
