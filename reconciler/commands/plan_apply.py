"""`reconciler plan` and `reconciler apply`."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler import engine
from reconciler.apply.executor import Outcome
from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.commands.types import FiniteFloat
from reconciler.connection import Connection, NoConnectionError
from reconciler.console import echo
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.outputs import check_file
from reconciler.pipeline import Planned, Selection, Sources, declares_something, make_plan
from reconciler.plan import saved
from reconciler.plan.model import Action, Plan
from reconciler.provider.retry import RetryPolicy
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import plan as render_plan
from reconciler.render import progress as progress_display
from reconciler.render.plan import human_bytes

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


def _connect(app: AppContext, selection: Selection | None, base_url: str | None,
             organization: str | None, project: str | None, emulator: bool) -> Connection:
    """The connection; when none is set up at all (no key, no emulator), a project that has
    no manifests yet hears that first: it is the first thing to fix."""
    try:
        return connect(app, base_url, organization, project, emulator=emulator)
    except NoConnectionError:
        if selection is not None:
            declares_something(app.settings(), selection)
        raise


def _selection(paths: Sequence[str], targets: Sequence[str], replace: Sequence[str],
               no_delete: bool, prune: bool, allow_mass_delete: bool,
               refresh: str = "auto") -> Selection:
    return Selection(paths=tuple(paths), targets=tuple(targets), replace=tuple(replace),
                     no_delete=no_delete, prune=prune, allow_mass_delete=allow_mass_delete,
                     refresh_full=refresh == "full")


refresh_option = click.option(
    "--refresh", type=click.Choice(["auto", "full"]), default="auto", show_default=True,
    help="full: list every managed store's files and check each upload, even where the "
         "recorded digest says in sync (a drift check; `apply --refresh=full` heals what it "
         "finds).")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@selection_options
@refresh_option
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
    selection = _selection(paths, targets, replace, no_delete, prune, allow_mass_delete,
                           refresh)
    connection = _connect(app, selection, base_url, organization, project, emulator)
    retry = RetryPolicy(total=retry_timeout)
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
@refresh_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--parallelism", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Changes applied at once.")
@retry_option
@click.option("--index-timeout", type=FiniteFloat(0), default=900.0, show_default=True,
              help="Seconds to wait for vector store files to finish indexing; files still "
                   "in progress after it make apply fail (exit 1).")
@click.option("--lock-timeout", type=FiniteFloat(0), default=0.0, show_default=True,
              help="Seconds to wait for another apply of this scope to finish (0: fail at "
                   "once when one holds the lock).")
@connection_options
@click.pass_obj
def apply(app: AppContext, paths: tuple[str, ...], targets: tuple[str, ...],
          replace: tuple[str, ...], no_delete: bool, prune: bool, allow_mass_delete: bool,
          refresh: str, auto_approve: bool, parallelism: int, retry_timeout: float,
          index_timeout: float,
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
      reconciler apply --refresh=full     # heals what `reconciler drift` found
    """
    selection = _selection(paths, targets, replace, no_delete, prune, allow_mass_delete,
                           refresh)
    saved_plan = Path(paths[0]) if len(paths) == 1 and paths[0].endswith(".json") else None
    if saved_plan:
        given = [flag for flag, value in (("--target", targets), ("--replace", replace),
                                          ("--no-delete", no_delete), ("--prune", prune),
                                          ("--refresh=full", refresh == "full"))
                 if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} cannot be given with a saved plan: it "
                                   "records the options it was made with")
    if saved_plan is not None and not app.envs:  # a saved plan knows its environment
        made_in = saved.environment_of(saved_plan)
        if made_in is not None:
            app.envs = (made_in,)
    connection = _connect(app, None if saved_plan else selection, base_url, organization,
                          project, emulator)
    options = engine.ApplyOptions(
        paths=paths, saved_plan=saved_plan, selection=selection,
        allow_mass_delete=allow_mass_delete, auto_approve=auto_approve,
        parallelism=parallelism, retry_timeout=retry_timeout, index_timeout=index_timeout,
        lock_timeout=lock_timeout)
    result = engine.apply(app.settings(), connection, options, _Terminal(app.color))
    if result.plan is not None:
        _finish(result)


class _Terminal:
    """The apply as a terminal (or a CI log) shows it: the plan, the question, one line a
    change, progress bars or log lines."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.done = 0
        self.lock = threading.Lock()

    def plan(self, plan: Plan, *, replanned: bool) -> None:
        if replanned:
            echo("The live state changed since this plan was made (another apply held the "
                 "lock); planned again:", err=True)
        echo(render_plan.render_text(plan, color=self.color))

    def confirm(self, connection: Connection) -> None:
        _confirm(connection)

    def waiting(self, holder: Any) -> None:
        echo(f"Waiting for the apply lock: {holder.describe()}", err=True)

    def progress(self, files: int, size: int) -> tuple[Callable[..., None], Any]:
        show = progress_display.for_stderr()
        return show, show if isinstance(show, progress_display.Bars) else None

    def interrupted(self, again: bool) -> None:
        if again:
            echo("\nInterrupted again: exiting now; requests in flight are abandoned. Run "
                 "plan to see what was applied.", err=True)
            sys.stdout.flush()
        else:
            echo("\nInterrupted: no new change or upload starts; waiting for the requests in "
                 "flight (Ctrl-C again to exit at once).", err=True)

    def outcome(self, outcome: Outcome, total: int) -> None:
        """One line per finished change, numbered on a terminal."""
        with self.lock:
            self.done += 1
            change = outcome.change
            counter = f"[{self.done}/{total}] " if sys.stdout.isatty() else ""
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


def _confirm(connection: Connection) -> None:
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


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _finish(result: engine.ApplyResult) -> None:
    """Say what was done; exit with the result's code."""
    outcomes, stopped, failed = result.outcomes, result.stopped, result.failed
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
        click.get_current_context().exit(result.exit_code)
    if failed:
        echo(f"\nApply incomplete: {len(failed)} of {len(outcomes)} changes failed "
             f"({done}). Run apply again to converge.", err=True)
        click.get_current_context().exit(result.exit_code)
    echo(f"\nApply complete: {done}.")


__all__ = ["apply", "plan", "Planned"]
