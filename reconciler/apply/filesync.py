"""Apply the file changes of one store or assistant: upload, attach, wait, clean up.

Uploads stream from disk in parallel. New and re-chunked files are attached with file
batches (up to 2,000 files a batch), each with attributes recording its path and sha256.
Apply then waits for indexing, with backoff, up to a timeout: it never reports success while
files are still `in_progress`. A replaced file's old version is detached and deleted only
once the new one is `completed`; a new version that failed is removed again (the old one
stays), and every failure is reported with the API's error.

An upload whose outcome is unknown (a 5xx or a dropped connection after sending) is first
looked for by its name, which marks our uploads with the plan's scope and their sha256
(`ownership.upload_name`): one found is reused, so a lost answer never leaves an orphaned
upload behind. After Ctrl-C (the retry policy's `stop`), no upload, attach or poll starts;
the store is left for the next apply, which converges.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from reconciler import ownership
from reconciler.kinds.file.provider import FileProvider
from reconciler.kinds.vector_store.provider import BATCH_LIMIT, VectorStoreProvider
from reconciler.plan.model import FileAction, FileChange
from reconciler.provider import NotFoundError, ProviderError, TransientError
from reconciler.provider.retry import Attempts, Interrupted, RetryPolicy, retrying

POLL_FIRST = 0.1
POLL_CAP = 5.0
LOOK_BACK = 300
"""Seconds before an upload started from which a stored copy of it is looked for (clock
skew between this machine and the API)."""


class Progress:
    """Bytes and files uploaded so far, then files indexed, told to a callback (bars on a
    terminal, lines in a log: `reconciler.render.progress`)."""

    def __init__(self, files: int, size: int,
                 show: Callable[[Progress], None] | None = None) -> None:
        self.files_total = files
        self.bytes_total = size
        self.files_done = 0
        self.bytes_done = 0
        self._indexing: dict[str, tuple[int, int]] = {}
        self._show = show
        self._lock = threading.Lock()

    @property
    def index_done(self) -> int:
        """Files attached by this apply whose indexing finished (completed or failed)."""
        return sum(done for done, _ in self._indexing.values())

    @property
    def index_total(self) -> int:
        """Files attached by this apply, in every store (0: no indexing under way yet)."""
        return sum(total for _, total in self._indexing.values())

    def indexed(self, key: str, done: int, total: int) -> None:
        """Of the files one batch attached (`key`), `done` of `total` finished indexing."""
        with self._lock:
            self._indexing[key] = (done, total)
            self._tell()

    def sent(self, count: int) -> None:
        with self._lock:
            self.bytes_done += count
            self._tell()

    def finished(self) -> None:
        with self._lock:
            self.files_done += 1
            self._tell()

    def _tell(self) -> None:
        if self._show is not None:
            self._show(self)


@dataclass
class FileOutcome:
    """What happened to the files of one change."""

    uploaded: dict[str, str] = field(default_factory=dict)
    """Path -> new upload id."""
    errors: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    waiting: bool = False
    """Indexing did not finish within the timeout."""


class FileSync:
    """Performs file changes through the store and upload providers; uploads are named for
    `scope` (the plan's; None: unscoped names)."""

    def __init__(self, stores: VectorStoreProvider, uploads: FileProvider, *,
                 retry: RetryPolicy, parallelism: int, index_timeout: float,
                 progress: Progress | None = None, scope: str | None = None) -> None:
        self.stores = stores
        self.uploads = uploads
        self.retry = retry
        self.parallelism = max(1, parallelism)
        self.index_timeout = index_timeout
        self.progress = progress
        self.scope = scope
        self._slots = threading.BoundedSemaphore(self.parallelism)
        """Uploads in flight across every store at once (the connection pool's share)."""

    def upload_all(self, changes: Sequence[FileChange]) -> FileOutcome:
        """Upload every file that needs it, in parallel; failures are collected."""
        outcome = FileOutcome()
        wanted = [c for c in changes if c.uploads]
        if not wanted:
            return outcome
        with ThreadPoolExecutor(max_workers=min(self.parallelism, len(wanted))) as pool:
            for change, result in zip(wanted, pool.map(self._upload, wanted), strict=True):
                if isinstance(result, str):
                    outcome.uploaded[change.path] = result
                    outcome.uploaded_bytes += change.size
                else:
                    outcome.errors.append(f"{change.path}: upload failed: {result.message}")
        return outcome

    def _upload(self, change: FileChange) -> str | ProviderError:
        assert change.local is not None and change.sha256 is not None
        local = change.local
        name = ownership.upload_name(change.sha256, change.path, self.scope)
        try:
            size = os.stat(local).st_size
        except OSError as exc:
            return ProviderError(f"cannot read {local}: {exc.strerror}")
        if size != change.size:
            return ProviderError(f"{local} changed since the plan ({change.size} -> {size} "
                                 "bytes); make a new plan")
        try:
            with self._slots:
                file_id, sent = retrying(lambda: self._attempt(local, name), self.retry,
                                         Attempts(), before_retry=self._stored(change, name))
        except ProviderError as error:
            return error
        if sent != change.sha256:  # its name would claim content it does not hold
            self.delete_upload(file_id)
            return ProviderError(f"{local} changed since the plan (sha256 {sent[:12]}... "
                                 f"instead of {change.sha256[:12]}...); make a new plan")
        if self.progress is not None:
            self.progress.finished()
        return file_id

    def _stored(self, change: FileChange, name: str
                ) -> Callable[[TransientError], tuple[str, str] | None]:
        """Look-before-retry: after an upload failed in a way that may have stored it, find
        our upload of this content (name and size) made since it started."""
        since = int(time.time()) - LOOK_BACK

        def look(error: TransientError) -> tuple[str, str] | None:
            if error.status == 429:
                return None  # refused before it was processed: nothing was stored
            found = self._call(lambda: self.uploads.find_upload(name, change.size, since))
            if found is None:
                return None
            if self.progress is not None:  # its bytes did arrive after all
                self.progress.sent(change.size)
            return found, str(change.sha256)

        return look

    def _attempt(self, local: str, name: str) -> tuple[str, str]:
        """One upload; the bytes of a failed attempt are taken back from the progress."""
        progress = self.progress
        if progress is None:
            return self.uploads.upload(local, name)
        sent = [0]

        def tell(count: int) -> None:
            sent[0] += count
            progress.sent(count)

        try:
            return self.uploads.upload(local, name, tell)
        except ProviderError:
            progress.sent(-sent[0])
            raise

    def sync_store(self, store_id: str, changes: Sequence[FileChange],
                   chunking: dict[str, Any] | None) -> FileOutcome:
        """Make a store's files what the plan says; return uploads and failures."""
        outcome = self.upload_all(changes)
        try:
            return self._sync_store(store_id, changes, chunking, outcome)
        except Interrupted as stop:  # the next apply finds the store as it was left
            outcome.waiting = True
            outcome.errors.append(f"files not all applied: {stop.message}")
            return outcome

    def _sync_store(self, store_id: str, changes: Sequence[FileChange],
                    chunking: dict[str, Any] | None, outcome: FileOutcome) -> FileOutcome:
        failed_uploads = {c.path for c in changes if c.uploads} - set(outcome.uploaded)
        entries = self._prepare(store_id, changes, outcome, chunking)
        batches = [self._call(partial(self.stores.attach_batch, store_id, part))
                   for part in _parts(entries, BATCH_LIMIT)]
        deadline = time.monotonic() + self.index_timeout
        paths = {**{i: p for p, i in outcome.uploaded.items()},
                 **{c.upload_id: c.path for c in changes if c.upload_id is not None}}
        failed = self._wait(store_id, [b["id"] for b in batches], outcome, deadline, paths)
        if not outcome.errors:
            self._settle(store_id, outcome, deadline)
        for file_id in failed:  # a failed new version is taken out again; the old stays
            self._remove(store_id, file_id, delete=True)
            failed_uploads.add(paths.get(file_id, file_id))
        if outcome.waiting:  # removals wait for the next apply, once indexing is done
            return outcome
        for change in changes:  # an old version goes once its successor is indexed
            if change.action is FileAction.REPLACE and change.path not in failed_uploads:
                self._remove(store_id, str(change.live_file_id), delete=True)
            elif change.action in (FileAction.DELETE, FileAction.DETACH):
                self._remove(store_id, str(change.live_file_id),
                             delete=change.action is FileAction.DELETE)
        return outcome

    def _prepare(self, store_id: str, changes: Sequence[FileChange], outcome: FileOutcome,
                 chunking: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Batch entries for new uploads and re-chunked files; renames set attributes."""
        entries = []
        for change in changes:
            attributes = ownership.file_attributes(change.path, str(change.sha256))
            if change.upload_id is not None:  # an earlier upload of this content
                file_id = change.upload_id
            elif change.uploads and change.path in outcome.uploaded:
                file_id = outcome.uploaded[change.path]
            elif change.action is FileAction.RECHUNK:
                file_id = str(change.live_file_id)
                self._remove(store_id, file_id, delete=False)
            elif change.action is FileAction.RENAME:
                self._call(partial(self.stores.set_attributes, store_id,
                                   str(change.live_file_id), attributes))
                continue
            else:
                continue
            entry: dict[str, Any] = {"file_id": file_id, "attributes": attributes}
            if chunking is not None:
                entry["chunking_strategy"] = chunking
            entries.append(entry)
        return entries

    def _wait(self, store_id: str, batch_ids: list[str], outcome: FileOutcome,
              deadline: float, paths: dict[str, str]) -> set[str]:
        """Wait for the batches to finish indexing; return the ids of files that failed."""
        pending = list(batch_ids)
        failed: set[str] = set()

        def step() -> str | None:
            for batch_id in list(pending):
                batch = self._call(partial(self.stores.batch, store_id, batch_id))
                counts = batch.get("file_counts") or {}
                if self.progress is not None:
                    self.progress.indexed(batch_id, int(counts.get("completed", 0))
                                          + int(counts.get("failed", 0))
                                          + int(counts.get("cancelled", 0)),
                                          int(counts.get("total", 0)))
                if batch["status"] == "in_progress":
                    continue
                pending.remove(batch_id)
                if batch["file_counts"].get("failed") or batch["status"] == "cancelled":
                    failed.update(self._failures(store_id, batch_id, outcome, paths))
            return f"batches {', '.join(pending)}" if pending else None

        self._poll(step, outcome, deadline)
        return failed

    def _failures(self, store_id: str, batch_id: str, outcome: FileOutcome,
                  paths: dict[str, str]) -> list[str]:
        """Report the files of a batch that failed, with the API's error; their ids."""
        found = self._call(partial(self.stores.batch_files, store_id, batch_id, "failed"))
        for entry in found:
            error = entry.get("last_error") or {}
            outcome.errors.append(
                f"{paths.get(entry['id'], entry['id'])}: indexing failed: "
                f"{error.get('code', 'error')}: {error.get('message', 'no detail')}")
        return [str(entry["id"]) for entry in found]

    def _settle(self, store_id: str, outcome: FileOutcome, deadline: float) -> None:
        """Wait until no file of the store is in progress (files attached by an earlier
        apply that timed out, for instance)."""
        def step() -> str | None:
            counts = self._call(partial(self.stores.get, store_id)).get("file_counts") or {}
            count = counts.get("in_progress")
            return f"{count} files in progress" if count else None

        self._poll(step, outcome, deadline)

    def _poll(self, step: Callable[[], str | None], outcome: FileOutcome,
              deadline: float) -> None:
        """Run `step` with backoff until it reports nothing pending (None), or the deadline
        passes: then what it reported is an error."""
        delay = POLL_FIRST
        while (pending := step()) is not None:
            if time.monotonic() + delay > deadline:
                outcome.waiting = True
                outcome.errors.append(
                    f"files still indexing after {self.index_timeout:g} s ({pending}); apply "
                    "again to wait for them, or raise --index-timeout")
                return
            self.retry.pause(delay)
            delay = min(POLL_CAP, delay * 1.5)

    def _remove(self, store_id: str, file_id: str, *, delete: bool) -> None:
        """Detach a file from a store, and delete the upload; gone already is fine."""
        with contextlib.suppress(NotFoundError):
            self._call(lambda: self.stores.detach(store_id, file_id))
        if delete:
            self.delete_upload(file_id)

    def delete_upload(self, file_id: str) -> None:
        with contextlib.suppress(NotFoundError):
            self._call(lambda: self.uploads.delete(file_id))

    def _call(self, operation: Callable[[], Any]) -> Any:
        return retrying(operation, self.retry, Attempts())


def _parts(items: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
