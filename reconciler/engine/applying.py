"""The apply workflow, one entry point (`apply`) returning a typed result: plan, refuse what
must be refused (no scope against a remote API, files outside the project, a mass delete, a
stale saved plan), ask, take the scope's lock, plan again under it and compare, run the
changes (files synced, retried, interruptible), and say what was done.

It prints nothing and exits nothing: what a person sees (the plan, the question, one line a
change, progress) goes through the `ApplyView` the caller gives, and the exit code is the
caller's, from `ApplyResult`. `reconciler apply` is one caller; a dashboard or a library
could be another.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from reconciler.apply.executor import Executor, Outcome
from reconciler.apply.filesync import FileSync, Progress
from reconciler.boundary import ProjectRoot
from reconciler.connection import Connection
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.kinds.file.provider import FileProvider
from reconciler.kinds.vector_store.provider import VectorStoreProvider
from reconciler.pipeline import Planned, Selection, Sources, make_plan, providers_for
from reconciler.plan import saved
from reconciler.plan.model import Plan
from reconciler.provider.retry import RetryPolicy
from reconciler.settings import Settings


@dataclass(frozen=True)
class ApplyOptions:
    """How to apply: the command line's choices."""

    paths: tuple[str, ...] = ()
    saved_plan: Path | None = None
    """A plan saved by `plan --out`: applied only if planning again gives exactly it."""
    selection: Selection = Selection()
    allow_mass_delete: bool = False
    auto_approve: bool = False
    parallelism: int = 4
    retry_timeout: float = 120.0
    index_timeout: float = 900.0
    lock_timeout: float = 0.0


class ApplyView(Protocol):
    """What a person sees and answers while an apply runs."""

    def plan(self, plan: Plan, *, replanned: bool) -> None:
        """Show the plan to be applied (`replanned`: made again under the lock, different)."""

    def confirm(self, connection: Connection) -> None:
        """Ask; raise a ReconcilerError when the answer is not yes."""

    def waiting(self, holder: Any) -> None:
        """Another apply holds the lock."""

    def outcome(self, outcome: Outcome, total: int) -> None:
        """One change finished."""

    def progress(self, files: int, size: int) -> tuple[Callable[..., None], Any]:
        """Upload progress: the callback for `Progress`, and a context manager to hold
        while changes run (None: nothing to hold)."""

    def interrupted(self, again: bool) -> None:
        """Ctrl-C: the first stops new work, the second (`again`) exits at once."""


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did."""

    outcomes: tuple[Outcome, ...] = ()
    stopped: str | None = None
    """Why it stopped early: `interrupted`, or the lock was lost (None: it ran to the end)."""
    plan: Plan | None = None
    """What was applied (None: nothing to do)."""

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def exit_code(self) -> ExitCode:
        if self.stopped == "interrupted":
            return ExitCode.INTERRUPTED
        return ExitCode.ERROR if self.stopped or self.failed else ExitCode.OK


def apply(settings: Settings, connection: Connection, options: ApplyOptions,
          view: ApplyView) -> ApplyResult:
    """Make the live account match the manifests (see the module's docstring)."""
    from reconciler.lock import ApplyLock

    stop = threading.Event()
    retry = RetryPolicy(total=options.retry_timeout, stop=stop)
    check_scope(settings, connection)
    client = connection.client(parallelism=options.parallelism, retry=retry)
    kept: Plan | None = None
    first: Planned | None = None
    if options.saved_plan is not None:
        kept = load_saved(settings, options.saved_plan)
        # a stale plan is refused before the lock: nothing written
        verified_saved(settings, connection, client, kept, options.allow_mass_delete)
    else:
        first = make_plan(settings, connection, Sources.over(client), options.selection)
        check_local_files(first.plan, ProjectRoot.at(settings.project_root(options.paths)))
        view.plan(first.plan, replanned=False)
        refuse_mass_delete(first, options.allow_mass_delete)
        if not first.plan.has_changes:
            return ApplyResult()
        if not options.auto_approve:
            view.confirm(connection)
    with ApplyLock(client, settings.config.scope, timeout=options.lock_timeout,
                   on_wait=view.waiting, on_lost=stop.set) as lock:
        if kept is not None:
            chosen: Plan | None = verified_saved(settings, connection, client, kept,
                                                 options.allow_mass_delete)
            assert chosen is not None
            view.plan(chosen, replanned=False)
        else:
            assert first is not None
            chosen = _again(settings, connection, client, first, options, view)
        if chosen is None:
            return ApplyResult()
        lock.check()
        summary = chosen.summary()
        show, hold = view.progress(summary.upload_files, summary.upload_bytes)
        files = FileSync(VectorStoreProvider(client), FileProvider(client), retry=retry,
                         parallelism=options.parallelism, index_timeout=options.index_timeout,
                         progress=Progress(summary.upload_files, summary.upload_bytes, show),
                         scope=chosen.scope)
        total = len(chosen.changes)
        executor = Executor(providers_for(client), parallelism=options.parallelism,
                            retry=retry, listener=lambda o: view.outcome(o, total),
                            files=files, guard=lock.verify)
        with _interruptible(stop, view), contextlib.ExitStack() as stack:
            if hold is not None:
                stack.enter_context(hold)
            outcomes = executor.run(chosen)
        lost = lock.lost
    if lost:  # the renewing thread set `stop`: nothing new started since
        return ApplyResult(tuple(outcomes), "the apply lock was lost (see `reconciler lock "
                                            "status`)", chosen)
    return ApplyResult(tuple(outcomes), "interrupted" if stop.is_set() else None, chosen)


def _again(settings: Settings, connection: Connection, client: Any, first: Planned,
           options: ApplyOptions, view: ApplyView) -> Plan | None:
    """The plan made again under the lock (another apply may have run since the first):
    the same changes, or with auto-approve the new ones, shown; after a question, a
    difference is refused, as nobody approved it. None: nothing left to do."""
    again = make_plan(settings, connection, Sources.over(client), Selection.of(first.plan))
    if again.plan.changes_digest() == first.plan.changes_digest():
        return again.plan
    if not options.auto_approve:
        raise ReconcilerError("the live state changed while you were asked (another apply?): "
                              "the changes you approved are not the ones to make now; "
                              "nothing was changed", hint="run apply again")
    view.plan(again.plan, replanned=True)
    check_local_files(again.plan, ProjectRoot.at(settings.project_root(first.plan.paths)))
    refuse_mass_delete(again, first.plan.allow_mass_delete)
    return again.plan if again.plan.has_changes else None


def check_scope(settings: Settings, connection: Connection) -> None:
    """A scope is required before applying to an API that is not on this machine: without
    one, two repositories sharing an OpenAI project would delete each other's objects."""
    if settings.config.scope is None and not connection.is_local:
        where = settings.path.name if settings.path else "reconciler.yaml"
        raise ReconcilerError(
            f"no scope: {where} must set `scope:` before applying to {connection.base_url}",
            hint="add e.g. `scope: support-prod` (lower-case letters, digits, dashes): it "
                 "marks every object this project owns, so other repositories sharing the "
                 "OpenAI project never touch them; see docs/team.md")


def refuse_mass_delete(planned: Planned, allowed: bool) -> None:
    """Refuse a plan that deletes too much, unless this apply's command line allows it (a
    saved plan's own `allow_mass_delete` is never enough: the file may be edited)."""
    if planned.mass_delete and not allowed:
        raise ReconcilerError(f"apply refused: {planned.mass_delete}; nothing was changed",
                              hint="check the PATHS and manifests; if it is meant, pass "
                                   "--allow-mass-delete")


@contextlib.contextmanager
def _interruptible(stop: threading.Event, view: ApplyView) -> Iterator[None]:
    """While changes run, the first Ctrl-C sets `stop` (nothing new starts; what is in flight
    finishes, then apply reports); a second exits at once."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            view.interrupted(again=True)
            os._exit(ExitCode.INTERRUPTED)
        stop.set()
        view.interrupted(again=False)

    try:
        previous = signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread (a library caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def load_saved(settings: Settings, path: Path) -> Plan:
    """A saved plan, checked before any request: the files it names (said first: the most
    telling refusal of a plan edited to read a file), its digest, its scope."""
    chosen = saved.load(path, check_digest=False)
    root = ProjectRoot.at(settings.root)
    outside = [p for p in chosen.paths if not root.contains(p)]
    if outside:
        raise ReconcilerError(f"{path} names PATHS outside the project ({', '.join(outside)}); "
                              "nothing was changed", hint="make a new plan inside the project: "
                                                          "reconciler plan --out FILE")
    check_local_files(chosen, root)
    saved.verify_digest(chosen, path)
    if chosen.environment != settings.environment:
        made = f"environment {chosen.environment}" if chosen.environment else "no environment"
        asked = (f"environment {settings.environment}" if settings.environment
                 else "no environment")
        raise ReconcilerError(f"{path} was made for {made} (at {chosen.endpoint}); you asked "
                              f"for {asked}; nothing was changed",
                              hint="apply it without --env (it takes the plan's), or make a "
                                   "plan in that environment: reconciler --env NAME plan "
                                   "--out FILE")
    if chosen.scope != settings.config.scope:
        raise saved.StalePlanError([f"the plan was made for scope {chosen.scope or '(none)'}, "
                                    f"reconciler.yaml now says {settings.config.scope}"])
    return chosen


def verified_saved(settings: Settings, connection: Connection, client: Any, chosen: Plan,
                   allow_mass_delete: bool) -> Plan:
    """The saved plan, once planning again with its options gives exactly it (checked
    before the lock is taken, so a stale plan writes nothing, and again under it)."""
    again = make_plan(settings, connection, Sources.over(client), Selection.of(chosen))
    saved.verify(chosen, again.plan, again.manifests.resources, again.live.objects,
                 endpoint=connection.base_url)
    refuse_mass_delete(again, allow_mass_delete)
    return chosen


def check_local_files(plan: Plan, root: ProjectRoot) -> None:
    """Refuse a plan that would read a file outside the project, before anything is read."""
    refused = [refusal for change in plan.changes for file in change.files
               if file.local is not None
               and (refusal := root.refusal(Path(file.local), file.local)) is not None]
    if refused:
        raise ReconcilerError(
            "the plan names local files that may not be read; nothing was changed:\n  - "
            + "\n  - ".join(f"{r.path} {r.reason}" for r in refused),
            hint="only files inside the project are uploaded; make a new plan with "
                 "`reconciler plan --out FILE`")


__all__ = ["ApplyOptions", "ApplyResult", "ApplyView", "apply", "check_local_files"]
