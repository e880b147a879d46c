"""`reconciler models sync`: keep the ModelCatalog manifest current."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler import clock
from reconciler.commands.connecting import (
    check_endpoint_flags,
    connect,
    connection_of,
    connection_options,
)
from reconciler.commands.context import AppContext
from reconciler.commands.types import FiniteFloat
from reconciler.console import echo
from reconciler.diagnostics import Diagnostics
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.manifests.loader import discover, display_path
from reconciler.models_sync import (
    cached_models,
    find_catalog_file,
    new_catalog_text,
    sync_text,
)
from reconciler.outputs import check_below, write_below
from reconciler.provider.sdk import call
from reconciler.usercache import private_cache

if TYPE_CHECKING:
    from reconciler.connection import Connection
    from reconciler.settings import Settings


@click.group()
def models() -> None:
    """The model catalog and the API's list of models."""


@models.command()
@click.option("--catalog", type=click.Path(dir_okay=False, path_type=Path),
              help="The ModelCatalog file (default: the one among the manifests; created if "
                   "it does not exist).")
@click.option("--check", is_flag=True,
              help="Change nothing; exit 2 if the catalog is out of date, 0 if current.")
@click.option("--refresh", is_flag=True, help="Ignore the cached model list.")
@click.option("--ttl", type=FiniteFloat(0), default=3600.0, show_default=True,
              help="Seconds a cached model list is used.")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Add the listed models matching this glob (repeatable), e.g. 'gpt-5*'; "
                   "without it no model is added.")
@connection_options
@click.pass_obj
def sync(app: AppContext, catalog: Path | None, check: bool, refresh: bool, ttl: float,
         include: tuple[str, ...], emulator: bool, base_url: str | None,
         organization: str | None,
         project: str | None) -> None:
    """Update the ModelCatalog manifest from the API's model list, in place.

    The catalog is an allow-list, so syncing never widens it on its own: a model the API
    lists that the catalog lacks is only reported, and added (with a dated comment) when an
    --include glob names it. Models the API no longer lists are marked `available: false`
    (never deleted); the API's shutdown dates are noted, and correct a different date the
    catalog has (the API's word wins); the replacement OpenAI names is noted where the
    catalog names none.
    Comments, key order and hand-filled facts (capabilities, context window, pricing,
    deprecation) are kept. The list is cached for --ttl seconds in the user's cache folder
    ($XDG_CACHE_HOME or ~/.cache, under assistants-reconciler/), never in the repository.

    \b
    Examples:
      reconciler models sync                    # mark, note, report new models
      reconciler models sync --check            # a CI gate: exit 2 when out of date
      reconciler models sync --include 'gpt-5*' --include o3 --refresh
    """
    settings = app.settings()
    connection = connect(app, base_url, organization, project, emulator=emulator)
    path = catalog or _find(settings.manifest_paths(), settings.root)
    exists = path.is_file()
    text = path.read_text(encoding="utf-8") if exists else new_catalog_text()
    client = connection.client()
    api_models = cached_models(
        lambda: [m.model_dump(mode="json", exclude_unset=True)
                 for m in call(lambda: client.models.list()).data],
        connection.base_url, private_cache(), ttl=ttl,
        refresh=refresh)
    updated, report = sync_text(text, api_models, today=clock.today(), include=include)
    shown = display_path(path)
    for line in report.lines():
        echo(f"  {line}")
    note = report.not_added_note()
    if note:
        echo(note)
    if not report.changed and exists:
        echo(f"{shown} is current ({len(api_models)} models listed by the API).")
        return
    if check:
        echo(f"{shown} does not exist; `reconciler models sync --catalog {shown}` creates it."
             if not exists else f"{shown} is out of date; run `reconciler models sync`.")
        click.get_current_context().exit(ExitCode.CHANGES)
    # a catalog found among the manifests came with the repository: write it through no link
    # out of the project; one named with --catalog is written where the caller said
    write_below(settings.root.resolve() if catalog is None else path.absolute().parent,
                path if catalog is None else path.absolute(), updated, overwrite=True)
    echo(f"{'updated' if exists else 'created'} {shown}: {len(report.added)} added, "
         f"{len(report.unavailable)} marked unavailable, {len(report.available_again)} "
         f"available again, {len(report.shutdown_noted)} shutdown dates noted, "
         f"{len(report.shutdown_corrected)} corrected, {len(report.replacement_noted)} "
         "replacements noted.")


def _find(paths: list[str], root: Path) -> Path:
    """The one catalog file among the manifests inside the project."""
    from reconciler.boundary import ProjectRoot

    diagnostics = Diagnostics()
    boundary = ProjectRoot.at(root)
    files = [f for f in discover([p for p in paths if Path(p).exists()],
                                 diagnostics=diagnostics, root=boundary)
             if boundary.contains(f)]
    found = find_catalog_file(files)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ReconcilerError("no ModelCatalog manifest among the manifests",
                              hint="create one: reconciler models sync --catalog "
                                   "manifests/models.yaml --include 'gpt-*'")
    raise ReconcilerError("several files hold a ModelCatalog: "
                          + ", ".join(display_path(p) for p in found),
                          hint="choose one with --catalog")


@models.command()
@click.option("--from", "from_models", multiple=True, metavar="MODEL",
              help="Move this model (repeatable; default: every model in use with an announced "
                   "shutdown).")
@click.option("--to", metavar="MODEL",
              help="Move onto this model (default: the replacement the catalog names, else "
                   "the one OpenAI's deprecations page names).")
@click.option("--write", is_flag=True,
              help="Edit the files in place (comments, quoting and layout kept).")
@click.option("--check", is_flag=True,
              help="Change nothing; exit 2 when a model in use should move, 0 when none.")
@click.option("--no-plan", is_flag=True,
              help="Do not read the API: no plan, and shutdown dates from the catalog and "
                   "this release's calendar only.")
@connection_options
@click.pass_obj
def upgrade(app: AppContext, from_models: tuple[str, ...], to: str | None, write: bool,
            check: bool, no_plan: bool, emulator: bool, base_url: str | None,
            organization: str | None, project: str | None) -> None:
    """Move every place a retiring model is set onto its replacement.

    Finds where each model is written, templates first (one edit moves every resource that
    inherits it), then Assistant and Agent manifests, then environment overrides in
    reconciler.yaml; proposes the replacement; flags settings the replacement does not
    accept (temperature on a reasoning model, a reasoning effort it does not offer); shows
    each file's diff, the price change, and the plan of every environment (or each --env)
    with the edits applied. Nothing is written without --write, and it never applies.

    \b
    Examples:
      reconciler models upgrade                          # every retiring model, a preview
      reconciler models upgrade --from gpt-5 --to gpt-6.1-sol --write
      reconciler --env prod models upgrade --no-plan     # offline, one environment
      reconciler models upgrade --check                  # a CI gate: exit 2 when due
    """
    if write and check:
        raise click.UsageError("--write and --check cannot be used together")
    code = run_upgrade(app, from_models=from_models, to=to, write=write, check=check,
                       plan=not no_plan, base_url=base_url, organization=organization,
                       project=project, emulator=emulator)
    if code:
        click.get_current_context().exit(code)


def run_upgrade(app: AppContext, *, from_models: tuple[str, ...], to: str | None, write: bool,
                check: bool, plan: bool, base_url: str | None, organization: str | None,
                project: str | None, emulator: bool) -> int:
    """Find, propose, flag, show and (with `write`) edit; the exit code."""
    from reconciler import upgrade
    from reconciler.retirement import Facts
    from reconciler.settings import load_manifests, load_settings

    base = load_settings(app.config)
    chosen = [base.for_environment(e) for e in app.envs] if app.envs else base.environments()
    catalog = catalog_of(load_manifests(chosen[0], (), allow_empty=True, offline_retirement=False))
    connections = {s.environment: connect_for(s, base_url, organization, project, emulator)
                   for s in chosen} if plan else {}
    api = _api_models(connections[chosen[0].environment]) if plan else None
    facts = Facts(catalog if catalog.declared else None, clock.today(), api=api)
    files = upgrade.manifest_files(base.manifest_paths(), base.config.exclude, base.root)
    _check_to(to, catalog, api)
    moves = upgrade.plan_moves(upgrade.find_places(files, base.document, base.path), facts,
                               from_models=from_models, to=to,
                               catalog_ids=set(catalog.entries) if catalog.declared else None)
    unused = [m for m in from_models if m not in {move.facts.id for move in moves}]
    if unused:
        raise ReconcilerError(f"--from {', '.join(unused)}: not set anywhere in the manifests "
                              "or reconciler.yaml", hint="check the model id (reconciler "
                              "inventory lists the models in use)")
    if not moves:
        echo("No model in use has an announced shutdown: nothing to upgrade.")
        return 0
    texts = upgrade.edited_texts(moves)
    upgrade.add_to_catalog(moves, texts, find_catalog_file(files) if catalog.declared else [],
                           clock.today())
    for line in upgrade.report(moves, facts, catalog):
        echo(line)
    flagged = _show_flags(chosen, texts, catalog)
    for path, text in texts.items():
        echo("")
        echo(upgrade.unified_diff(path, upgrade.read_exactly(path), text).rstrip("\n"))
    failed = _show_plans(app, chosen, connections, texts) if plan else False
    echo("")
    _write_or_say(base.root, texts, write)
    if flagged:
        echo(f"{flagged} setting(s) flagged above: change them before merging.")
    if failed:
        return ExitCode.ERROR
    return ExitCode.CHANGES if check else 0  # a move is due, whether or not it can be made


def _check_to(to: str | None, catalog: Any, api: dict[str, Any] | None) -> None:
    """`--to` must name a model someone knows: the catalog (an allow-list, when there is
    one), else this release's calendar or the API's list; never a typo that the catalog
    would then be widened with."""
    from reconciler.modelcalendar import builtin

    if to is None:
        return
    known = (to in catalog.entries if catalog.declared else False) or (
        builtin().get(to) is not None) or (api is not None and to in api)
    if not to.strip() or not known:
        raise ReconcilerError(f"--to {to!r}: not in the model catalog, this release's model "
                              "calendar or the API's list of models",
                              hint="check the id: reconciler models sync lists what the API "
                                   "offers")


def _api_models(connection: Connection) -> dict[str, Any]:
    """What `GET /v1/models` lists, by id (the API's word on shutdown dates)."""
    client = connection.client()
    return {m.id: m.model_dump(mode="json") for m in call(lambda: client.models.list()).data}


def _show_flags(chosen: list[Settings], texts: dict[Path, str], catalog: Any) -> int:
    """Say, per environment, the settings the new models do not accept; how many."""
    from reconciler import upgrade
    from reconciler.settings import load_manifests

    flagged = 0
    for settings in chosen:
        before = load_manifests(settings, (), allow_empty=True, offline_retirement=False)
        after = load_manifests(replace(settings, texts=texts), (), allow_empty=True,
                               offline_retirement=False)
        lines = upgrade.flags(before, after, catalog)
        flagged += len(lines)
        if lines:
            echo(f"\nSettings the new model does not accept{_in(settings)}:")
            for line in lines:
                echo(f"  ! {line}")
    return flagged


def _show_plans(app: AppContext, chosen: list[Settings], connections: dict[str | None, Connection],
                texts: dict[Path, str]) -> bool:
    """Show each environment's plan with the edits applied; whether one could not be made."""
    from reconciler.pipeline import Sources, make_plan
    from reconciler.render import plan as render_plan
    from reconciler.settings import load_settings

    failed = False
    for settings in chosen:
        edited = load_settings(app.config, texts=texts).for_environment(settings.environment)
        connection = connections[settings.environment]
        echo(f"\n== plan{_in(settings)} with these edits")
        try:
            planned = make_plan(edited, connection, Sources.over(connection.client()))
        except ReconcilerError as error:
            failed = True
            echo(f"error: {error}")
            continue
        echo(render_plan.render(planned.plan, "text", color=app.color).rstrip("\n"))
    return failed


def _write_or_say(root: Path, texts: dict[Path, str], write: bool) -> None:
    """Write the edited files (through no link out of the project), or say how to."""
    if write:
        for path in texts:  # every target checked before any is written: all or nothing
            check_below(root.resolve(), path)
        for path, text in texts.items():
            write_below(root.resolve(), path, text, overwrite=True)
            echo(f"wrote {display_path(path)}")
        echo(f"{len(texts)} file(s) edited; review them (git diff), then open a pull request.")
    elif texts:
        echo(f"{len(texts)} file(s) would change; run again with --write to edit them.")


def connect_for(settings: Settings, base_url: str | None, organization: str | None,
                project: str | None, emulator: bool) -> Connection:
    """One environment's connection, announced on stderr."""
    check_endpoint_flags(base_url, emulator)
    connection = connection_of(settings, base_url, organization, project, emulator=emulator)
    echo(connection.announce(), err=True)
    return connection


def _in(settings: Settings) -> str:
    return f" in environment {settings.environment}" if settings.environment else ""
