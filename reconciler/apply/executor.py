"""Execute exactly a plan: never recompute the diff.

Order: creates, updates and replacements run in waves by dependency (what others depend on
first), deletes afterwards in reverse; changes of one wave run in parallel (`parallelism`).
A replacement deletes the old object, then creates the new one, so two live objects never
claim one name. Each change is retried on transient errors; a create whose outcome is
unknown (a 5xx or a dropped connection after sending) is first looked for by its ownership
marks, so a write that was stored is never made twice. A failure stops only what depends on
it; everything else is applied and each failure is reported with its cause. Changes are told
apart by `change.key` (the delete of a duplicate shares its address with the copy kept).

Before an update, replacement or delete, the object is read again (one GET; a create sends
none): the plan may be old, and another apply, another scope or a person may have changed it
since. The change is refused (`Refused`: nothing is sent, what depends on it is skipped, the
rest runs) unless the object still carries our marks for the change's name in the plan's
scope (no scope in the marks is ours too; an adoption wants it still unmanaged), and, for a
delete or replacement, no `prevent_destroy` the plan did not itself remove. An upload must
still be named as ours, in the plan's scope or in none. An object already gone counts as
deleted (and a replacement goes on to create); an update of one is refused.

Before each batch of writes (at most `parallelism` changes started together), `guard` is asked
whether writes may still start (the apply lock reads its object: one GET); once it says no,
no further change starts, and each is reported as not started with its reason. What can
land after that is the batch in flight.

Files (`apply.filesync`): a store is created marked "files pending", its files synced, and only
then marked with the digest of its files; an assistant uploads its code_interpreter files
before it is written and deletes the uploads it no longer uses after. Ids the plan shows as
`known after apply` are filled in from the changes this run has made (never from the delete
of a duplicate).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from reconciler import kinds, ownership
from reconciler.apply.filesync import FileOutcome, FileSync
from reconciler.jsontree import copy_tree
from reconciler.model.kindspec import Address, FileUse
from reconciler.plan.model import (
    Action,
    ActionReason,
    FileAction,
    Plan,
    ResourceChange,
    Unknown,
)
from reconciler.provider import (
    LiveObject,
    NotFoundError,
    Provider,
    ProviderError,
    TransientError,
)
from reconciler.provider.retry import Attempts, RetryPolicy, retrying

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
    refused: bool = False
    """The object changed since the plan so that the change may not be made: nothing sent."""
    uploaded_files: int = 0
    uploaded_bytes: int = 0


class FilesFailed(ProviderError):
    """Some files of a change failed; the object itself exists (`live_id`)."""

    def __init__(self, live_id: str, errors: list[str], outcome: FileOutcome,
                 uploads: int = 0) -> None:
        super().__init__(files_summary(errors, outcome, uploads))
        self.live_id = live_id
        self.outcome = outcome


SHOWN_FILE_PROBLEMS = 10
"""File problems an outcome lists one by one; the others are counted."""


def files_summary(errors: Sequence[str], outcome: FileOutcome, uploads: int) -> str:
    """What happened to a change's files, in a few lines however many there are: how many
    were uploaded, not started (an interrupt: the next apply resumes) and failed, and the
    first failures. A store of thousands of files no longer prints a line for each."""
    waiting = [e for e in errors if "not started" in e]
    failed = [e for e in errors if "not started" not in e]
    parts = [f"{len(outcome.uploaded):,} of {uploads:,} files uploaded"] if uploads else []
    if waiting:
        parts.append(f"{len(waiting):,} not started ({waiting[0].rsplit('not started: ', 1)[-1]})")
    if failed:
        parts.append(f"{len(failed):,} file problem{'s' if len(failed) != 1 else ''}")
    head = ", ".join(parts) + ("; run apply again to resume" if waiting else "")
    shown = [f"\n      {problem}" for problem in failed[:SHOWN_FILE_PROBLEMS]]
    more = len(failed) - SHOWN_FILE_PROBLEMS
    return head + ":" * bool(shown) + "".join(shown) + (
        f"\n      … and {more:,} more" if more > 0 else "")


class Refused(ProviderError):
    """The object a change concerns is no longer as the plan saw it, in a way that forbids
    the change (see the module docstring); nothing was sent."""

    def __init__(self, why: str) -> None:
        super().__init__(f"refused: {why}; nothing was sent",
                         hint="make a new plan to see the object as it is now")


Listener = Callable[[Outcome], None]
Guard = Callable[[], "str | None"]
"""Asked before each batch of writes: why no write may start any more (None: go on)."""


class Executor:
    """Applies the changes of a plan through providers."""

    def __init__(self, providers: Mapping[str, Provider], *, parallelism: int = 4,
                 retry: RetryPolicy | None = None, listener: Listener | None = None,
                 files: FileSync | None = None, guard: Guard | None = None) -> None:
        self.providers = providers
        self.guard = guard
        self._halted: str | None = None
        """Why no change starts any more (the guard said so)."""
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
        apply = partial(self._apply, scope=plan.scope)
        with ThreadPoolExecutor(max_workers=self.parallelism) as pool:
            for wave in _waves(writes):
                self._wave(pool, apply, wave, outcomes)
            for wave in reversed(_waves(deletes)):
                self._wave(pool, apply, wave, outcomes)
        return [outcomes[c.key] for c in plan.changes]

    def _wave(self, pool: ThreadPoolExecutor, apply: Callable[[ResourceChange], Outcome],
              wave: list[ResourceChange], outcomes: dict[str, Outcome]) -> None:
        """Apply one wave; a change whose dependency has no live object is skipped (outcomes
        are by key, so an address names the copy kept, never a duplicate)."""
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
        for start in range(0, len(runnable), self.parallelism):
            batch = runnable[start:start + self.parallelism]
            if self._halted is None and self.guard is not None:
                self._halted = self.guard()
            if self._halted is not None:
                for change in batch:
                    self._done(outcomes, Outcome(change, False, change.live_id, 0.0, 0,
                                                 f"not started: {self._halted}", skipped=True))
                continue
            for outcome in pool.map(apply, batch):
                self._done(outcomes, outcome)

    def _done(self, outcomes: dict[str, Outcome], outcome: Outcome) -> None:
        change = outcome.change
        outcomes[change.key] = outcome
        if outcome.live_id is not None and change.duplicate_of is None:
            self._ids[change.address] = outcome.live_id
        if self.listener is not None:
            self.listener(outcome)

    def _apply(self, change: ResourceChange, *, scope: str | None) -> Outcome:
        provider = self.providers[change.kind]
        attempts = Attempts()
        started = time.monotonic()
        recovered: list[bool] = []
        sent = FileOutcome()
        try:
            live_id = self._perform(provider, change, scope, attempts, recovered, sent)
        except Refused as error:
            return Outcome(change, False, None, time.monotonic() - started, attempts.count,
                           _describe(error), refused=True)
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

    def _perform(self, provider: Provider, change: ResourceChange, scope: str | None,
                 attempts: Attempts, recovered: list[bool], sent: FileOutcome) -> str | None:
        exists = change.action is Action.CREATE or self._recheck(provider, change, scope)
        if change.action in (Action.DELETE, Action.REPLACE):
            assert change.live_id is not None
            if exists:
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

    def _recheck(self, provider: Provider, change: ResourceChange, scope: str | None) -> bool:
        """Read the object again; raise `Refused` when the change may no longer be made to
        it. Return whether it still exists (gone: a delete is done)."""
        assert change.live_id is not None
        try:
            live = provider.retrieve(change.live_id)
        except NotFoundError:
            if change.action is Action.UPDATE:
                raise Refused(f"{change.live_id} no longer exists (deleted since the plan "
                              "was made)") from None
            return False
        why = refusal(change, live, scope)
        if why is not None:
            raise Refused(why)
        return True

    def _with_uploads(self, change: ResourceChange, body: dict[str, Any],
                      sent: FileOutcome) -> dict[str, Any]:
        """Upload an assistant's new files; return the body with their ids. If any fails,
        the others are deleted again and nothing is written."""
        uploaded = self._sync().upload_all(change.files)
        sent.uploaded, sent.uploaded_bytes = uploaded.uploaded, uploaded.uploaded_bytes
        if uploaded.errors:
            for file_id in uploaded.uploaded.values():
                self._sync().delete_upload(file_id)
            raise ProviderError(files_summary(uploaded.errors, uploaded,
                                              sum(1 for f in change.files if f.uploads)))
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
            raise FilesFailed(live_id, outcome.errors, outcome,
                              sum(1 for f in change.files if f.uploads))
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


def refusal(change: ResourceChange, live: LiveObject, scope: str | None) -> str | None:
    """Why `change` may not be made to `live`, the object as it is now, in a plan of `scope`
    (None: it may). Pure."""
    if kinds.get(change.kind).files is FileUse.UPLOAD:
        return _upload_refusal(live, scope)
    metadata = live.raw.get("metadata")
    name = ownership.owner(metadata)
    if change.action_reason is ActionReason.ADOPT:
        return None if name is None else (
            f"{live.id} was unmanaged when the plan was made, and is now managed as "
            f"{change.kind}/{name}")
    expected = Address.parse(change.moved_from).name if change.moved_from else change.name
    if name != expected:
        now = f"as {change.kind}/{name}" if name is not None else "by nothing (no marks)"
        was = change.moved_from or change.address
        return f"{live.id} is no longer marked as {was}, but {now}"
    marked = ownership.owner_scope(metadata)
    if not ownership.ours(marked, scope):
        return f"{live.id} is now marked for scope '{marked}', not {_scope(scope)}"
    guarded = ownership.split_digest((metadata or {}).get(ownership.DIGEST_KEY))[1]
    if change.action is not Action.UPDATE and guarded and not _unguards(change):
        return f"{live.id} is now marked lifecycle.prevent_destroy, which forbids a {change.action}"
    return None


def _upload_refusal(live: LiveObject, scope: str | None) -> str | None:
    filename = live.raw.get("filename")
    if ownership.uploaded_sha(filename) is None:
        return f"{live.id} is not named as an upload of ours ({filename})"
    made_in = ownership.uploaded_scope(filename)
    if not ownership.ours(made_in, scope):
        return f"{live.id} is an upload of scope '{made_in}', not {_scope(scope)} ({filename})"
    return None


def _scope(scope: str | None) -> str:
    return f"'{scope}'" if scope is not None else "this plan's (none)"


def _unguards(change: ResourceChange) -> bool:
    """Whether the plan itself removes a `prevent_destroy` it saw (a replacement the
    manifest allows by dropping it)."""
    return any(f.path == "lifecycle.prevent_destroy" and f.before is True and f.after is False
               for f in change.fields)


def _waves(changes: list[ResourceChange]) -> list[list[ResourceChange]]:
    """Group changes so that each depends only on changes of earlier waves (on every change
    of an address it depends on: a duplicate's delete shares one)."""
    pending = list(changes)
    waves: list[list[ResourceChange]] = []
    while pending:
        waiting = {c.address for c in pending}
        ready = [c for c in pending if waiting.isdisjoint(c.depends_on)]
        if not ready:  # a cycle cannot be planned; run the rest together rather than hang
            ready = pending
        waves.append(ready)
        placed = {c.key for c in ready}
        pending = [c for c in pending if c.key not in placed]
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
