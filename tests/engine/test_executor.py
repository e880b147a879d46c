"""The executor with an in-memory provider: order, dependencies, failures, retry bounds."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from reconciler.apply.executor import Executor
from reconciler.apply.retry import Attempts, RetryPolicy, retrying
from reconciler.plan.model import Action, Plan, ResourceChange
from reconciler.provider import LiveObject, RejectedError, TransientError


class FakeProvider:
    """Objects in a dict; records every call; fails as told."""

    kind = "Assistant"

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail: dict[str, list[Exception]] = {}
        self.lock = threading.Lock()

    def _maybe_fail(self, name: str) -> None:
        queue = self.fail.get(name)
        if queue:
            raise queue.pop(0)

    def read_all(self) -> list[LiveObject]:
        return []

    def find_recent(self, since: int) -> list[LiveObject]:
        return [LiveObject(kind="Assistant", id=i, created_at=since, raw={"id": i, **o})
                for i, o in self.objects.items()]

    def create(self, body: dict[str, Any]) -> LiveObject:
        name = body["metadata"]["reconciler-name"]
        with self.lock:
            self.calls.append(("create", name))
        self._maybe_fail(name)
        self.objects[f"id-{name}"] = body
        return LiveObject(kind="Assistant", id=f"id-{name}", created_at=0, raw=body)

    def update(self, object_id: str, body: dict[str, Any]) -> LiveObject:
        with self.lock:
            self.calls.append(("update", object_id))
        self._maybe_fail(object_id)
        return LiveObject(kind="Assistant", id=object_id, created_at=0, raw=body)

    def delete(self, object_id: str) -> None:
        with self.lock:
            self.calls.append(("delete", object_id))
        self._maybe_fail(object_id)
        self.objects.pop(object_id, None)


def _create(name: str, *depends: str) -> ResourceChange:
    body = {"model": "m", "metadata": {"managed-by": "assistants-reconciler",
                                       "reconciler-name": name}}
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.CREATE, after={"model": "m"}, body=body,
                          depends_on=tuple(f"Assistant/{d}" for d in depends))


def _delete(name: str, *depends: str) -> ResourceChange:
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.DELETE, live_id=f"id-{name}", before={"model": "m"},
                          depends_on=tuple(f"Assistant/{d}" for d in depends))


NO_WAIT = RetryPolicy(base=0.0, cap=0.0, total=1.0, sleep=lambda _: None)


def test_dependencies_first_and_deletes_in_reverse_last() -> None:
    provider = FakeProvider()
    plan = Plan(endpoint="x", changes=(
        _delete("old-user", "old-base"), _create("user", "base"), _delete("old-base"),
        _create("base")))
    Executor({"Assistant": provider}, parallelism=1, retry=NO_WAIT).run(plan)
    assert provider.calls == [("create", "base"), ("create", "user"),
                              ("delete", "id-old-user"), ("delete", "id-old-base")]


def test_a_failure_skips_only_its_dependents() -> None:
    provider = FakeProvider()
    provider.fail["base"] = [RejectedError("400: bad model")]
    plan = Plan(endpoint="x", changes=(_create("base"), _create("user", "base"),
                                       _create("other")))
    outcomes = {o.change.name: o for o in Executor({"Assistant": provider}, retry=NO_WAIT)
                .run(plan)}
    assert not outcomes["base"].ok and outcomes["base"].error == "400: bad model"
    assert outcomes["user"].skipped and "Assistant/base failed" in str(outcomes["user"].error)
    assert outcomes["other"].ok
    assert ("create", "user") not in provider.calls


def test_transient_failures_are_retried_and_429_is_not_looked_up() -> None:
    provider = FakeProvider()
    provider.fail["a"] = [TransientError("429", status=429), TransientError("503", status=503)]
    (outcome,) = Executor({"Assistant": provider}, retry=NO_WAIT).run(
        Plan(endpoint="x", changes=(_create("a"),)))
    assert outcome.ok and outcome.attempts == 3 and not outcome.recovered


def test_a_stored_create_is_found_not_sent_again() -> None:
    provider = FakeProvider()

    def stored_then_lost(body: dict[str, Any]) -> LiveObject:
        provider.objects["id-a"] = body
        raise TransientError("connection dropped")

    provider.create = stored_then_lost  # type: ignore[method-assign]
    (outcome,) = Executor({"Assistant": provider}, retry=NO_WAIT).run(
        Plan(endpoint="x", changes=(_create("a"),)))
    assert outcome.ok and outcome.recovered and outcome.live_id == "id-a"
    assert outcome.attempts == 1


def test_delete_of_an_object_already_gone_succeeds() -> None:
    from reconciler.provider import NotFoundError

    provider = FakeProvider()
    provider.fail["id-a"] = [NotFoundError("404")]
    (outcome,) = Executor({"Assistant": provider}, retry=NO_WAIT).run(
        Plan(endpoint="x", changes=(_delete("a"),)))
    assert outcome.ok


def test_retry_waits_honour_retry_after_and_stop_at_the_total() -> None:
    waits: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    policy = RetryPolicy(base=0.5, cap=4.0, total=10.0, jitter=random.Random(1), sleep=sleep,
                         clock=lambda: clock[0])

    def always_limited() -> None:
        raise TransientError("429", status=429, retry_after=3.0)

    with pytest.raises(TransientError):
        retrying(always_limited, policy, Attempts())
    assert waits and all(w >= 3.0 for w in waits), "Retry-After is a floor"
    assert sum(waits) <= 10.0, "no retry starts past the total"
    backoff = [policy.wait(n, TransientError("x")) for n in range(1, 12)]
    assert all(0 <= b <= min(4.0, 0.5 * 2 ** (n - 1)) for n, b in enumerate(backoff, 1))
