"""`reconciler plan` and `reconciler apply`."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
import openai

from reconciler.apply.executor import Executor, Outcome
from reconciler.apply.retry import RetryPolicy
from reconciler.commands.connecting import connect, connection_options
from reconciler.commands.context import AppContext
from reconciler.connection import Connection
from reconciler.console import echo
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.kinds.file.provider import FileProvider
from reconciler.kinds.vector_store.provider import VectorStoreProvider
from reconciler.outputs import check_file
from reconciler.pipeline import Planned, Sources, load_desired, make_plan, providers_for, read_live
from reconciler.plan import saved
from reconciler.plan.model import Action, Plan
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import plan as render_plan
from reconciler.render.plan import human_bytes
from reconciler.repofiles.boundary import ProjectRoot
from reconciler.repofiles.sync import FileSync, Progress
from reconciler.settings import Settings

DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.REPLACE: "replaced",
        Action.DELETE: "deleted"}


F = TypeVar("F", bound=Callable[..., Any])


def selection_options(function: F) -> F:
    """--target, --replace, --no-delete, --allow-mass-delete."""
    for option in reversed([
        click.option("--target", "targets", multiple=True, metavar="KIND/NAME",
                     help="Only this resource (repeatable), e.g. Assistant/support-bot."),
        click.option("--replace", "replace", multiple=True, metavar="KIND/NAME",
                     help="Delete and re-create this resource even if it is in sync."),
        click.option("--no-delete", is_flag=True,
                     help="Keep live objects whose manifest was removed."),
        click.option("--allow-mass-delete", "allow_empty", is_flag=True,
                     help="Allow a plan with no manifests at all, which deletes every "
                          "managed object (refused by default: usually a wrong path)."),
    ]):
        function = option(function)
    return function


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@selection_options
@click.option("--format", "fmt", type=click.Choice(render_plan.FORMATS), default="text",
              show_default=True, help="text for people, json for tools, markdown for a PR.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the plan (JSON) for `reconciler apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@connection_options
@click.pass_obj
def plan(app: AppContext, paths: tuple[str, ...], targets: tuple[str, ...],
         replace: tuple[str, ...], no_delete: bool, allow_empty: bool, fmt: str,
         out: Path | None, detailed_exitcode: bool, base_url: str | None, organization: str | None,
         project: str | None) -> None:
    """Show what apply would change: compare the manifests with the live account.

    Reads every live vector store, assistant and agent (100 per request) and sends no
    write. Repository files are hashed: a store's files are listed only when its recorded
    digest differs from the declared files, and the plan lists each file to upload,
    replace, rename or delete with its size. Objects the reconciler did not create are
    never changed; they are counted and can be imported.

    \b
    Examples:
      reconciler plan
      reconciler plan --target Agent/support-agent --detailed-exitcode
      reconciler plan --format markdown > plan.md     # a pull-request comment
      reconciler plan --out plan.json && reconciler apply plan.json
    """
    if out is not None:
        check_file(out, "--out")
    connection = connect(app, base_url, organization, project)
    try:
        planned = make_plan(app.settings(), connection, Sources.over(connection.client()),
                            paths, targets=targets, replace=replace, no_delete=no_delete,
                            allow_empty=allow_empty)
    except ManifestError as error:
        if fmt == "json":  # the problems, each where it is, as `validate --format json` has
            echo(render_diagnostics.render_json(error.diagnostics, files=0, documents=0))
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
@click.option("--retry-timeout", type=click.FloatRange(0), default=120.0, show_default=True,
              help="Seconds during which failed calls (429, 5xx, dropped) are retried.")
@click.option("--index-timeout", type=click.FloatRange(0), default=900.0, show_default=True,
              help="Seconds to wait for vector store files to finish indexing; files still "
                   "in progress after it make apply fail (exit 1).")
@connection_options
@click.pass_obj
def apply(app: AppContext, paths: tuple[str, ...], targets: tuple[str, ...],
          replace: tuple[str, ...], no_delete: bool, allow_empty: bool, auto_approve: bool,
          parallelism: int,
          retry_timeout: float, index_timeout: float, base_url: str | None,
          organization: str | None, project: str | None) -> None:
    """Make the live account match the manifests.

    Computes the plan, shows it and asks for confirmation (type `yes`); with --auto-approve
    it does not ask, and without a terminal it refuses unless --auto-approve is given.
    Given one FILE ending in .json (saved by `plan --out`), applies exactly that plan
    without asking, after checking that neither the manifests nor the live objects it
    touches changed since.

    Vector store files are uploaded in parallel, streamed from disk (progress on a
    terminal), attached in batches, and waited for until indexed (--index-timeout). Files
    that fail to index are reported with the API's error and make apply exit 1.

    \b
    Examples:
      reconciler apply
      reconciler apply --auto-approve --parallelism 8
      reconciler apply plan.json
    """
    stop = threading.Event()
    retry = RetryPolicy(total=retry_timeout, stop=stop)
    connection = connect(app, base_url, organization, project)
    client = connection.client(parallelism=parallelism, retry=retry)
    settings = app.settings()
    if len(paths) == 1 and paths[0].endswith(".json"):
        chosen = _saved_plan(app, settings, connection, client, Path(paths[0]))
    else:
        planned = make_plan(settings, connection, Sources.over(client), paths, targets=targets,
                            replace=replace, no_delete=no_delete, allow_empty=allow_empty)
        chosen = planned.plan
        check_local_files(chosen, ProjectRoot.at(settings.project_root(paths)))
        echo(render_plan.render_text(chosen, color=app.color))
        if not chosen.has_changes:
            return
        _confirm(connection, auto_approve)
    summary = chosen.summary()
    progress = Progress(summary.upload_files, summary.upload_bytes,
                        _ProgressLine() if sys.stderr.isatty() else None)
    files = FileSync(VectorStoreProvider(client), FileProvider(client), retry=retry,
                     parallelism=parallelism, index_timeout=index_timeout, progress=progress)
    executor = Executor(providers_for(client), parallelism=parallelism, retry=retry,
                        listener=_Printer(len(chosen.changes), app.color), files=files)
    with _interruptible(stop):
        outcomes = executor.run(chosen)
    _finish(outcomes, interrupted=stop.is_set())


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


class _ProgressLine:
    """Upload progress on one terminal line (stderr), at most ten times a second."""

    def __init__(self) -> None:
        self.shown = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        complete = progress.files_done == progress.files_total
        if now - self.shown < 0.1 and not complete:
            return
        self.shown = now
        echo(f"\ruploading: {progress.files_done}/{progress.files_total} files, "
             f"{human_bytes(progress.bytes_done)} of {human_bytes(progress.bytes_total)}"
             + ("\n" if complete else ""), nl=False, err=True)


def _saved_plan(app: AppContext, settings: Settings, connection: Connection,
                client: openai.OpenAI, path: Path) -> Plan:
    chosen = saved.load(path)
    check_local_files(chosen, ProjectRoot.at(settings.project_root()))
    manifests = load_desired(settings, (), allow_empty=True)  # as checked at plan
    live = read_live(Sources.over(client))
    reasons = saved.stale_reasons(chosen, manifests.resources, live.objects,
                                  endpoint=connection.base_url)
    if reasons:
        raise saved.StalePlanError(reasons)
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


def _finish(outcomes: Sequence[Outcome], *, interrupted: bool = False) -> None:
    failed = [o for o in outcomes if not o.ok]
    counts = {verb: sum(1 for o in outcomes if o.ok and DONE[o.change.action] == verb)
              for verb in ("created", "updated", "replaced", "deleted")}
    done = ", ".join(f"{n} {verb}" for verb, n in counts.items())
    if interrupted:
        echo(f"\nApply interrupted: {len(outcomes) - len(failed)} of {len(outcomes)} changes "
             f"done ({done}); not done:", err=True)
        for outcome in failed:
            echo(f"  {outcome.change.address}: {outcome.error}", err=True)
        echo("Run apply again to converge.", err=True)
        click.get_current_context().exit(ExitCode.INTERRUPTED)
    if failed:
        echo(f"\nApply incomplete: {len(failed)} of {len(outcomes)} changes failed "
             f"({done}). Run apply again to converge.", err=True)
        click.get_current_context().exit(ExitCode.ERROR)
    echo(f"\nApply complete: {done}.")


__all__ = ["apply", "plan", "Planned"]
