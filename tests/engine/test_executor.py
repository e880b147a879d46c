"""The executor with an in-memory provider: order, dependencies, failures, retry bounds,
changes told apart by key (a duplicate's delete shares its address), and the re-check of an
object before it is changed (`refusal`, pure)."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from reconciler import ownership
from reconciler.apply.executor import Executor, refusal
from reconciler.plan.model import (
    Action,
    ActionReason,
    FieldChange,
    Plan,
    ResourceChange,
    because,
)
from reconciler.provider import LiveObject, NotFoundError, RejectedError, TransientError
from reconciler.provider.retry import Attempts, RetryPolicy, retrying


class FakeProvider:
    """Objects in a dict; records every write (`calls`) and read (`reads`); fails as told."""

    kind = "Assistant"

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.reads: list[str] = []
        self.fail: dict[str, list[Exception]] = {}
        self.lock = threading.Lock()

    def holds(self, *names: str) -> None:
        """Live objects `id-NAME` marked for each name."""
        for name in names:
            self.objects[f"id-{name}"] = {"model": "m", "metadata": _marks(name)}

    def _maybe_fail(self, name: str) -> None:
        queue = self.fail.get(name)
        if queue:
            raise queue.pop(0)

    def read_all(self) -> list[LiveObject]:
        return []

    def retrieve(self, object_id: str) -> LiveObject:
        with self.lock:
            self.reads.append(object_id)
        if object_id not in self.objects:
            raise NotFoundError("404: no such object")
        return LiveObject(kind="Assistant", id=object_id, created_at=0,
                          raw={"id": object_id, **self.objects[object_id]})

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


def _marks(name: str, *, guarded: bool = False) -> dict[str, str]:
    return ownership.marks(name, ownership.digest_value("0" * 16, prevent_destroy=guarded))


def _create(name: str, *depends: str) -> ResourceChange:
    body = {"model": "m", "metadata": _marks(name)}
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.CREATE, after={"model": "m"}, body=body,
                          depends_on=tuple(f"Assistant/{d}" for d in depends))


def _delete(name: str, *depends: str) -> ResourceChange:
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.DELETE, live_id=f"id-{name}", before={"model": "m"},
                          depends_on=tuple(f"Assistant/{d}" for d in depends))


def _update(name: str, *, live_id: str | None = None, **reason: Any) -> ResourceChange:
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.UPDATE, live_id=live_id or f"id-{name}",
                          before={"model": "m"}, after={"model": "n"},
                          fields=(FieldChange(path="model", before="m", after="n"),),
                          body={"model": "n", "metadata": _marks(name)}, **reason)


def _duplicate(name: str, live_id: str) -> ResourceChange:
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.DELETE, live_id=live_id, before={"model": "m"},
                          **because(ActionReason.DELETE_BECAUSE_DUPLICATE,
                                    duplicate_of=f"id-{name}"))


NO_WAIT = RetryPolicy(base=0.0, cap=0.0, total=1.0, sleep=lambda _: None)


def test_dependencies_first_and_deletes_in_reverse_last() -> None:
    provider = FakeProvider()
    provider.holds("old-user", "old-base")
    plan = Plan(endpoint="x", changes=(
        _delete("old-user", "old-base"), _create("user", "base"), _delete("old-base"),
        _create("base")))
    Executor({"Assistant": provider}, parallelism=1, retry=NO_WAIT).run(plan)
    assert provider.calls == [("create", "base"), ("create", "user"),
                              ("delete", "id-old-user"), ("delete", "id-old-base")]
    assert provider.reads == ["id-old-user", "id-old-base"], "one GET per delete, none to create"


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
    provider = FakeProvider()
    provider.holds("a")
    provider.fail["id-a"] = [NotFoundError("404")]  # gone between the GET and the DELETE
    (outcome,) = Executor({"Assistant": provider}, retry=NO_WAIT).run(
        Plan(endpoint="x", changes=(_delete("a"),)))
    assert outcome.ok


def test_delete_of_an_object_the_recheck_finds_gone_sends_no_delete() -> None:
    provider = FakeProvider()
    (outcome,) = Executor({"Assistant": provider}, retry=NO_WAIT).run(
        Plan(endpoint="x", changes=(_delete("a"),)))
    assert outcome.ok and provider.reads == ["id-a"] and provider.calls == []


def test_an_update_of_an_object_gone_is_refused_and_its_dependents_skipped() -> None:
    provider = FakeProvider()
    plan = Plan(endpoint="x", changes=(_update("base"), _create("user", "base"),
                                       _create("other")))
    base, user, other = Executor({"Assistant": provider}, retry=NO_WAIT).run(plan)
    assert base.refused and base.live_id is None
    assert base.error == ("refused: id-base no longer exists (deleted since the plan was "
                          "made); nothing was sent (hint: make a new plan to see the object "
                          "as it is now)")
    assert user.skipped and other.ok
    assert provider.calls == [("create", "other")]


def test_a_duplicate_delete_has_its_own_outcome_in_plan_order() -> None:
    """The update of Assistant/x and the delete of its duplicate share the address: each
    keeps its outcome, and the duplicate's id never stands for Assistant/x."""
    provider = FakeProvider()
    provider.holds("x")
    provider.objects["id-x2"] = {"model": "m", "metadata": _marks("x")}
    provider.fail["id-x2"] = [RejectedError("400: cannot delete")]
    plan = Plan(endpoint="x", changes=(_duplicate("x", "id-x2"), _update("x")))
    executor = Executor({"Assistant": provider}, retry=NO_WAIT)
    duplicate, update = executor.run(plan)
    assert duplicate.change.key == "Assistant/x@id-x2" and not duplicate.ok
    assert duplicate.error == "400: cannot delete"
    assert update.change.key == "Assistant/x" and update.ok and update.live_id == "id-x"
    assert executor._ids == {"Assistant/x": "id-x"}
    assert provider.calls == [("update", "id-x"), ("delete", "id-x2")]


def test_deletes_of_a_copy_and_its_duplicate_both_run_after_their_dependents() -> None:
    provider = FakeProvider()
    provider.holds("base", "user")
    provider.objects["id-base2"] = {"model": "m", "metadata": _marks("base")}
    plan = Plan(endpoint="x", changes=(_duplicate("base", "id-base2"), _delete("base"),
                                       _delete("user", "base")))
    outcomes = Executor({"Assistant": provider}, parallelism=1, retry=NO_WAIT).run(plan)
    assert [o.change.key for o in outcomes] == ["Assistant/base@id-base2", "Assistant/base",
                                                "Assistant/user"]
    assert all(o.ok for o in outcomes)
    assert provider.calls[0] == ("delete", "id-user")
    assert sorted(provider.calls[1:]) == [("delete", "id-base"), ("delete", "id-base2")]


def test_a_refused_change_stops_only_itself() -> None:
    provider = FakeProvider()
    provider.holds("taken", "fine", "old")
    provider.objects["id-taken"]["metadata"] = _marks("someone-else")
    plan = Plan(endpoint="x", changes=(_update("taken"), _update("fine"), _delete("old")))
    taken, fine, old = Executor({"Assistant": provider}, retry=NO_WAIT).run(plan)
    assert taken.refused and not taken.ok and taken.attempts == 0
    assert "id-taken is no longer marked as Assistant/taken, but as Assistant/someone-else" in (
        str(taken.error))
    assert fine.ok and old.ok
    assert sorted(provider.calls) == [("delete", "id-old"), ("update", "id-fine")]
    assert sorted(provider.reads) == ["id-fine", "id-old", "id-taken"]


def _live(metadata: dict[str, str] | None, **raw: Any) -> LiveObject:
    return LiveObject(kind="Assistant", id="id-x", created_at=0,
                      raw={"id": "id-x", "metadata": metadata, **raw})


def _replace(name: str, *fields: FieldChange) -> ResourceChange:
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.REPLACE, live_id=f"id-{name}", before={"model": "m"},
                          after={"model": "n"}, body={"model": "n", "metadata": _marks(name)},
                          fields=fields)


SCOPED = {**_marks("x"), ownership.SCOPE_KEY: "team-a"}
UNGUARD = FieldChange(path="lifecycle.prevent_destroy", before=True, after=False)


@pytest.mark.parametrize(("change", "metadata", "scope", "refused"), [
    (_update("x"), _marks("x"), None, None),
    (_update("x"), None, None, "id-x is no longer marked as Assistant/x, but by nothing"),
    (_update("x"), _marks("y"), None, "no longer marked as Assistant/x, but as Assistant/y"),
    (_update("x"), SCOPED, "team-a", None),
    (_update("x"), _marks("x"), "team-a", None),  # no scope in the marks: ours to adopt
    (_update("x", **because(ActionReason.ADOPT_INTO_SCOPE)), _marks("x"), "team-a", None),
    (_update("x"), SCOPED, "team-b", "id-x is now marked for scope 'team-a', not 'team-b'"),
    (_update("x"), SCOPED, None, "marked for scope 'team-a', not this plan's (none)"),
    (_update("x", **because(ActionReason.ADOPT)), {"team": "t"}, None, None),
    (_update("x", **because(ActionReason.ADOPT)), _marks("y"), None,
     "id-x was unmanaged when the plan was made, and is now managed as Assistant/y"),
    (_update("x"), _marks("x", guarded=True), None, None),
    (_delete("x"), _marks("x", guarded=True), None,
     "id-x is now marked lifecycle.prevent_destroy, which forbids a delete"),
    (_duplicate("x", "id-x"), _marks("x", guarded=True), None, "forbids a delete"),
    (_replace("x"), _marks("x", guarded=True), None, "forbids a replace"),
    (_replace("x", UNGUARD), _marks("x", guarded=True), None, None),  # the plan removes it
])
def test_refusal(change: ResourceChange, metadata: dict[str, str] | None, scope: str | None,
                 refused: str | None) -> None:
    found = refusal(change, _live(metadata), scope)
    assert found == refused if refused is None else refused in str(found)


def _upload_delete() -> ResourceChange:
    return ResourceChange(address="File/file-1", kind="File", name="file-1",
                          action=Action.DELETE, live_id="file-1", before={"filename": "a"},
                          **because(ActionReason.DELETE_BECAUSE_UNUSED_UPLOAD))


SHA = "a" * 64


@pytest.mark.parametrize(("mark", "scope", "refused"), [
    ("reconciler", None, None),
    ("reconciler", "team-a", None),  # made before the project set a scope
    ("reconciler@team-a", "team-a", None),
    ("reconciler@team-b", "team-a",
     f"file-1 is an upload of scope 'team-b', not 'team-a' (reconciler@team-b-{SHA}-a.md)"),
    ("reconciler@team-b", None,
     f"file-1 is an upload of scope 'team-b', not this plan's (none) "
     f"(reconciler@team-b-{SHA}-a.md)"),
    ("not-ours", None, f"file-1 is not named as an upload of ours (not-ours-{SHA}-a.md)"),
])
def test_refusal_of_an_upload_delete_by_its_name(mark: str, scope: str | None,
                                                  refused: str | None) -> None:
    live = LiveObject(kind="File", id="file-1", created_at=0,
                      raw={"id": "file-1", "filename": f"{mark}-{SHA}-a.md"})
    assert refusal(_upload_delete(), live, scope) == refused


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


def test_the_guard_is_asked_before_each_batch_and_a_no_starts_nothing_more() -> None:
    """The apply lock's check: asked before each batch of at most `parallelism` writes; once
    it says why writes may not start (its object is gone), the rest is not started."""
    provider = FakeProvider()
    provider.holds("gone")
    asked: list[int] = []

    def guard() -> str | None:
        asked.append(len(provider.calls))
        return "the apply lock vs_1 was lost: its object was deleted" if len(asked) == 3 \
            else None

    plan = Plan(endpoint="x", changes=(*(_create(f"a{i}") for i in range(5)),
                                       _delete("gone")))
    outcomes = Executor({"Assistant": provider}, parallelism=2, retry=NO_WAIT,
                        guard=guard).run(plan)
    assert asked == [0, 2, 4], "once per batch of two, before it starts"
    assert [name for _, name in provider.calls] == ["a0", "a1", "a2", "a3"]
    assert [o.ok for o in outcomes] == [True] * 4 + [False, False]
    for late in outcomes[4:]:
        assert late.skipped and late.attempts == 0
        assert late.error == "not started: the apply lock vs_1 was lost: its object was deleted"


def test_thousands_of_file_problems_are_a_summary_not_a_line_each() -> None:
    from reconciler.apply.executor import files_summary
    from reconciler.apply.filesync import FileOutcome

    outcome = FileOutcome(uploaded={f"docs/{i}.md": f"file-{i}" for i in range(342)})
    errors = [f"docs/{i}.md: upload failed: not started: interrupted (Ctrl-C)"
              for i in range(342, 2997)]
    errors += [f"docs/{i}.md: upload failed: 400: bad file" for i in range(2997, 3000)]
    text = files_summary(errors, outcome, 3000)
    assert text.splitlines()[0] == ("342 of 3,000 files uploaded, 2,655 not started "
                                    "(interrupted (Ctrl-C)), 3 file problems; run apply "
                                    "again to resume:")
    assert len(text.splitlines()) == 4
    many = files_summary([f"f{i}: upload failed: 500" for i in range(50)], FileOutcome(), 50)
    assert len(many.splitlines()) == 12 and many.endswith("… and 40 more")
