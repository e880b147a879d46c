"""The apply lock (`reconciler.lock`) against the emulator: holding, contending, waiting,
expiry, renewal, loss, force-unlock, hiding from plans, and the `lock` commands."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import openai
import pytest

from reconciler import lock as apply_lock
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.kinds.vector_store.provider import VectorStoreProvider
from reconciler.lock import ApplyLock, LockHeldError, LockInfo, LockLostError
from reconciler.provider import ProviderError
from tests.engine.conftest import API_KEY, Project

FAST: dict[str, Any] = {"ttl": 3.0, "poll": 0.02}


def lock_for(project: Project, scope: str | None = "team-a", **options: Any) -> ApplyLock:
    return ApplyLock(project.client, scope, **{**FAST, **options})


def wait_until(condition: Callable[[], bool], *, limit: float = 10.0) -> None:
    """Poll `condition` until it holds; fail after `limit` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def crashed_lock(client: openai.OpenAI, scope: str, *, expires: int) -> str:
    """A lock object as a run that crashed long ago left it."""
    created = client.vector_stores.create(name="reconciler-lock", metadata={
        "managed-by": "assistants-reconciler", "reconciler-lock": scope,
        "reconciler-holder": "bob@ci-9 pid 7", "reconciler-started": "2026-01-01T00:00:00Z",
        "reconciler-expires": str(expires), "reconciler-run": "dead"})
    return created.id


def test_acquire_marks_and_release(project: Project) -> None:
    lock = lock_for(project, command="apply")
    with lock as entered:
        assert entered is lock and lock.info is not None
        held = lock.info
        raw = project.client.vector_stores.retrieve(held.id)
        metadata = raw.metadata or {}
        assert raw.name == "reconciler-lock"
        assert raw.expires_after is not None and raw.expires_after.days == 1
        assert raw.expires_after.anchor == "last_active_at"
        assert metadata["managed-by"] == "assistants-reconciler"
        assert metadata["reconciler-lock"] == "team-a"
        assert re.fullmatch(r".+@.+ pid \d+", metadata["reconciler-holder"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", metadata["reconciler-started"])
        assert int(metadata["reconciler-expires"]) > time.time()
        assert metadata["reconciler-run"] == lock.run and metadata["reconciler-command"] == "apply"
        assert metadata["reconciler-state"] == "held" and held.held
        assert not any(API_KEY in value for value in metadata.values())
        assert [found.id for found in apply_lock.status(project.client, "team-a")] == [held.id]
        assert held.holder == metadata["reconciler-holder"] and held.scope == "team-a"
        lock.check()
    assert apply_lock.status(project.client, "team-a") == []
    with pytest.raises(openai.NotFoundError):
        project.client.vector_stores.retrieve(held.id)
    with pytest.raises(LockLostError):
        lock.check()


def test_scopes_are_separate_and_no_scope_is_a_dash(project: Project) -> None:
    with lock_for(project, None) as one, lock_for(project, "team-b") as other:
        assert one.info is not None and other.info is not None
        unscoped, scoped = one.info, other.info
        metadata = project.client.vector_stores.retrieve(unscoped.id).metadata or {}
        assert metadata["reconciler-lock"] == "-" and unscoped.scope is None
        assert [f.id for f in apply_lock.status(project.client, None)] == [unscoped.id]
        assert [f.id for f in apply_lock.status(project.client, "team-b")] == [scoped.id]


def test_a_second_contender_fails_at_once_naming_the_holder(project: Project) -> None:
    with lock_for(project) as holding:
        held = holding.info
        assert held is not None
        with pytest.raises(LockHeldError) as raised:
            lock_for(project, timeout=0).acquire()
        message, hint = raised.value.message, raised.value.hint or ""
        assert held.holder in message and held.started in message and held.id in message
        assert "expires in" in message and "scope team-a" in message
        assert "--lock-timeout SECONDS" in hint and "reconciler lock status" in hint
        assert "force-unlock" not in hint  # no invitation to delete a live lock
        assert raised.value.lock.id == held.id
        assert [f.id for f in apply_lock.status(project.client, "team-a")] == [held.id], \
            "the loser withdrew its object"


def test_a_waiting_contender_gets_the_lock_once_released(project: Project) -> None:
    first = lock_for(project)
    held = first.acquire()
    waited_for: list[LockInfo] = []

    def on_wait(blocking: LockInfo) -> None:
        waited_for.append(blocking)
        threading.Thread(target=first.release).start()  # the holder finishes meanwhile

    second = lock_for(project, timeout=30, on_wait=on_wait)
    mine = second.acquire()
    assert [w.id for w in waited_for] == [held.id]
    assert [f.id for f in apply_lock.status(project.client, "team-a")] == [mine.id]
    second.release()


def test_waiting_ends_with_lock_held_error_after_the_timeout(project: Project) -> None:
    with lock_for(project) as holding:
        begun = time.monotonic()
        with pytest.raises(LockHeldError) as raised:
            lock_for(project, timeout=0.3).acquire()
        assert time.monotonic() - begun >= 0.3
        assert holding.info is not None and raised.value.lock.id == holding.info.id


def test_an_expired_lock_is_ignored_and_deleted(project: Project) -> None:
    dead = crashed_lock(project.client, "team-a", expires=int(time.time()) - 60)
    [listed] = apply_lock.status(project.client, "team-a")
    assert listed.id == dead and listed.expired(time.time())
    assert "expired" in listed.describe() and listed.as_json()["expired"] is True
    lock = lock_for(project, timeout=0)
    held = lock.acquire()
    assert [f.id for f in apply_lock.status(project.client, "team-a")] == [held.id]
    lock.release()
    with pytest.raises(openai.NotFoundError):
        project.client.vector_stores.retrieve(dead)


def test_a_live_foreign_lock_blocks_until_it_expires(project: Project) -> None:
    crashed_lock(project.client, "team-a", expires=int(time.time()) + 3600)
    [listed] = apply_lock.status(project.client, "team-a")
    assert not listed.held and "being taken by bob@ci-9 pid 7" in listed.describe()
    with pytest.raises(LockHeldError) as raised:
        lock_for(project, timeout=0).acquire()
    assert "is being taken by bob@ci-9 pid 7" in raised.value.message  # not held yet


def test_a_failed_listing_leaves_no_lock_object_behind(project: Project) -> None:
    project.emulator.faults({"fault": "server_error", "methods": ["GET"],
                             "path": "/v1/vector_stores"})
    with pytest.raises(ProviderError):
        lock_for(project, timeout=0).acquire()
    project.emulator.faults()
    assert apply_lock.status(project.client, "team-a") == []


def test_concurrent_contenders_never_hold_together(project: Project) -> None:
    project.emulator.faults({"fault": "latency", "rate": 0.3, "latency_ms": 15}, seed=7)
    contenders, rounds = 8, 2
    start = threading.Barrier(contenders)
    guard = threading.Lock()
    inside, most, done = 0, 0, 0
    failures: list[BaseException] = []

    def contend() -> None:
        nonlocal inside, most, done
        client = openai.OpenAI(base_url=project.emulator.url, api_key=API_KEY, max_retries=0)
        try:
            start.wait()
            for _ in range(rounds):
                with ApplyLock(client, "race", timeout=60, ttl=5, poll=0.02) as lock:
                    with guard:
                        inside += 1
                        most = max(most, inside)
                    lock.check()
                    assert lock.info is not None  # contenders' objects come and go meanwhile
                    assert lock.info.id in [f.id for f in apply_lock.status(client, "race")]
                    time.sleep(0.01)
                    with guard:
                        inside -= 1
                        done += 1
        except BaseException as exc:  # reported below, with the others
            failures.append(exc)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert most == 1 and done == contenders * rounds
    assert apply_lock.status(project.client, "race") == []


def test_a_create_whose_answer_was_lost_is_found_not_repeated(project: Project) -> None:
    project.emulator.faults({"fault": "commit_then_fail", "methods": ["POST"],
                             "path": "/v1/vector_stores", "on": [1]})
    with lock_for(project, timeout=0) as lock:
        assert lock.info is not None
        assert [f.id for f in apply_lock.status(project.client, "team-a")] == [lock.info.id]
    assert project.emulator.stats()["requests"].get("POST /v1/vector_stores") == 1


def test_the_holder_renews_its_expiry(project: Project) -> None:
    with lock_for(project, ttl=1.5) as lock:
        assert lock.info is not None
        first_expiry = lock.info.expires
        wait_until(lambda: apply_lock.status(project.client, "team-a")[0].expires
                   > first_expiry)
        lock.check()


def test_a_deleted_lock_is_lost(project: Project) -> None:
    told = threading.Event()  # apply passes the event that stops every new request
    lock = lock_for(project, ttl=0.9, on_lost=told.set)
    held = lock.acquire()
    apply_lock.force_unlock(project.client, held.id, force=True)
    wait_until(lambda: lock.lost)
    assert told.wait(5)
    with pytest.raises(LockLostError, match="deleted"):
        lock.check()
    lock.release()  # already gone: fine


def test_failing_renewals_lose_the_lock_before_it_expires(project: Project) -> None:
    lock = lock_for(project, ttl=6.0)  # lost 2 s before it expires; the API's clock is
    held = lock.acquire()                # known to about a second (its `Date` header)
    project.emulator.faults({"fault": "server_error", "methods": ["POST"],
                             "path": "/v1/vector_stores/*"})
    wait_until(lambda: lock.lost)
    assert time.time() < held.expires, "lost before others may count it expired"
    with pytest.raises(LockLostError, match="lost"):
        lock.check()
    project.emulator.faults()
    lock.release()
    assert apply_lock.status(project.client, "team-a") == []


def test_force_unlock_deletes_only_lock_objects(project: Project) -> None:
    store = project.client.vector_stores.create(name="docs")
    with pytest.raises(ReconcilerError, match="not an apply lock"):
        apply_lock.force_unlock(project.client, store.id)
    with pytest.raises(ReconcilerError, match="no lock"):
        apply_lock.force_unlock(project.client, "vs_missing")
    assert project.client.vector_stores.retrieve(store.id).name == "docs"
    lock = lock_for(project)
    held = lock.acquire()
    assert apply_lock.force_unlock(project.client, held.id, force=True).id == held.id
    assert apply_lock.status(project.client, "team-a") == []
    lock.release()


def test_plans_inventory_and_providers_never_see_lock_objects(project: Project) -> None:
    project.write({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec: {model: gpt-6-luna}
        """})
    assert project.run("apply", "--auto-approve").exit_code == ExitCode.OK
    with lock_for(project, None) as lock:
        assert lock.info is not None
        plan = project.run("plan")
        assert plan.exit_code == ExitCode.OK, plan.output
        assert lock.info.id not in plan.output and "not managed" not in plan.output
        inventory = project.run("inventory", "--format", "json")
        assert [row["name"] for row in json.loads(inventory.stdout)] == ["helper"]
        stores = VectorStoreProvider(project.client)
        assert stores.read_all() == [] and stores.find_recent(0) == []


def test_lock_status_command(project: Project) -> None:
    idle = project.run("lock", "status")
    assert idle.exit_code == ExitCode.OK and "No lock held (no scope set)." in idle.stdout
    (project.root / "reconciler.yaml").write_text("manifests: [manifests]\nscope: team-a\n")
    idle = project.run("lock", "status")
    assert idle.exit_code == ExitCode.OK and "No lock held for scope team-a." in idle.stdout
    lock = lock_for(project)
    held = lock.acquire()
    shown = project.run("lock", "status")
    assert shown.exit_code == ExitCode.OK
    assert f"lock {held.id} held by {held.holder} since {held.started}, expires in" \
        in shown.stdout
    listed = json.loads(project.run("lock", "status", "--format", "json").stdout)
    assert [(row["id"], row["holder"], row["expired"]) for row in listed] == \
        [(held.id, held.holder, False)]
    lock.release()


def test_force_unlock_command(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = lock_for(project, None, ttl=120.0)  # renewed now, next in 40 s: a live holder
    held = lock.acquire()
    alive = project.run("force-unlock", held.id, "--yes")
    assert alive.exit_code == ExitCode.ERROR and "its holder is alive" in alive.stderr
    assert "run `reconciler lock status` again after 40 s" in alive.stderr
    assert f"force-unlock {held.id} --force" in alive.stderr
    assert [f.id for f in apply_lock.status(project.client, None)] == [held.id]
    refused = project.run("force-unlock", held.id, "--force")
    assert refused.exit_code == ExitCode.ERROR and "no terminal" in refused.stderr
    assert f"force-unlock {held.id} --yes" in refused.stderr
    monkeypatch.setattr("reconciler.commands.lock.interactive", lambda: True)
    cancelled = project.run("force-unlock", held.id, "--force", input="no\n")
    assert cancelled.exit_code == ExitCode.ERROR and "cancelled" in cancelled.stderr
    assert [f.id for f in apply_lock.status(project.client, None)] == [held.id]
    other = project.client.vector_stores.create(name="docs")
    wrong = project.run("force-unlock", other.id, "--yes")
    assert wrong.exit_code == ExitCode.ERROR and "not an apply lock" in wrong.stderr
    done = project.run("force-unlock", held.id, "--force", input="yes\n")
    assert done.exit_code == ExitCode.OK, done.output
    assert held.holder in done.stdout and f"Lock {held.id} deleted" in done.stdout
    assert apply_lock.status(project.client, None) == []
    lock.release()
    dead = crashed_lock(project.client, "-", expires=int(time.time()) + 30)  # renewed 90 s ago
    monkeypatch.setattr("reconciler.commands.lock.interactive", lambda: False)
    assert project.run("force-unlock", dead, "--yes").exit_code == ExitCode.OK


def test_a_contender_whose_clock_runs_ahead_does_not_take_a_live_lock(
        project: Project) -> None:
    """Its clock 200 s ahead, a contender would read a renewed lock (ttl 120 s) as expired
    and delete it; expiry is judged by the API's clock (its answers' `Date`)."""
    with lock_for(project, ttl=120.0) as holder:
        assert holder.info is not None
        ahead = lock_for(project, ttl=120.0, timeout=0, clock=lambda: time.time() + 200)
        with pytest.raises(LockHeldError):
            ahead.acquire()
        assert [f.id for f in apply_lock.status(project.client, "team-a")] == [holder.info.id]
        assert holder.verify() is None
        behind = lock_for(project, ttl=120.0, clock=lambda: time.time() - 200)
        assert abs(behind.server.now() - time.time()) > 100  # nothing read yet
        apply_lock.status(project.client, "team-a", behind.server)
        assert abs(behind.server.now() - time.time()) < 3


def test_the_holder_stops_starting_writes_once_its_lock_is_deleted(project: Project) -> None:
    told = threading.Event()
    with lock_for(project, ttl=120.0, on_lost=told.set) as lock:
        assert lock.info is not None and lock.verify() is None
        apply_lock.force_unlock(project.client, lock.info.id, force=True)
        why = lock.verify()
        assert why is not None and "was deleted" in why and told.is_set() and lock.lost
        with pytest.raises(LockLostError):
            lock.check()
        taken = lock_for(project, ttl=120.0, timeout=0).acquire()  # another run takes it
        assert lock.verify() is not None  # still lost: never this run's again
        assert taken.id != lock.info.id
