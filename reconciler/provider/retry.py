"""Retries with exponential backoff and full jitter, honouring Retry-After, bounded in time.

A policy may carry a `stop` event (set by the first Ctrl-C): from then on no request starts,
neither a first attempt nor a retry, and a wait between attempts ends at once; what is in
flight finishes. `Interrupted` says what was not started."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from reconciler.provider import ProviderError, TransientError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry transient failures."""

    base: float = 0.5
    """First backoff ceiling, seconds; doubles each attempt."""
    cap: float = 20.0
    """Largest single wait, seconds."""
    total: float = 120.0
    """No retry starts after this many seconds since the first attempt."""
    jitter: random.Random = field(default_factory=random.Random, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    stop: threading.Event | None = field(default=None, compare=False)
    """Once set, nothing more is sent (see `Interrupted`)."""

    @property
    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def pause(self, seconds: float) -> None:
        """Wait before a retry; a stop ends the wait."""
        if self.stop is None:
            self.sleep(seconds)
        else:
            self.stop.wait(seconds)

    def wait(self, attempt: int, error: TransientError) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        backoff = self.jitter.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))
        return max(backoff, error.retry_after or 0.0)


class Interrupted(ProviderError):
    """Not sent: the run was interrupted (Ctrl-C) before this request started."""

    def __init__(self) -> None:
        super().__init__("not started: interrupted (Ctrl-C)")


@dataclass
class Attempts:
    """How many calls an operation took."""

    count: int = 0


def retrying(operation: Callable[[], T], policy: RetryPolicy, attempts: Attempts, *,
             before_retry: Callable[[TransientError], T | None] | None = None) -> T:
    """Run `operation`, retrying transient errors until the policy's time runs out.

    `before_retry` runs after each transient failure; when it returns a value (the write turned
    out to have happened), that value is the result and nothing is retried.
    """
    started = policy.clock()
    while True:
        if policy.stopped:
            raise Interrupted()
        attempts.count += 1
        try:
            return operation()
        except TransientError as error:
            if before_retry is not None:
                found = before_retry(error)
                if found is not None:
                    return found
            delay = policy.wait(attempts.count, error)
            if policy.clock() + delay - started > policy.total or policy.stopped:
                raise
            policy.pause(delay)
