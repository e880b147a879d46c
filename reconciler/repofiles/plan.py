"""File-level planning: what a store or an assistant must upload, replace, rename, re-chunk,
delete or detach so that its live files match its repository files. Pure: no I/O.

A live store file is ours when its attributes carry the path and sha256 we attached it with;
an upload is ours when its name carries our mark (`ownership.upload_name`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.model.desired import DesiredFile, DesiredResource
from reconciler.ownership import uploaded_path, uploaded_sha
from reconciler.plan.model import FileAction, FileChange, Unknown
from reconciler.provider import LiveObject, LiveStoreFile

HEALTHY = ("completed", "in_progress")


def uploads_all(resource: DesiredResource) -> list[FileChange]:
    """Every file of a resource that has none live yet."""
    return [_upload(f) for f in resource.files]


def store_file_changes(resource: DesiredResource, live_files: Sequence[LiveStoreFile],
                       sizes: Mapping[str, int]) -> list[FileChange]:
    """The changes that make a store's live files match its declared files."""
    ours: dict[str, list[LiveStoreFile]] = {}
    changes: list[FileChange] = []
    for entry in live_files:
        if entry.path is not None and entry.sha256 is not None:
            ours.setdefault(entry.path, []).append(entry)
        else:
            changes.append(FileChange(action=FileAction.DETACH, path=entry.id,
                                      live_file_id=entry.id, size=sizes.get(entry.id, 0),
                                      reason="attached by hand; the upload itself is kept"))
    chunking = resource.chunking_strategy
    unmatched: list[DesiredFile] = []
    for wanted in resource.files:
        entries = ours.pop(wanted.path, [])
        keep = _healthy(entries, wanted.sha256)
        if keep is not None:
            if keep.chunking_strategy != chunking:
                changes.append(_rechunk(wanted, keep, sizes))
        elif entries:
            old = next((e for e in entries if e.sha256 == wanted.sha256), entries[0])
            changes.append(FileChange(action=FileAction.REPLACE, path=wanted.path,
                                      size=wanted.size, sha256=wanted.sha256,
                                      local=wanted.local, live_file_id=old.id,
                                      reason=_why_replace(wanted, old)))
            keep = old
        else:
            unmatched.append(wanted)
        changes += [_delete(wanted.path, e, sizes, "an older copy") for e in entries
                    if e is not keep]
    changes += _renames_or_uploads(unmatched, ours, chunking, sizes)
    changes += [_delete(path, e, sizes, "no pattern matches it any more")
                for path, entries in ours.items() for e in entries]
    return sorted(changes, key=lambda c: (c.path, c.action))


def _renames_or_uploads(unmatched: list[DesiredFile], ours: dict[str, list[LiveStoreFile]],
                        chunking: dict[str, Any] | None, sizes: Mapping[str, int]
                        ) -> list[FileChange]:
    """Files under a new path: same content as one that went away is a rename."""
    by_sha: dict[str | None, list[tuple[str, LiveStoreFile]]] = {}
    for path, entries in ours.items():
        for entry in entries:
            if entry.status in HEALTHY:
                by_sha.setdefault(entry.sha256, []).append((path, entry))
    changes: list[FileChange] = []
    for wanted in unmatched:
        candidates = by_sha.get(wanted.sha256) or []
        if not candidates:
            changes.append(_upload(wanted))
            continue
        old_path, entry = candidates.pop(0)
        ours[old_path].remove(entry)
        if not ours[old_path]:
            del ours[old_path]
        if entry.chunking_strategy != chunking:
            changes.append(_rechunk(wanted, entry, sizes, f"renamed from {old_path}"))
        else:
            changes.append(FileChange(action=FileAction.RENAME, path=wanted.path,
                                      old_path=old_path, sha256=wanted.sha256,
                                      size=wanted.size, live_file_id=entry.id))
    return changes


def _healthy(entries: list[LiveStoreFile], sha256: str) -> LiveStoreFile | None:
    matching = [e for e in entries if e.sha256 == sha256 and e.status in HEALTHY]
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
