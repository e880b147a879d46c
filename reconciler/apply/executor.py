"""Execute exactly a plan: never recompute the diff.

Order: creates, updates and replacements run in waves by dependency (what others depend on
first), deletes afterwards in reverse; changes of one wave run in parallel (`parallelism`).
A replacement deletes the old object, then creates the new one, so two live objects never
claim one name. Each change is retried on transient errors; a create whose outcome is
unknown (a 5xx or a dropped connection after sending) is first looked for by its ownership
marks, so a write that was stored is never made twice. A failure stops only what depends on
it; everything else is applied and each failure is reported with its cause.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reconciler import ownership
from reconciler.apply.retry import Attempts, RetryPolicy, retrying
from reconciler.plan.model import Action, Plan, ResourceChange
from reconciler.provider import (
    LiveObject,
    NotFoundError,
    Provider,
    ProviderError,
    TransientError,
)

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


Listener = Callable[[Outcome], None]


class Executor:
    """Applies the changes of a plan through providers."""

    def __init__(self, providers: Mapping[str, Provider], *, parallelism: int = 4,
                 retry: RetryPolicy | None = None, listener: Listener | None = None) -> None:
        self.providers = providers
        self.parallelism = max(1, parallelism)
        self.retry = retry or RetryPolicy()
        self.listener = listener

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
            failed = [d for d in change.depends_on if d in outcomes and not outcomes[d].ok]
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
        if self.listener is not None:
            self.listener(outcome)

    def _apply(self, change: ResourceChange) -> Outcome:
        provider = self.providers[change.kind]
        attempts = Attempts()
        started = time.monotonic()
        recovered: list[bool] = []
        try:
            live_id = self._perform(provider, change, attempts, recovered)
        except ProviderError as error:
            return Outcome(change, False, change.live_id, time.monotonic() - started,
                           attempts.count, _describe(error))
        return Outcome(change, True, live_id, time.monotonic() - started, attempts.count,
                       recovered=bool(recovered))

    def _perform(self, provider: Provider, change: ResourceChange, attempts: Attempts,
                 recovered: list[bool]) -> str | None:
        if change.action in (Action.DELETE, Action.REPLACE):
            assert change.live_id is not None
            self._delete(provider, change.live_id, attempts)
            if change.action is Action.DELETE:
                return None
        assert change.body is not None
        body = change.body
        if change.action is Action.UPDATE:
            assert change.live_id is not None
            live_id = change.live_id
            return retrying(lambda: provider.update(live_id, body), self.retry, attempts).id
        return self._create(provider, change.name, body, attempts, recovered).id

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


def _describe(error: ProviderError) -> str:
    text = error.message
    return f"{text} (hint: {error.hint})" if error.hint else text
