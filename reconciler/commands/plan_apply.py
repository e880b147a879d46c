"""`reconciler plan` and `reconciler apply`."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
import openai

from reconciler.apply.executor import Executor, Outcome
from reconciler.apply.filesync import FileSync, Progress
from reconciler.boundary import ProjectRoot
from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.connection import Connection
from reconciler.console import echo
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.kinds.file.provider import FileProvider
from reconciler.kinds.vector_store.provider import VectorStoreProvider
from reconciler.outputs import check_file
from reconciler.pipeline import Planned, Selection, Sources, make_plan, providers_for
from reconciler.plan import saved
from reconciler.plan.model import Action, Plan
from reconciler.provider.retry import RetryPolicy
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import plan as render_plan
from reconciler.render import progress as progress_display
from reconciler.render.plan import human_bytes
from reconciler.settings import Settings

DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.REPLACE: "replaced",
        Action.DELETE: "deleted"}


F = TypeVar("F", bound=Callable[..., Any])


class AddressParam(click.ParamType[str]):
    """KIND/NAME with the kind in any case (`assistant/helper`); an unknown kind is refused
    with the kinds as they are spelled and the closest one. Unknown names are found by the
    plan, which knows them (`unknown-address`, with "did you mean")."""

    name = "KIND/NAME"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from reconciler import kinds
        from reconciler.manifests.structure import did_you_mean

        kind, slash, name = str(value).partition("/")
        known = kinds.names(kinds.LIVE)
        found = next((k for k in known if k.lower() == kind.lower()), None)
        if not slash or not name:
            self.fail(f"'{value}' is not KIND/NAME, e.g. Assistant/support-bot", param, ctx)
        if found is None:
            hint = did_you_mean(kind, known)
            self.fail(f"'{kind}' is not a kind: {', '.join(known)}"
                      + (f"; {hint}" if hint else ""), param, ctx)
        return f"{found}/{name}"


def selection_options(function: F) -> F:
    """--target, --replace, --no-delete, --prune, --allow-mass-delete."""
    for option in reversed([
        click.option("--target", "targets", multiple=True, type=AddressParam(),
                     help="Only this resource (repeatable), e.g. Assistant/support-bot."),
        click.option("--replace", "replace", multiple=True, type=AddressParam(),
                     help="Delete and re-create this resource even if it is in sync."),
        click.option("--no-delete", is_flag=True,
                     help="Keep live objects whose manifest was removed."),
        click.option("--prune", is_flag=True,
                     help="With PATHS: also delete managed objects they do not declare "
                          "(without it, PATHS other than the configured manifests never "
                          "delete)."),
        click.option("--allow-mass-delete", is_flag=True,
                     help="Allow a plan that deletes every managed object of the scope, or "
                          "more than prune.max_delete_percent (default 50%) of them, or that "
                          "has no manifests at all (refused by default: usually a wrong "
                          "path)."),
    ]):
        function = option(function)
    return function


def _selection(paths: Sequence[str], targets: Sequence[str], replace: Sequence[str],
               no_delete: bool, prune: bool, allow_mass_delete: bool,
               refresh: str = "auto") -> Selection:
    return Selection(paths=tuple(paths), targets=tuple(targets), replace=tuple(replace),
                     no_delete=no_delete, prune=prune, allow_mass_delete=allow_mass_delete,
                     refresh_full=refresh == "full")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@selection_options
@click.option("--refresh", type=click.Choice(["auto", "full"]), default="auto",
              show_default=True,
              help="full: list every managed store's files and check each upload, even where "
                   "the recorded digest says in sync (for a scheduled drift check).")
@click.option("--format", "fmt", type=click.Choice(render_plan.FORMATS), default="text",
              show_default=True, help="text for people, json for tools, markdown for a PR.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the plan (JSON) for `reconciler apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@retry_option
@connection_options
@click.pass_obj
def plan(app: AppContext, paths: tuple[str, ...], targets: tuple[str, ...],
         replace: tuple[str, ...], no_delete: bool, prune: bool, allow_mass_delete: bool,
         refresh: str, fmt: str, out: Path | None, detailed_exitcode: bool,
         retry_timeout: float, base_url: str | None, organization: str | None,
         project: str | None, emulator: bool) -> None:
    """Show what apply would change: compare the manifests with the live account.

    Reads every live vector store, assistant and agent (100 per request) and sends no
    write. Repository files are hashed: a store's files are listed only when its recorded
    digest differs from the declared files (or with --refresh=full), and the plan lists each
    file to upload, replace, rename or delete with its size. Objects the reconciler did not
    create are never changed; they are counted and can be imported. Objects of another
    scope (reconciler.yaml `scope:`) are listed and never touched.

    Given PATHS other than the configured manifests, the plan deletes nothing they do not
    declare unless --prune is given. A plan that deletes every managed object, or more than
    prune.max_delete_percent of them, is shown with a warning and refused by apply unless
    --allow-mass-delete.

    \b
    Examples:
      reconciler plan
      reconciler plan --target Agent/support-agent --detailed-exitcode
      reconciler plan --format markdown > plan.md     # a pull-request comment
      reconciler plan --out plan.json && reconciler apply plan.json
      reconciler plan --refresh=full --detailed-exitcode   # nightly drift check
    """
    if out is not None:
        check_file(out, "--out")
    connection = connect(app, base_url, organization, project, emulator=emulator)
    retry = RetryPolicy(total=retry_timeout)
    selection = _selection(paths, targets, replace, no_delete, prune, allow_mass_delete,
                           refresh)
    try:
        planned = make_plan(app.settings(), connection,
                            Sources.over(connection.client(retry=retry)), selection)
    except ManifestError as error:
        if fmt == "json":  # the problems, each where it is, as `validate --format json` has
            echo(render_diagnostics.render_json(error.diagnostics, files=0, documents=0))
        if fmt == "markdown":  # a comment that says why there is no plan
            echo(render_diagnostics.render_markdown(error.diagnostics, str(error)))
        raise
    echo(render_plan.render(planned.plan, fmt, color=app.color))
    if out is not None:
        saved.save(planned.plan, out)
        echo(f"Saved the plan to {out}; apply it with: reconciler apply {out}", err=True)
    if detailed_exitcode and planned.plan.has_changes:
        click.get_current_context().exit(ExitCode.CHANGES)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@selection_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--parallelism", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Changes applied at once.")
@retry_option
@click.option("--index-timeout", type=click.FloatRange(0), default=900.0, show_default=True,
              help="Seconds to wait for vector store files to finish indexing; files still "
                   "in progress after it make apply fail (exit 1).")
@click.option("--lock-timeout", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Seconds to wait for another apply of this scope to finish (0: fail at "
                   "once when one holds the lock).")
@connection_options
@click.pass_obj
def apply(app: AppContext, paths: tuple[str, ...], targets: tuple[str, ...],
          replace: tuple[str, ...], no_delete: bool, prune: bool, allow_mass_delete: bool,
          auto_approve: bool, parallelism: int, retry_timeout: float, index_timeout: float,
          lock_timeout: float, base_url: str | None, organization: str | None,
          project: str | None, emulator: bool) -> None:
    """Make the live account match the manifests.

    Takes the scope's apply lock (another apply of the scope makes this one wait up to
    --lock-timeout, then fail), computes the plan, shows it and asks for confirmation (type
    `yes`); with --auto-approve it does not ask, and without a terminal it refuses unless
    --auto-approve is given. Given one FILE ending in .json (saved by `plan --out`), it
    plans again with the same options and applies only if the result is exactly the saved
    plan (every change, body and file), without asking.

    Vector store files are uploaded in parallel, streamed from disk (progress on a
    terminal), attached in batches, and waited for until indexed (--index-timeout). Files
    that fail to index are reported with the API's error and make apply exit 1. Before each
    update and delete the object is read again: one whose marks changed is not touched.

    \b
    Examples:
      reconciler apply
      reconciler apply --auto-approve --parallelism 8 --lock-timeout 600
      reconciler apply plan.json
    """
    from reconciler.lock import ApplyLock

    stop = threading.Event()
    retry = RetryPolicy(total=retry_timeout, stop=stop)
    connection = connect(app, base_url, organization, project, emulator=emulator)
    settings = app.settings()
    _check_scope(settings, connection)
    client = connection.client(parallelism=parallelism, retry=retry)
    selection = _selection(paths, targets, replace, no_delete, prune, allow_mass_delete)
    saved_plan = Path(paths[0]) if len(paths) == 1 and paths[0].endswith(".json") else None
    if saved_plan:
        given = [flag for flag, value in (("--target", targets), ("--replace", replace),
                                          ("--no-delete", no_delete), ("--prune", prune))
                 if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} cannot be given with a saved plan: it "
                                   "records the options it was made with")
        kept = _load_saved(settings, saved_plan)
        _saved_plan(app, settings, connection, client, kept, allow_mass_delete,
                    show=False)  # a stale plan is refused before the lock: nothing written
    else:
        first = make_plan(settings, connection, Sources.over(client), selection)
        check_local_files(first.plan, ProjectRoot.at(settings.project_root(paths)))
        echo(render_plan.render_text(first.plan, color=app.color))
        _refuse_mass_delete(first, allow_mass_delete)
        if not first.plan.has_changes:
            return
        _confirm(connection, auto_approve)
    with ApplyLock(client, settings.config.scope, timeout=lock_timeout, on_wait=_waiting,
                   on_lost=stop.set) as lock:
        chosen = (_saved_plan(app, settings, connection, client, kept, allow_mass_delete)
                  if saved_plan else _again(app, settings, connection, client, first,
                                            auto_approve))
        if chosen is None:
            return
        lock.check()
        summary = chosen.summary()
        show = progress_display.for_stderr()
        progress = Progress(summary.upload_files, summary.upload_bytes, show)
        files = FileSync(VectorStoreProvider(client), FileProvider(client), retry=retry,
                         parallelism=parallelism, index_timeout=index_timeout,
                         progress=progress, scope=chosen.scope)
        executor = Executor(providers_for(client), parallelism=parallelism, retry=retry,
                            listener=_Printer(len(chosen.changes), app.color), files=files)
        with _interruptible(stop), contextlib.ExitStack() as stack:
            if isinstance(show, progress_display.Bars):
                stack.enter_context(show)
            outcomes = executor.run(chosen)
        lost = lock.lost
    if lost:  # the renewing thread set `stop`: nothing new started since
        _finish(outcomes, stopped="the apply lock was lost (see `reconciler lock status`)")
    _finish(outcomes, stopped="interrupted" if stop.is_set() else None)


def _again(app: AppContext, settings: Settings, connection: Connection,
           client: openai.OpenAI, first: Planned, auto_approve: bool) -> Plan | None:
    """The plan made again under the lock (another apply may have run since the first):
    the same changes, or with --auto-approve the new ones, shown; after a question, a
    difference is refused, as nobody approved it. None: nothing left to do."""
    again = make_plan(settings, connection, Sources.over(client), Selection.of(first.plan))
    if again.plan.changes_digest() == first.plan.changes_digest():
        return again.plan
    if not auto_approve:
        raise ReconcilerError("the live state changed while you were asked (another apply?): "
                              "the changes you approved are not the ones to make now; "
                              "nothing was changed", hint="run apply again")
    echo("The live state changed since this plan was made (another apply held the lock); "
         "planned again:", err=True)
    echo(render_plan.render_text(again.plan, color=app.color))
    check_local_files(again.plan, ProjectRoot.at(settings.project_root(first.plan.paths)))
    _refuse_mass_delete(again, first.plan.allow_mass_delete)
    return again.plan if again.plan.has_changes else None


def _waiting(holder: Any) -> None:
    echo(f"Waiting for the apply lock: {holder.describe()}", err=True)


def _check_scope(settings: Settings, connection: Connection) -> None:
    """A scope is required before applying to an API that is not on this machine: without
    one, two repositories sharing an OpenAI project would delete each other's objects."""
    if settings.config.scope is None and not connection.is_local:
        where = settings.path.name if settings.path else "reconciler.yaml"
        raise ReconcilerError(
            f"no scope: {where} must set `scope:` before applying to {connection.base_url}",
            hint="add e.g. `scope: support-prod` (lower-case letters, digits, dashes): it "
                 "marks every object this project owns, so other repositories sharing the "
                 "OpenAI project never touch them; see README, 'Working as a team'")


def _refuse_mass_delete(planned: Planned, allowed: bool) -> None:
    """Refuse a plan that deletes too much, unless this apply's command line allows it (a
    saved plan's own `allow_mass_delete` is never enough: the file may be edited)."""
    if planned.mass_delete and not allowed:
        raise ReconcilerError(f"apply refused: {planned.mass_delete}; nothing was changed",
                              hint="check the PATHS and manifests; if it is meant, pass "
                                   "--allow-mass-delete")


@contextlib.contextmanager
def _interruptible(stop: threading.Event) -> Iterator[None]:
    """While changes run, the first Ctrl-C sets `stop` (nothing new starts; what is in flight
    finishes, then apply reports and exits 130); a second exits at once."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            echo("\nInterrupted again: exiting now; requests in flight are abandoned. Run "
                 "plan to see what was applied.", err=True)
            sys.stdout.flush()
            os._exit(ExitCode.INTERRUPTED)
        stop.set()
        echo("\nInterrupted: no new change or upload starts; waiting for the requests in "
             "flight (Ctrl-C again to exit at once).", err=True)

    try:
        previous = signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread (a library caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _load_saved(settings: Settings, path: Path) -> Plan:
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
    if chosen.scope != settings.config.scope:
        raise saved.StalePlanError([f"the plan was made for scope {chosen.scope or '(none)'}, "
                                    f"reconciler.yaml now says {settings.config.scope}"])
    return chosen


def _saved_plan(app: AppContext, settings: Settings, connection: Connection,
                client: openai.OpenAI, chosen: Plan, allow_mass_delete: bool, *,
                show: bool = True) -> Plan:
    """The saved plan, once planning again with its options gives exactly it (checked
    before the lock is taken, so a stale plan writes nothing, and again under it)."""
    again = make_plan(settings, connection, Sources.over(client), Selection.of(chosen))
    saved.verify(chosen, again.plan, again.manifests.resources, again.live.objects,
                 endpoint=connection.base_url)
    _refuse_mass_delete(again, allow_mass_delete)
    if show:
        echo(render_plan.render_text(chosen, color=app.color))
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


def _confirm(connection: Connection, auto_approve: bool) -> None:
    if auto_approve:
        return
    if not interactive():
        raise ReconcilerError("apply asks for confirmation, but there is no terminal; "
                              "nothing was changed",
                              hint="review with `reconciler plan`, then `apply --auto-approve`")
    answer = click.prompt(f"\nApply these changes to {connection.describe()}? Only 'yes' is "
                          "accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ReconcilerError("apply cancelled; nothing was changed")


def interactive() -> bool:
    """Whether a person can answer the confirmation prompt."""
    return sys.stdin.isatty()


class _Printer:
    """One line per finished change, numbered on a terminal."""

    def __init__(self, total: int, color: bool) -> None:
        self.total = total
        self.color = color
        self.done = 0
        self.lock = threading.Lock()

    def __call__(self, outcome: Outcome) -> None:
        with self.lock:
            self.done += 1
            change = outcome.change
            counter = f"[{self.done}/{self.total}] " if sys.stdout.isatty() else ""
            if outcome.ok:
                note = " (found stored after a failed call; not sent again)" if (
                    outcome.recovered) else ""
                retries = f", {outcome.attempts} attempts" if outcome.attempts > 1 else ""
                sent = (f", {_count(outcome.uploaded_files, 'file')} uploaded "
                        f"({human_bytes(outcome.uploaded_bytes)})" if outcome.uploaded_files
                        else "")
                text = (f"{counter}{change.address}: {DONE[change.action]}"
                        f"{' ' + outcome.live_id if outcome.live_id else ''}"
                        f" ({outcome.seconds:.2f}s{retries}{sent}){note}")
                echo(click.style(text, fg="green") if self.color else text)
            else:
                text = f"{counter}{change.address}: FAILED: {outcome.error}"
                echo(click.style(text, fg="red") if self.color else text, err=True)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _finish(outcomes: Sequence[Outcome], *, stopped: str | None = None) -> None:
    failed = [o for o in outcomes if not o.ok]
    counts = {verb: sum(1 for o in outcomes if o.ok and DONE[o.change.action] == verb)
              for verb in ("created", "updated", "replaced", "deleted")}
    done = ", ".join(f"{n} {verb}" for verb, n in counts.items())
    if stopped:
        what = "interrupted" if stopped == "interrupted" else f"stopped ({stopped})"
        echo(f"\nApply {what}: {len(outcomes) - len(failed)} of {len(outcomes)} changes "
             f"done ({done}); not done:", err=True)
        for outcome in failed:
            echo(f"  {outcome.change.address}: {outcome.error}", err=True)
        echo("Run apply again to converge.", err=True)
        click.get_current_context().exit(
            ExitCode.INTERRUPTED if stopped == "interrupted" else ExitCode.ERROR)
    if failed:
        echo(f"\nApply incomplete: {len(failed)} of {len(outcomes)} changes failed "
             f"({done}). Run apply again to converge.", err=True)
        click.get_current_context().exit(ExitCode.ERROR)
    echo(f"\nApply complete: {done}.")


__all__ = ["apply", "plan", "Planned"]
