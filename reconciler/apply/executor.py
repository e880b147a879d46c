"""Execute exactly a plan: never recompute the diff.

Order: creates, updates and replacements run in waves by dependency (what others depend on
first), deletes afterwards in reverse; changes of one wave run in parallel (`parallelism`).
A replacement deletes the old object, then creates the new one, so two live objects never
claim one name. Each change is retried on transient errors; a create whose outcome is
unknown (a 5xx or a dropped connection after sending) is first looked for by its ownership
marks, so a write that was stored is never made twice. A failure stops only what depends on
it; everything else is applied and each failure is reported with its cause.

Files (`repofiles.sync`): a store is created marked "files pending", its files synced, and only
then marked with the digest of its files; an assistant uploads its code_interpreter files
before it is written and deletes the uploads it no longer uses after. Ids the plan shows as
`known after apply` are filled in from the changes this run has made.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reconciler import kinds, ownership
from reconciler.apply.retry import Attempts, RetryPolicy, retrying
from reconciler.jsontree import copy_tree
from reconciler.kinds.spec import FileUse
from reconciler.plan.model import Action, FileAction, Plan, ResourceChange, Unknown
from reconciler.provider import (
    LiveObject,
    NotFoundError,
    Provider,
    ProviderError,
    TransientError,
)
from reconciler.repofiles.sync import FileOutcome, FileSync

CLOCK_SKEW = 300
"""Seconds of margin when looking for a create that may have been stored."""


@dataclass(frozen=True)
class Outcome:
    """The result of one change."""

    change: ResourceChange
    ok: bool
    live_id: str | None
    seconds: float
    attempts: int
    error: str | None = None
    recovered: bool = False
    """A create failed in transit but was found stored: it was not sent again."""
    skipped: bool = False
    uploaded_files: int = 0
    uploaded_bytes: int = 0


class FilesFailed(ProviderError):
    """Some files of a change failed; the object itself exists (`live_id`)."""

    def __init__(self, live_id: str, errors: list[str], outcome: FileOutcome) -> None:
        super().__init__(f"{len(errors)} file problem(s):\n      " + "\n      ".join(errors))
        self.live_id = live_id
        self.outcome = outcome


Listener = Callable[[Outcome], None]


class Executor:
    """Applies the changes of a plan through providers."""

    def __init__(self, providers: Mapping[str, Provider], *, parallelism: int = 4,
                 retry: RetryPolicy | None = None, listener: Listener | None = None,
                 files: FileSync | None = None) -> None:
        self.providers = providers
        self.parallelism = max(1, parallelism)
        self.retry = retry or RetryPolicy()
        self.listener = listener
        self.files = files
        self._ids: dict[str, str] = {}
        """Live ids of what this run created, by address (for `known after apply`)."""

    def run(self, plan: Plan) -> list[Outcome]:
        """Apply every change; return one outcome per change, in the plan's order."""
        outcomes: dict[str, Outcome] = {}
        writes = [c for c in plan.changes if c.action is not Action.DELETE]
        deletes = [c for c in plan.changes if c.action is Action.DELETE]
        with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
            for wave in _waves(writes):
                self._wave(pool, wave, outcomes)
            for wave in reversed(_waves(deletes)):
                self._wave(pool, wave, outcomes)
        return [outcomes[c.address] for c in plan.changes]

    def _wave(self, pool: ThreadPoolExecutor, wave: list[ResourceChange],
              outcomes: dict[str, Outcome]) -> None:
        runnable = []
        for change in wave:
            failed = [d for d in change.depends_on if d in outcomes
                      and outcomes[d].live_id is None]
            if failed:
                self._done(outcomes, Outcome(change, False, change.live_id, 0.0, 0,
                                             f"skipped: {', '.join(failed)} failed",
                                             skipped=True))
            else:
                runnable.append(change)
        for outcome in pool.map(self._apply, runnable):
            self._done(outcomes, outcome)

    def _done(self, outcomes: dict[str, Outcome], outcome: Outcome) -> None:
        outcomes[outcome.change.address] = outcome
        if outcome.live_id is not None:
            self._ids[outcome.change.address] = outcome.live_id
        if self.listener is not None:
            self.listener(outcome)

    def _apply(self, change: ResourceChange) -> Outcome:
        provider = self.providers[change.kind]
        attempts = Attempts()
        started = time.monotonic()
        recovered: list[bool] = []
        sent = FileOutcome()
        try:
            live_id = self._perform(provider, change, attempts, recovered, sent)
        except FilesFailed as error:
            return Outcome(change, False, error.live_id, time.monotonic() - started,
                           attempts.count, _describe(error),
                           uploaded_files=len(error.outcome.uploaded),
                           uploaded_bytes=error.outcome.uploaded_bytes)
        except ProviderError as error:
            return Outcome(change, False, change.live_id, time.monotonic() - started,
                           attempts.count, _describe(error))
        return Outcome(change, True, live_id, time.monotonic() - started, attempts.count,
                       recovered=bool(recovered), uploaded_files=len(sent.uploaded),
                       uploaded_bytes=sent.uploaded_bytes)

    def _perform(self, provider: Provider, change: ResourceChange, attempts: Attempts,
                 recovered: list[bool], sent: FileOutcome) -> str | None:
        if change.action in (Action.DELETE, Action.REPLACE):
            assert change.live_id is not None
            self._delete(provider, change.live_id, attempts)
            if change.action is Action.DELETE:
                self._delete_uploads(change)
                return None
        assert change.body is not None
        body = _filled(change.body, change.unknowns, self._ids, {})
        if kinds.get(change.kind).files is FileUse.STORE:
            return self._store(provider, change, body, attempts, recovered, sent)
        if change.files:
            body = self._with_uploads(change, body, sent)
        if change.action is Action.UPDATE:
            assert change.live_id is not None
            live_id = change.live_id
            result = retrying(lambda: provider.update(live_id, body), self.retry, attempts).id
        else:
            result = self._create(provider, change.name, body, attempts, recovered).id
        self._delete_uploads(change)
        return result

    def _with_uploads(self, change: ResourceChange, body: dict[str, Any],
                      sent: FileOutcome) -> dict[str, Any]:
        """Upload an assistant's new files; return the body with their ids. If any fails,
        the others are deleted again and nothing is written."""
        uploaded = self._sync().upload_all(change.files)
        sent.uploaded, sent.uploaded_bytes = uploaded.uploaded, uploaded.uploaded_bytes
        if uploaded.errors:
            for file_id in uploaded.uploaded.values():
                self._sync().delete_upload(file_id)
            raise ProviderError("; ".join(uploaded.errors))
        return _filled(body, change.unknowns, self._ids, uploaded.uploaded)

    def _store(self, provider: Provider, change: ResourceChange, body: dict[str, Any],
               attempts: Attempts, recovered: list[bool], sent: FileOutcome) -> str:
        """Create the store (marked: files not applied yet), sync its files, and only then
        record the final digest (and any other field) with one update."""
        if change.action is Action.UPDATE:
            assert change.live_id is not None
            live_id = change.live_id
        else:
            metadata = dict(body["metadata"])
            metadata[ownership.DIGEST_KEY] = ownership.files_pending(
                metadata[ownership.DIGEST_KEY])
            live_id = self._create(provider, change.name, {**body, "metadata": metadata},
                                   attempts, recovered).id
        outcome = self._sync().sync_store(live_id, change.files, change.chunking_strategy)
        sent.uploaded, sent.uploaded_bytes = outcome.uploaded, outcome.uploaded_bytes
        if outcome.errors:
            raise FilesFailed(live_id, outcome.errors, outcome)
        final = body if change.action is Action.UPDATE else {"metadata": body["metadata"]}
        retrying(lambda: provider.update(live_id, final), self.retry, Attempts())
        return live_id

    def _delete_uploads(self, change: ResourceChange) -> None:
        for file in change.files:
            if file.action is FileAction.DELETE and file.live_file_id is not None:
                self._sync().delete_upload(file.live_file_id)

    def _sync(self) -> FileSync:
        if self.files is None:
            raise ProviderError("this plan changes files, but no file provider was given")
        return self.files

    def _create(self, provider: Provider, name: str, body: dict[str, object],
                attempts: Attempts, recovered: list[bool]) -> LiveObject:
        since = int(time.time()) - CLOCK_SKEW

        def look(error: TransientError) -> LiveObject | None:
            if error.status == 429:
                return None  # refused before it was processed: nothing was stored
            found = [o for o in retrying(lambda: provider.find_recent(since), self.retry,
                                         Attempts())
                     if ownership.owner(o.raw.get("metadata")) == name]
            if found:
                recovered.append(True)
                return found[0]
            return None

        return retrying(lambda: provider.create(body), self.retry, attempts, before_retry=look)

    def _delete(self, provider: Provider, live_id: str, attempts: Attempts) -> None:
        # already gone (perhaps by an attempt whose answer was lost) is the goal reached
        with contextlib.suppress(NotFoundError):
            retrying(lambda: provider.delete(live_id), self.retry, attempts)


def _waves(changes: list[ResourceChange]) -> list[list[ResourceChange]]:
    """Group changes so that each depends only on changes of earlier waves."""
    pending = {c.address: c for c in changes}
    waves: list[list[ResourceChange]] = []
    placed: set[str] = set()
    while pending:
        ready = [c for c in pending.values()
                 if all(d in placed or d not in pending for d in c.depends_on)]
        if not ready:  # a cycle cannot be planned; run the rest together rather than hang
            ready = list(pending.values())
        waves.append(ready)
        for change in ready:
            placed.add(change.address)
            del pending[change.address]
    return waves


def _filled(body: dict[str, Any], unknowns: Sequence[Unknown], ids: Mapping[str, str],
            uploads: Mapping[str, str]) -> dict[str, Any]:
    """The body with every unknown value that is known now (the id of a change this run
    made, by address; of an upload, by path) put at its position."""
    known = [(u.at, ids.get(str(u.address)) if u.upload is None else uploads.get(u.upload))
             for u in unknowns]
    known = [(at, value) for at, value in known if value is not None]
    if not known:
        return body
    result: dict[str, Any] = copy_tree(body)
    for at, value in known:
        holder: Any = result
        for key in at[:-1]:
            holder = holder[key]
        holder[at[-1]] = value
    return result


def _describe(error: ProviderError) -> str:
    text = error.message
    return f"{text} (hint: {error.hint})" if error.hint else text
