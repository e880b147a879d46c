"""The apply lock: one `apply` at a time per scope, held on the live side.

Two machines share nothing but the OpenAI API, which has no conditional write (no "create if
absent", no compare-and-swap). The lock is therefore an object anyone can list: a vector store
named `reconciler-lock` (cheap, no model needed, 16 metadata keys, listable), whose metadata
says whose it is (`reconciler-lock: <scope or ->`, `reconciler-holder`, `reconciler-started`,
`reconciler-expires` in unix seconds, `reconciler-run`, `reconciler-command`; never a secret),
and which OpenAI deletes by itself a day after a crash (`expires_after: last_active_at + 1`).

Race analysis. A contender creates its lock object, then lists every vector store (all pages),
keeps the lock objects of its scope that have not expired, and holds the lock only if its own
object is the only live one. Safety: suppose A and B both hold at some moment. Each created
its object before listing, and neither deletes its object while it holds. Say A's create
committed first. B's listing began after B's create, so after A's; A's object existed from
before it began until after it ended, so B's listing showed it, and B saw two live objects
and did not hold: a contradiction. This needs only that a listing shows every object created
before it began and not deleted before it ended (cursor pagination over a stable order gives
that); it needs no clock and no order between the two contenders.

Ordering by (created_at, id) is not safe on its own: `created_at` counts whole seconds and ids
are random, so the order inside one second says nothing about which create committed first.
With "hold if mine sorts first", A lists before B's create commits and sees only itself; B,
in the same second with a smaller id, sees both and finds itself first: two holders. So the
order decides only who keeps trying (liveness), never who holds.

Liveness. When contenders see each other, the first by (created_at, id) keeps its object and
lists again after a short random delay; the others withdraw (delete) theirs at once, then poll
with jitter while any live lock exists, for at most `timeout` seconds, and try again (with
timeout 0, a lock held by someone else fails at once). The first sees itself alone within a
round trip, unless a newer object does not go away (a contender that crashed after creating,
or one that holds because it listed before the first's create committed): then the first
withdraws too after a few rounds and waits like the others. A holder marks its object
`reconciler-state: held` once it holds; a contender that sees a held object withdraws at once
(no rounds). The mark serves liveness only: holding still needs being alone in the listing.

Expiry and clocks: the API's. A holder sets `reconciler-expires` to now + ttl (120 s) and
`reconciler-renewed` to now, and renews both every ttl/3 from a thread, where "now" is the
API's clock, as the `Date` header of the lock's own requests tells it (`ServerTime`), never
the machine's. A lock object whose expiry is past by the API's clock is ignored and deleted
as clean-up, so a crashed holder blocks others for at most ttl, and a contender whose clock
runs minutes ahead still sees a renewed lock as live. A holder whose renewals fail counts
the lock as lost (`check` raises `LockLostError`) once its expiry is less than ttl/3 away.

Losing the lock while holding it. Before each batch of writes the executor calls `verify`:
one GET of the lock object; once it is gone (`force-unlock`, an expiry judged by another
run) or no longer this run's, no new write starts. What can still land after the loss is
the batch of changes already in flight (at most `--parallelism` changes, each of which may
send several requests, a store's file sync many): the API offers no fencing token.
`force_unlock` refuses a lock renewed within the last two thirds of its ttl unless forced,
and says how to tell whether its holder is alive.

The algorithm talks to the lock objects only through a `LockStore` (list pages, create,
retrieve, update, delete, and the API's clock its answers tell), so it runs over an
in-memory store and fake clocks in tests; `VectorStoreLocks` is the one over the SDK. The
rest of the tool never sees lock objects: the VectorStore kind's `hides` hook names
`is_lock`, and the provider layer leaves them out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import getpass
import math
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from types import TracebackType
from typing import Any, Protocol, cast

import openai

from reconciler import __version__, ownership
from reconciler.errors import ReconcilerError
from reconciler.provider import NotFoundError, ProviderError, RejectedError, TransientError
from reconciler.provider.sdk import PAGE_SIZE, as_dict, call, pages

LOCK_NAME = "reconciler-lock"
LOCK_KEY = "reconciler-lock"
HOLDER_KEY = "reconciler-holder"
STARTED_KEY = "reconciler-started"
EXPIRES_KEY = "reconciler-expires"
RUN_KEY = "reconciler-run"
ATTEMPT_KEY = "reconciler-attempt"
COMMAND_KEY = "reconciler-command"
RENEWED_KEY = "reconciler-renewed"
"""Unix seconds, by the API's clock, of the holder's last renewal."""
STATE_KEY = "reconciler-state"
"""`contending` from create until held, then `held`: liveness only (see the docstring)."""
VERSION_KEY = "reconciler-version"
NO_SCOPE = "-"
"""The `reconciler-lock` value of a project without a scope (no scope can be spelled so)."""
EXPIRES_AFTER = {"anchor": "last_active_at", "days": 1}
"""OpenAI deletes a lock object left by a crash a day after its last activity."""
SETTLE_ROUNDS = 4
"""How often the first of several contenders lists again before it withdraws too."""
WRITE_TRIES = 3
"""Attempts of a create or withdrawal that meets a transient failure."""
RELEASE_TRIES = 6
"""Attempts of a release (0.2 s more between each): a lock left behind blocks every other
run until it expires."""
LISTING_TRIES = 3
"""Listings restarted when a page's cursor vanished (an object deleted meanwhile)."""
DEFAULT_TTL = 120.0
"""Seconds a lock lives without renewal (renewed every ttl/3)."""

Clock = Callable[[], float]


class ServerTime:
    """The API's clock: this machine's, shifted by the offset its answers' `Date` headers
    show. Lock expiry is judged by it, so a machine whose clock is off neither takes a live
    lock as expired nor writes expiries others misread.

    `Date` counts whole seconds and was written before the answer arrived, so each answer
    bounds the offset from below (`date - arrival`); the greatest bound seen is the estimate
    (at most about a second behind the API, the safe side: a lock is judged expired late,
    never early). A bound more than 2 s below the estimate means a clock was set back: it
    starts again from there."""

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self.offset: float | None = None

    def observe(self, headers: Any) -> None:
        """Learn from an answer's headers (none with a `Date`: the estimate stays)."""
        text = headers.get("date") if headers is not None else None
        try:
            sent = email.utils.parsedate_to_datetime(text).timestamp() if text else None
        except (TypeError, ValueError):
            sent = None
        if sent is None:
            return
        bound = sent - self.clock()
        if self.offset is None or bound > self.offset or bound < self.offset - 2:
            self.offset = bound

    def now(self) -> float:
        return self.clock() + (self.offset or 0.0)


def _parsed(response: Any, server: ServerTime | None) -> Any:
    """An SDK raw response's object, its `Date` told to `server`."""
    if server is not None:
        server.observe(response.headers)
    return response.parse()


Raw = dict[str, Any]


class LockStore(Protocol):
    """Where lock objects live: the five operations the algorithm needs, and the API's clock
    as its answers tell it. Errors are the provider's (`NotFoundError` for an object that
    is gone, `TransientError`, `RejectedError`)."""

    server: ServerTime

    def pages(self, order: str) -> Iterator[list[Raw]]:
        """Every object (lock or not), a page at a time, by creation (`asc` or `desc`)."""

    def create(self, metadata: dict[str, str]) -> Raw:
        """A new lock object with this metadata."""

    def retrieve(self, object_id: str) -> Raw:
        """One object as it is now."""

    def update(self, object_id: str, metadata: dict[str, str]) -> Raw:
        """Replace an object's metadata."""

    def delete(self, object_id: str) -> None:
        """Delete an object."""


class VectorStoreLocks:
    """Lock objects as vector stores named `reconciler-lock` over the SDK (see the module's
    docstring for why a vector store); every answer's `Date` tells `server` the API's time."""

    def __init__(self, client: openai.OpenAI, server: ServerTime | None = None) -> None:
        self.client = client
        self.server = server or ServerTime()

    def pages(self, order: str) -> Iterator[list[Raw]]:
        def first() -> Any:
            return _parsed(self.client.vector_stores.with_raw_response.list(
                limit=PAGE_SIZE, order=cast(Any, order)), self.server)
        for page in pages(first):
            yield [as_dict(item) for item in page]

    def create(self, metadata: dict[str, str]) -> Raw:
        return as_dict(call(lambda: _parsed(self.client.vector_stores.with_raw_response.create(
            name=LOCK_NAME, expires_after=cast(Any, EXPIRES_AFTER), metadata=metadata),
            self.server)))

    def retrieve(self, object_id: str) -> Raw:
        return as_dict(call(lambda: _parsed(
            self.client.vector_stores.with_raw_response.retrieve(object_id), self.server)))

    def update(self, object_id: str, metadata: dict[str, str]) -> Raw:
        return as_dict(call(lambda: _parsed(self.client.vector_stores.with_raw_response.update(
            object_id, metadata=metadata), self.server)))

    def delete(self, object_id: str) -> None:
        call(lambda: self.client.vector_stores.delete(object_id))


def store_of(where: openai.OpenAI | LockStore, server: ServerTime | None = None) -> LockStore:
    """The lock store of a client (its vector stores), or `where` itself."""
    if isinstance(where, openai.OpenAI):
        return VectorStoreLocks(where, server)
    return where


def is_lock(metadata: dict[str, Any] | None) -> bool:
    """Whether a vector store's metadata marks it as an apply lock object."""
    return LOCK_KEY in (metadata or {})


@dataclass(frozen=True)
class LockInfo:
    """One lock object as listed: whose it is and until when."""

    id: str
    scope: str | None
    holder: str
    started: str
    """ISO-8601 UTC, when its holder started trying."""
    expires: int
    """Unix seconds (the holder's clock) after which the lock counts as abandoned."""
    run: str
    created_at: int
    command: str = ""
    held: bool = False
    """Whether its holder has said it holds (else it may be a contender about to leave)."""
    renewed: int | None = None
    """Unix seconds, by the API's clock, of its last renewal (None: not renewed yet)."""

    def expired(self, now: float) -> bool:
        return self.expires < now

    def describe(self, now: float | None = None) -> str:
        """One line: `lock vs_… held by ann@ci-1 pid 42 since …Z, expires in 95 s`."""
        by = "held by" if self.held else "being taken by"
        return f"lock {self.id} {by} {self.holder} since {self.started}, {self.expiry(now)}"

    def as_json(self, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        return {**asdict(self), "expired": self.expired(now),
                "expires_in": int(self.expires - now)}

    def expiry(self, now: float | None = None) -> str:
        """`expires in 95 s` or `expired 30 s ago`."""
        left = int(self.expires - (time.time() if now is None else now))
        return f"expires in {left} s" if left >= 0 else f"expired {-left} s ago"

    @classmethod
    def from_store(cls, raw: dict[str, Any]) -> LockInfo | None:
        """The lock a listed vector store is (None: it is no lock object)."""
        metadata = raw.get("metadata") or {}
        if not is_lock(metadata):
            return None
        created_at = int(raw.get("created_at") or 0)
        try:
            expires = int(metadata.get(EXPIRES_KEY, ""))
        except ValueError:  # not ours to judge: live until OpenAI's own expiry
            expires = int(raw.get("expires_at") or created_at + 86400)
        if raw.get("status") == "expired":
            expires = min(expires, 0)
        scope = metadata[LOCK_KEY]
        renewed = metadata.get(RENEWED_KEY, "")
        return cls(id=str(raw["id"]), scope=None if scope == NO_SCOPE else scope,
                   holder=metadata.get(HOLDER_KEY, "?"), started=metadata.get(STARTED_KEY, "?"),
                   expires=expires, run=metadata.get(RUN_KEY, ""), created_at=created_at,
                   command=metadata.get(COMMAND_KEY, ""),
                   held=metadata.get(STATE_KEY) == "held",
                   renewed=int(renewed) if renewed.isdigit() else None)


def _order(lock: LockInfo) -> tuple[int, str]:
    return (lock.created_at, lock.id)


def _blocking(live: list[LockInfo]) -> LockInfo:
    """The lock to name while waiting: the one that says it is held, else the oldest."""
    return next((lock for lock in live if lock.held), live[0])


class LockHeldError(ReconcilerError):
    """Another run holds the apply lock of this scope (and waiting did not help)."""

    def __init__(self, lock: LockInfo, *, now: float, waited: float = 0.0) -> None:
        scope = f" of scope {lock.scope}" if lock.scope else ""
        doing = f" ({lock.command})" if lock.command else ""
        after = f"; waited {waited:.0f} s" if waited >= 1 else ""
        state = "is held by" if lock.held else "is being taken by"
        super().__init__(
            f"the apply lock{scope} {state} {lock.holder}{doing} since {lock.started}, "
            f"{lock.expiry(now)} (lock {lock.id}){after}; nothing was changed",
            hint="wait for it with --lock-timeout SECONDS; `reconciler lock status` shows "
                 "whether its holder still renews it (a lock not renewed for its ttl "
                 "expires by itself, and the next apply takes over)")
        self.lock = lock


class LockLostError(ReconcilerError):
    """The apply lock this run held was lost: no new write may start."""


def holder_name() -> str:
    """Who is asking, as `user@host pid N` (no secret: a login name and a host name)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()} pid {os.getpid()}"


def _lock_objects(store: LockStore, scope: str | None) -> list[LockInfo]:
    """Every lock object of a scope, oldest first, read through every page.

    A page whose cursor was deleted meanwhile (a withdrawal) is met by reading again."""
    wanted = NO_SCOPE if scope is None else scope
    for attempt in range(LISTING_TRIES):
        found: list[LockInfo] = []
        read = 0
        try:
            for page in store.pages("asc"):
                read += 1
                locks = (LockInfo.from_store(item) for item in page)
                found += [lock for lock in locks
                          if lock is not None and (lock.scope or NO_SCOPE) == wanted]
        except (RejectedError, NotFoundError):
            if read == 0 or attempt == LISTING_TRIES - 1:
                raise
            continue
        return sorted(found, key=_order)
    raise AssertionError("unreachable")


def _delete(store: LockStore, lock_id: str, *, tries: int = WRITE_TRIES,
            pause: Callable[[float], None] = time.sleep) -> None:
    """Delete a lock object; one already gone is fine; transient failures are retried."""
    for attempt in range(tries):
        try:
            store.delete(lock_id)
            return
        except NotFoundError:
            return
        except TransientError:
            if attempt == tries - 1:
                raise
            pause(0.2 * (attempt + 1))


def status(where: openai.OpenAI | LockStore, scope: str | None,
           server: ServerTime | None = None) -> list[LockInfo]:
    """The lock objects of a scope, oldest first (expired ones too: see `expired`, judged
    by `server`, which the listing sets)."""
    return _lock_objects(store_of(where, server), scope)


def lock_info(where: openai.OpenAI | LockStore, lock_id: str,
              server: ServerTime | None = None) -> LockInfo:
    """The lock object `lock_id`; a ReconcilerError if there is none or it is no lock."""
    try:
        raw = store_of(where, server).retrieve(lock_id)
    except NotFoundError:
        raise ReconcilerError(f"there is no lock {lock_id}: nothing to unlock",
                              hint="see the locks with `reconciler lock status`") from None
    lock = LockInfo.from_store(raw)
    if lock is None:
        raise ReconcilerError(f"{lock_id} is not an apply lock (its metadata has no "
                              f"{LOCK_KEY} mark); nothing was deleted",
                              hint="see the locks with `reconciler lock status`")
    return lock


def recently_renewed(lock: LockInfo, now: float) -> bool:
    """Whether the lock was renewed within the last two thirds of its ttl by the API's
    clock `now`: its holder is very likely alive (it renews every ttl/3, measured from the
    end of the previous renewal, and sooner again after a failure; two periods leave room
    for a slow request and a late clock estimate)."""
    if lock.expired(now):
        return False
    renewed = lock.renewed if lock.renewed is not None else lock.expires - DEFAULT_TTL
    return now - renewed < 2 * (lock.expires - renewed) / 3


def refuse_if_alive(lock: LockInfo, now: float) -> None:
    """A ReconcilerError when the lock was renewed within the last two thirds of its ttl by
    the API's clock `now`: its holder is alive, and deleting its lock lets a second apply
    write beside it."""
    if not recently_renewed(lock, now):
        return
    renewed = lock.renewed if lock.renewed is not None else lock.expires - DEFAULT_TTL
    every = f"{(lock.expires - renewed) / 3:.0f} s"
    window = f"{2 * (lock.expires - renewed) / 3:.0f} s"
    raise ReconcilerError(
        f"the apply lock {lock.id} was renewed {max(0, int(now - renewed))} s ago by "
        f"{lock.holder}: its holder is alive (it renews every {every}; a lock renewed within "
        f"{window} counts as live), and deleting its lock "
        "lets a second apply write beside it; nothing was deleted",
        hint=f"wait for it (apply --lock-timeout SECONDS); to tell whether it is alive, run "
             f"`reconciler lock status` again after {every}: a live holder's expiry moves. "
             f"Only for a holder you know is gone: reconciler force-unlock {lock.id} --force")


def force_unlock(where: openai.OpenAI | LockStore, lock_id: str, *,
                 force: bool = False) -> LockInfo:
    """Delete exactly the lock object `lock_id` (refused if it is no lock object, and,
    without `force`, if it was renewed within the last two thirds of its ttl: its holder
    is alive)."""
    store = store_of(where)
    lock = lock_info(store, lock_id)
    if not force:
        refuse_if_alive(lock, store.server.now())
    _delete(store, lock.id)
    return lock


class ApplyLock:
    """The apply lock of one scope, as a context manager: `with ApplyLock(client, scope) as
    lock: ... lock.check() ...`; `info` is the lock object while held.

    `timeout`: seconds to wait for a held lock (0: fail at once with `LockHeldError`).
    `ttl`: seconds a lock lives without renewal (renewed every ttl/3). `poll`: seconds between
    listings while waiting (jittered). `on_wait` is told each lock it starts waiting for.
    While held, call `check()` before starting each write: it raises `LockLostError` once
    renewals have failed for too long or the lock object was deleted."""

    def __init__(self, where: openai.OpenAI | LockStore, scope: str | None, *,
                 timeout: float = 0.0,
                 ttl: float = DEFAULT_TTL, poll: float = 2.0, command: str = "apply",
                 on_wait: Callable[[LockInfo], None] | None = None,
                 on_lost: Callable[[], None] | None = None, clock: Clock = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.scope = scope
        self.timeout = timeout
        self.ttl = ttl
        self.poll = poll
        self.command = command
        self.on_wait = on_wait
        self.on_lost = on_lost
        """Called (from the renewing thread) when the held lock is lost: stop writing."""
        self.clock = clock
        """This machine's clock: for how long to wait (expiry is the API's, `server`)."""
        self.store = store_of(where, ServerTime(clock))
        self.server = self.store.server
        self.sleep = sleep
        self.run = secrets.token_hex(8)
        self.holder = holder_name()
        self.info: LockInfo | None = None
        """The lock object while held (its expiry as last renewed)."""
        self._lost: str | None = None
        self._attempt = 0
        self._started = ""
        self._mutex = threading.Lock()
        self._renewer: Renewer | None = None
        self._random = random.Random()

    # --- acquiring -----------------------------------------------------------------------

    def acquire(self) -> LockInfo:
        """Take the lock, waiting up to `timeout` seconds; `LockHeldError` if it stays held."""
        if self.info is not None:
            raise RuntimeError("the apply lock is held already")
        begun = self.clock()
        self._started = dt.datetime.fromtimestamp(begun, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        vanished = 0
        while True:
            mine = self._create()
            try:
                others = self._contend(mine)
                held = self._hold(mine) if others == [] else None
            except BaseException:  # a failed listing, Ctrl-C: leave nothing behind
                with self._mutex:
                    self.info = None
                with contextlib.suppress(Exception):
                    self._withdraw(mine)
                raise
            if held is not None:
                return held
            self._withdraw(mine)
            if not others:  # our own object was not listed (or gone): deleted, or late
                vanished += 1
                if vanished >= WRITE_TRIES:
                    raise ReconcilerError(
                        "the apply lock cannot be taken: its object was missing from the "
                        "listing right after it was created (deleted by another run, or a "
                        "server whose lists lag behind its writes)")
            self._wait(begun)

    def _contend(self, mine: LockInfo) -> list[LockInfo] | None:
        """The live locks besides `mine` after a few rounds ([]: held; None: not listed)."""
        others: list[LockInfo] = []
        for _ in range(SETTLE_ROUNDS):
            live = self._live(keep=mine.id)
            if all(lock.id != mine.id for lock in live):
                return None
            others = [lock for lock in live if lock.id != mine.id]
            if not others or live[0].id != mine.id or any(lock.held for lock in others):
                return others  # alone; or someone older goes first, or someone holds
            self.sleep(self._random.uniform(0.1, 0.5) * self.poll)
        return others

    def _wait(self, begun: float) -> None:
        """Poll, with jitter, until no live lock is left; `LockHeldError` after `timeout`."""
        seen: set[str] = set()
        while True:
            live = self._live(keep=None)
            if not live:
                return
            now = self.clock()
            left = begun + self.timeout - now
            blocking = _blocking(live)
            if left <= 0:
                raise LockHeldError(blocking, now=self.server.now(), waited=now - begun)
            if self.on_wait is not None and blocking.id not in seen:
                seen.add(blocking.id)
                self.on_wait(blocking)
            self.sleep(min(left, self.poll * self._random.uniform(0.5, 1.5)))

    def _live(self, *, keep: str | None) -> list[LockInfo]:
        """The live locks of the scope, oldest first; expired ones, and our own earlier
        attempts other than `keep`, are deleted on the way (best effort)."""
        live = []
        found = _lock_objects(self.store, self.scope)
        now = self.server.now()
        for lock in found:
            stale = lock.run == self.run and lock.id != keep
            if lock.expired(now) or stale:
                self._forget(lock.id)
            else:
                live.append(lock)
        return live

    def _forget(self, lock_id: str) -> None:
        with contextlib.suppress(ProviderError):  # clean-up only: the next listing retries
            _delete(self.store, lock_id, tries=1)

    def _create(self) -> LockInfo:
        """Create this attempt's lock object; a create whose answer was lost is looked for
        by its run and attempt before it is sent again."""
        self._attempt += 1
        metadata = self._metadata(self._expiry(), held=False)
        for attempt in range(WRITE_TRIES):
            try:
                lock = LockInfo.from_store(self.store.create(metadata))
                assert lock is not None
                return lock
            except TransientError:
                stored = self._find_attempt()
                if stored is not None:
                    return stored
                if attempt == WRITE_TRIES - 1:
                    raise
                self.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _find_attempt(self) -> LockInfo | None:
        for page in self.store.pages("desc"):
            for item in page:
                metadata = item.get("metadata") or {}
                if (metadata.get(RUN_KEY) == self.run
                        and metadata.get(ATTEMPT_KEY) == str(self._attempt)):
                    return LockInfo.from_store(item)
        return None

    def _withdraw(self, mine: LockInfo) -> None:
        # one left behind is deleted as a stale attempt by our next listing, or expires
        with contextlib.suppress(TransientError):
            _delete(self.store, mine.id, pause=self.sleep)

    def _metadata(self, expires: int, *, held: bool = True) -> dict[str, str]:
        values = {
            ownership.MANAGED_BY_KEY: ownership.MANAGED_BY_VALUE,
            LOCK_KEY: NO_SCOPE if self.scope is None else self.scope,
            HOLDER_KEY: self.holder, STARTED_KEY: self._started, EXPIRES_KEY: str(expires),
            RUN_KEY: self.run, ATTEMPT_KEY: str(self._attempt), COMMAND_KEY: self.command,
            RENEWED_KEY: str(int(self.server.now())),
            STATE_KEY: "held" if held else "contending", VERSION_KEY: __version__}
        return {key: value[:512] for key, value in values.items()}

    def _expiry(self) -> int:
        return math.ceil(self.server.now() + self.ttl)

    # --- holding -------------------------------------------------------------------------

    def _hold(self, mine: LockInfo) -> LockInfo | None:
        """Hold through `mine`: say so on it and start renewing it (None: it is gone)."""
        with self._mutex:
            self.info = mine
        self._lost = None
        try:
            self._renew(mine)
        except NotFoundError:
            with self._mutex:
                self.info = None
            return None
        except TransientError:
            pass  # the first renewal says it again
        self._renewer = Renewer(self)  # one of an earlier hold keeps its own, stopped
        self._renewer.start()
        assert self.info is not None
        return self.info

    def lose(self, why: str) -> None:
        """The renewer says the lock is lost: no write starts any more."""
        self._lost = why
        if self.on_lost is not None:
            self.on_lost()

    def _renew(self, info: LockInfo) -> None:
        expires = self._expiry()
        metadata = self._metadata(expires)
        self.store.update(info.id, metadata)
        with self._mutex:
            if self.info is info:  # not released meanwhile
                self.info = replace(info, expires=expires, held=True)

    def _past_margin(self, info: LockInfo) -> bool:
        """Whether others may soon count the lock as expired (ttl/3 allowed for skew)."""
        return self.server.now() >= info.expires - self.ttl / 3

    @property
    def lost(self) -> bool:
        """Whether the lock, once held, was lost (the caller must start no more writes)."""
        info = self.info
        return self._lost is not None or (info is not None and self._past_margin(info))

    def check(self) -> None:
        """Raise `LockLostError` unless the lock is still held."""
        info = self.info
        if info is None:
            raise LockLostError("the apply lock is not held; no change was started")
        if self.lost:
            reason = self._lost or "renewing it has not succeeded in time"
            raise LockLostError(
                f"the apply lock {info.id} was lost: {reason}; no further change is started",
                hint="another apply may be running: check with `reconciler lock status`, "
                     "then run plan again")

    def verify(self) -> str | None:
        """Before a batch of writes: read the lock object (one GET) and say why no write may
        start any more (None: still held by this run). A read that fails transiently is no
        proof of loss: renewal's margin covers it."""
        info = self.info
        if info is None:
            return "the apply lock is not held"
        if self.lost:
            return f"the apply lock {info.id} was lost: {self._lost or 'renewal failed'}"
        try:
            raw = self.store.retrieve(info.id)
        except NotFoundError:
            return self._lose(info, "its object was deleted (force-unlock, or judged expired "
                                    "by another run)")
        except ProviderError:
            return None
        live = LockInfo.from_store(raw)
        if live is None or live.run != self.run:
            return self._lose(info, "its object is no longer this run's")
        return None

    def _lose(self, info: LockInfo, why: str) -> str:
        if self.info is info and self._lost is None:
            self.lose(why)
        return f"the apply lock {info.id} was lost: {why}"

    def release(self) -> None:
        """Stop renewing and delete the lock object (one already gone is fine)."""
        with self._mutex:
            info, self.info = self.info, None
        if info is None:
            return
        renewer = self._renewer
        if renewer is not None:
            renewer.stop.set()
        try:
            _delete(self.store, info.id, tries=RELEASE_TRIES, pause=self.sleep)
        except ProviderError as exc:
            raise ReconcilerError(
                f"could not release the apply lock {info.id}: {exc.message}",
                hint=f"it expires by itself within {self.ttl:.0f} s, or: "
                     f"reconciler force-unlock {info.id}") from exc
        finally:
            if renewer is not None:
                renewer.join(timeout=1.0)

    def __enter__(self) -> ApplyLock:
        """Acquire; the block gets this lock (call `check()` before each write)."""
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self.release()
        except ReconcilerError:
            if error is None:
                raise  # else the original error matters more; the lock expires anyway


class Renewer:
    """What keeps a held lock alive, apart from the algorithm: a thread that pushes its
    expiry forward every ttl/3 (sooner again after a failure), and tells the lock it is lost
    when its object is gone or renewing failed until it nearly expired."""

    def __init__(self, lock: ApplyLock) -> None:
        self.lock = lock
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="apply-lock-renewer",
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float) -> None:
        if self.thread is not threading.current_thread() and self.thread.is_alive():
            self.thread.join(timeout=timeout)

    def _run(self) -> None:
        lock, ttl = self.lock, self.lock.ttl
        first = lock.info
        pause = 0.0 if first is None else max(0.0, first.expires - 2 * ttl / 3
                                              - lock.server.now())
        while not self.stop.wait(pause):
            info = lock.info
            if info is None:
                return
            try:
                lock._renew(info)
                pause = ttl / 3
                continue
            except NotFoundError:
                lost = "its object was deleted (force-unlock, or expired for another run)"
            except ProviderError as exc:
                pause = ttl / 15
                if not lock._past_margin(info):
                    continue
                lost = f"renewing it failed until it nearly expired ({exc.message})"
            if not self.stop.is_set():  # released meanwhile: nothing was lost
                lock.lose(lost)
            return
