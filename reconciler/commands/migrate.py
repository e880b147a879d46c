"""`reconciler migrate assistants-to-agents`."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.engine import migrating
from reconciler.importing.migrate import report
from reconciler.manifests.loader import display_path


@click.group(name="migrate")
def migrate_group() -> None:
    """Move manifests from one API to another."""


@migrate_group.command(name="assistants-to-agents")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--write", "write_files", is_flag=True,
              help="Write the Agent manifests (without it: only the report).")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option("--from-base-url", metavar="URL",
              help="Read the assistants of a legacy OpenAI-compatible server instead of "
                   "manifests (its key from the environment, as for plan).")
@click.option("--from-export", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read assistants from a JSON export (a list, or a list response).")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write when reading a server or an export (default: the first "
                   "manifest path).")
@click.pass_obj
def assistants_to_agents(app: AppContext, paths: tuple[str, ...], write_files: bool,
                         force: bool, from_base_url: str | None, from_export: Path | None,
                         folder: Path | None) -> None:
    """Turn Assistant manifests (or sunset assistants) into Agent manifests.

    Carried over: name, model, instructions, function tools, metadata, a json_schema
    response format (as text.format) and reasoning_effort (as reasoning.effort). Reported,
    never silently dropped: code_interpreter, file_search, tool_resources, temperature,
    top_p, JSON mode; the description is kept as an annotation. Templates are applied, so
    each agent is complete. New files go beside the old ones (`NAME.agent.yaml`).

    \b
    Examples:
      reconciler migrate assistants-to-agents                # the report
      reconciler migrate assistants-to-agents --write
      reconciler migrate assistants-to-agents --from-export assistants.json --write
    """
    settings = app.settings()
    if from_base_url and from_export:
        raise click.UsageError("--from-base-url and --from-export exclude each other")
    result = migrating.run(settings, migrating.MigrateOptions(
        paths=paths, from_base_url=from_base_url, from_export=from_export, folder=folder),
        announce=lambda text: echo(text, err=True))
    echo(report(list(result.migrations)))
    if not result.migrations:
        return
    if not write_files:
        echo("\n(report only: --write writes the Agent manifests)")
        return
    migrating.write(settings, result, force=force, wrote=lambda path, manifest: echo(
        f"wrote {display_path(path)} ({manifest.kind}/{manifest.name})"))
