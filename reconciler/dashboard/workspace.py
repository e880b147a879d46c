"""What the dashboard reads, per environment, and the in-memory cache that holds it.

A `Snapshot` is one read of an environment: its settings, connection, manifests, the
inventory (`inventory.take`, as `reconciler inventory`) and the plan (`make_plan`, as
`reconciler plan`; never applied). A problem at any step (an invalid reconciler.yaml or
manifest, an unreachable API) is kept on the snapshot and shown on the page: the server
keeps running. Snapshots are cached until the Refresh button drops them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import openai

from reconciler import clock, inventory, secrets, usage
from reconciler.connection import Connection
from reconciler.diagnostics import Diagnostic
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.manifests.project import ManifestSet
from reconciler.pipeline import (
    Planned,
    Sources,
    make_plan,
    present_manifests,
    read_live,
    valid,
)
from reconciler.provider import LiveState
from reconciler.provider.retry import RetryPolicy
from reconciler.settings import Settings, connection_of, load_settings

T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    """What `reconciler ui` was started with: the global options and the connection flags
    (they apply to every environment, as they would to each command)."""

    config: Path | None = None
    environment: str | None = None
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    emulator: bool = False
    retry_timeout: float = 10.0
    """Seconds during which failed reads are retried: short, a page is waiting."""


@dataclass(frozen=True)
class Problem:
    """A user error to show on a page: message, hint and, for invalid manifests, every
    diagnostic (file, line, column, field). Secrets are masked."""

    message: str
    hint: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()

    @classmethod
    def of(cls, error: ReconcilerError) -> Problem:
        found = tuple(error.diagnostics.sorted()) if isinstance(error, ManifestError) else ()
        return cls(secrets.redact(error.message),
                   secrets.redact(error.hint) if error.hint else None, found)

    @classmethod
    def of_api(cls, error: openai.OpenAIError) -> Problem:
        """An SDK error from a read that is not wrapped by a provider (sessions)."""
        status = getattr(error, "status_code", None)
        what = f"the API answered {status}" if status else "the API is not reachable"
        return cls(secrets.redact(f"{what}: {error}"[:300]))


@dataclass
class Snapshot:
    """One read of an environment, and what went wrong in it."""

    environment: str | None
    taken_at: dt.datetime
    settings: Settings | None = None
    connection: Connection | None = None
    manifests: ManifestSet | None = None
    """As `validate` loads them (with every diagnostic), read without the API."""
    inventory: inventory.Inventory | None = None
    planned: Planned | None = None
    problem: Problem | None = None
    """Nothing could be read (reconciler.yaml, the connection)."""
    live_problem: Problem | None = None
    """The live account could not be listed."""
    plan_problem: Problem | None = None
    client: Any = field(default=None, repr=False)
    usage: dict[dt.timedelta, _Window] = field(default_factory=dict)
    """Usage reports by window length, read when a page first needs one."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def problems(self) -> list[Problem]:
        """Every distinct problem, the first one first."""
        found: list[Problem] = []
        for problem in (self.problem, self.live_problem, self.plan_problem):
            if problem is not None and problem not in found:
                found.append(problem)
        return found


class UnknownEnvironment(ReconcilerError):
    """A page asked for an environment reconciler.yaml does not declare."""


class Workspace:
    """The environments of the project, each read once and cached until refreshed."""

    def __init__(self, options: Options, *, today: Callable[[], dt.date] = clock.today
                 ) -> None:
        self.options = options
        self.today = today
        self._snapshots: dict[str | None, Snapshot] = {}
        self._guard = threading.Lock()
        self._reading: dict[str | None, threading.Lock] = {}

    def environments(self) -> list[str]:
        """The environments reconciler.yaml declares (none: an empty list)."""
        try:
            return list(load_settings(self.options.config).config.environments)
        except ReconcilerError:
            return []

    def choose(self, requested: str | None) -> str | None:
        """The environment a page shows: the one asked for, else `--env`, else the first."""
        declared = self.environments()
        if not declared:
            return None
        if requested is None:
            chosen = self.options.environment
            return chosen if chosen in declared else declared[0]
        if requested not in declared:
            raise UnknownEnvironment(f"no environment '{requested}' in reconciler.yaml: "
                                     f"{', '.join(declared)}")
        return requested

    def snapshot(self, environment: str | None) -> Snapshot:
        """The cached read of `environment`, read now when there is none."""
        with self._guard:
            reading = self._reading.setdefault(environment, threading.Lock())
        with reading:  # one read at a time per environment; the others wait for it
            cached = self._snapshots.get(environment)
            if cached is None:
                cached = read(self.options, environment, self.today())
                self._snapshots[environment] = cached
            return cached

    def refresh(self, environment: str | None) -> None:
        """Forget the read of `environment`: the next page reads it again."""
        with self._guard:
            self._snapshots.pop(environment, None)

    def usage(self, snapshot: Snapshot, window: str) -> usage.Report | Problem:
        """The usage report of the managed agents over `window` (`30d`), as `reconciler
        usage --since WINDOW` makes it; read once per snapshot and window.

        Windows are bounded (`MAX_WINDOW`) and keyed by their length (`4w` is `28d`); at most
        `MAX_WINDOWS` are kept (the oldest goes), and each is read under its own lock, so a
        long read does not hold up the other pages."""
        span = usage.parse_window(window)
        if span > MAX_WINDOW:
            raise ReconcilerError(f"'{window}' reaches back more than {MAX_WINDOW.days} days",
                                  hint="the dashboard shows up to a year; `reconciler usage "
                                       "--since` reads any window")
        with snapshot.lock:
            entry = snapshot.usage.pop(span, None) or _Window()
            snapshot.usage[span] = entry  # the most recent last
            while len(snapshot.usage) > MAX_WINDOWS:
                snapshot.usage.pop(next(iter(snapshot.usage)))
        with entry.lock:
            if entry.report is None:
                entry.report = _read_usage(snapshot, span)
            return entry.report


def read(options: Options, environment: str | None, today: dt.date) -> Snapshot:
    """Read an environment: settings, connection, manifests, the live account once, then
    the inventory and the plan of it in parallel."""
    snapshot = Snapshot(environment, dt.datetime.now(dt.UTC))
    try:
        settings = load_settings(options.config).for_environment(environment)
        snapshot.settings = settings
        snapshot.manifests = present_manifests(settings, strict=False)  # as validate
        snapshot.connection = connect(options, settings)
    except ReconcilerError as exc:
        snapshot.problem = Problem.of(exc)
        return snapshot
    client = snapshot.connection.client(retry=RetryPolicy(total=options.retry_timeout))
    snapshot.client = client
    sources = Sources.over(client)
    endpoint = snapshot.connection.base_url
    with ThreadPoolExecutor(max_workers=2) as pool:
        live, snapshot.live_problem = _outcome(pool.submit(read_live, sources))
        if live is None:
            snapshot.plan_problem = snapshot.live_problem
            return snapshot
        # one listing for both; each gets its own state, as each changes it
        manifests = snapshot.manifests
        listed = pool.submit(lambda: inventory.of(settings, valid(manifests), _copy(live),
                                                  sources, endpoint))
        planned = pool.submit(make_plan, settings, snapshot.connection, sources, today=today,
                              live=_copy(live))
        snapshot.inventory, snapshot.live_problem = _outcome(listed)
        snapshot.planned, snapshot.plan_problem = _outcome(planned)
    return snapshot


def _copy(live: LiveState) -> LiveState:
    """A state of its own over the same (immutable) live objects."""
    return LiveState(list(live.objects), dict(live.models), dict(live.unsupported))


def connect(options: Options, settings: Settings) -> Connection:
    """The environment's connection, resolved as every command resolves it."""
    return connection_of(settings, options.base_url, options.organization, options.project,
                         emulator=options.emulator)


def _outcome(future: Future[T]) -> tuple[T, None] | tuple[None, Problem]:
    try:
        return future.result(), None
    except ReconcilerError as exc:
        return None, Problem.of(exc)
    except openai.OpenAIError as exc:
        return None, Problem.of_api(exc)


@dataclass
class _Window:
    """One window's usage report, and the lock its read holds."""

    report: usage.Report | Problem | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


MAX_WINDOW = dt.timedelta(days=366)
MAX_WINDOWS = 8


def _read_usage(snapshot: Snapshot, window: dt.timedelta) -> usage.Report | Problem:
    if snapshot.inventory is None or snapshot.client is None:
        return snapshot.live_problem or snapshot.problem or Problem("the live account was "
                                                                    "not read")
    try:
        agents = usage.managed_agents(snapshot.inventory.rows)
        return usage.collect(agents, catalog_of(snapshot.inventory.manifests), snapshot.client,
                             window)
    except ReconcilerError as exc:
        return Problem.of(exc)
    except openai.OpenAIError as exc:
        return Problem.of_api(exc)
