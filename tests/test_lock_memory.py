"""The apply lock's algorithm over an in-memory lock store and fake clocks, without any
I/O: holding, contention, expiry judged by the API's clock whatever the machine's says, and
a holder that learns its lock is gone before its next batch of writes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler import lock as apply_lock
from reconciler.lock import ApplyLock, LockHeldError, ServerTime
from reconciler.provider import NotFoundError


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


IDS = itertools.count(1)
"""Object ids, unique across the stores that share one dict (as one API's are)."""


class MemoryLocks:
    """A lock store in a dict, on the API's clock `api`; every answer tells the caller's
    `ServerTime` the API's time (as a `Date` header would, here to the exact second)."""

    def __init__(self, api: Clock, machine: Clock, objects: dict[str, dict[str, Any]]
                 | None = None) -> None:
        self.api = api
        self.server = ServerTime(machine)
        self.objects = objects if objects is not None else {}

    def _answer(self) -> None:
        self.server.offset = self.api() - self.server.clock()

    def pages(self, order: str) -> Iterator[list[dict[str, Any]]]:
        self._answer()
        ordered = sorted(self.objects.values(), key=lambda o: (o["created_at"], o["id"]),
                         reverse=order == "desc")
        yield [dict(o) for o in ordered]

    def create(self, metadata: dict[str, str]) -> dict[str, Any]:
        self._answer()
        made = {"id": f"vs_{next(IDS):04d}", "created_at": int(self.api()),
                "metadata": dict(metadata)}
        self.objects[made["id"]] = made
        return dict(made)

    def retrieve(self, object_id: str) -> dict[str, Any]:
        self._answer()
        if object_id not in self.objects:
            raise NotFoundError("404: no such vector store")
        return dict(self.objects[object_id])

    def update(self, object_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        found = self.retrieve(object_id)
        self.objects[object_id]["metadata"] = dict(metadata)
        return {**found, "metadata": dict(metadata)}

    def delete(self, object_id: str) -> None:
        self._answer()
        if self.objects.pop(object_id, None) is None:
            raise NotFoundError("404: no such vector store")


def _lock(store: MemoryLocks, machine: Clock, **options: Any) -> ApplyLock:
    return ApplyLock(store, "team-a", ttl=120.0, poll=0.01, clock=machine,
                     sleep=lambda seconds: None, **options)


def test_a_holder_is_alone_and_a_second_contender_is_refused() -> None:
    api = Clock(1_800_000_000.0)
    shared: dict[str, dict[str, Any]] = {}
    first = _lock(MemoryLocks(api, Clock(api.now), shared), Clock(api.now))
    held = first.acquire()
    assert first.verify() is None
    second_clock = Clock(api.now)
    with pytest.raises(LockHeldError):
        _lock(MemoryLocks(api, second_clock, shared), second_clock).acquire()
    assert list(shared) == [held.id], "the contender withdrew its object"
    first.release()
    assert shared == {}


@pytest.mark.parametrize("skew", [200.0, -200.0, 3600.0])
def test_expiry_is_judged_by_the_api_s_clock_not_the_machine_s(skew: float) -> None:
    """A contender whose clock is off by minutes neither takes a renewed lock as expired
    nor the holder's expiry as later than it is."""
    api = Clock(1_800_000_000.0)
    shared: dict[str, dict[str, Any]] = {}
    holder = _lock(MemoryLocks(api, Clock(api.now), shared), Clock(api.now))
    held = holder.acquire()
    assert held.renewed == int(api.now) and held.expires == int(api.now) + 120
    off = Clock(api.now + skew)
    with pytest.raises(LockHeldError):
        _lock(MemoryLocks(api, off, shared), off).acquire()
    assert held.id in shared
    api.now += 121  # not renewed for its ttl, by the API's clock: expired for everyone
    off.now += 121
    taker = _lock(MemoryLocks(api, off, shared), off)
    taken = taker.acquire()
    assert held.id not in shared and taken.id in shared
    holder.release()
    taker.release()


def test_the_holder_learns_its_lock_is_gone_before_its_next_batch() -> None:
    api = Clock(1_800_000_000.0)
    shared: dict[str, dict[str, Any]] = {}
    told: list[bool] = []
    holder = _lock(MemoryLocks(api, Clock(api.now), shared), Clock(api.now),
                   on_lost=lambda: told.append(True))
    held = holder.acquire()
    with pytest.raises(apply_lock.ReconcilerError, match="its holder is alive"):
        apply_lock.force_unlock(MemoryLocks(api, Clock(api.now), shared), held.id)
    apply_lock.force_unlock(MemoryLocks(api, Clock(api.now), shared), held.id, force=True)
    why = holder.verify()
    assert why is not None and "was deleted" in why and told == [True] and holder.lost
    taker = _lock(MemoryLocks(api, Clock(api.now), shared), Clock(api.now))
    taken = taker.acquire()
    assert holder.verify() is not None and taken.id in shared
    holder.release()
    taker.release()


def test_a_lock_renewed_long_ago_may_be_force_unlocked_without_force() -> None:
    api = Clock(1_800_000_000.0)
    shared: dict[str, dict[str, Any]] = {}
    holder = _lock(MemoryLocks(api, Clock(api.now), shared), Clock(api.now))
    held = holder.acquire()
    assert holder._renewer is not None
    holder._renewer.stop.set()  # its renewer stops, as a killed holder's would
    api.now += 90  # more than two thirds of the ttl since the last renewal: not alive
    assert apply_lock.force_unlock(MemoryLocks(api, Clock(api.now), shared), held.id).id \
        == held.id
