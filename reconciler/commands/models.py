"""`reconciler models sync`: keep the ModelCatalog manifest current."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from reconciler.commands.connecting import connect, connection_options
from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.diagnostics import Diagnostics
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.manifests.loader import discover, display_path
from reconciler.models_sync import (
    cached_models,
    find_catalog_file,
    new_catalog_text,
    sync_text,
)
from reconciler.outputs import write_text
from reconciler.provider.sdk import call
from reconciler.usercache import private_cache


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
@click.option("--ttl", type=click.FloatRange(0), default=3600.0, show_default=True,
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
    (never deleted); shutdown dates the API gives are noted where the catalog has none.
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
    path = catalog or _find(settings.manifest_paths())
    exists = path.is_file()
    text = path.read_text(encoding="utf-8") if exists else new_catalog_text()
    client = connection.client()
    api_models = cached_models(
        lambda: [m.model_dump(mode="json", exclude_unset=True)
                 for m in call(lambda: client.models.list()).data],
        connection.base_url, private_cache(), ttl=ttl,
        refresh=refresh)
    updated, report = sync_text(text, api_models, today=dt.date.today(), include=include)
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
    write_text(path, updated)
    echo(f"{'updated' if exists else 'created'} {shown}: {len(report.added)} added, "
         f"{len(report.unavailable)} marked unavailable, {len(report.available_again)} "
         f"available again, {len(report.shutdown_noted)} shutdown dates noted.")


def _find(paths: list[str]) -> Path:
    diagnostics = Diagnostics()
    files = discover([p for p in paths if Path(p).exists()], diagnostics=diagnostics)
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
