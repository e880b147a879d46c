"""`reconciler import`: write manifests for live objects no manifest manages yet."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from reconciler import kinds
from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.commands.plan_apply import interactive
from reconciler.console import echo
from reconciler.engine import importing
from reconciler.errors import ReconcilerError
from reconciler.manifests.loader import display_path
from reconciler.model.common import NAME_PATTERN
from reconciler.outputs import check_folder
from reconciler.provider import LiveObject
from reconciler.provider.retry import RetryPolicy


@click.command(name="import")
@click.argument("kind", required=False,
                type=click.Choice([s.kind for s in kinds.REGISTRY if s.importer]))
@click.argument("object_id", required=False, metavar="ID")
@click.option("--name", help="Manifest name for the one object imported (default: from its "
                             "name).")
@click.option("--all", "import_all", is_flag=True, help="Import every unmanaged object.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write (default: the first manifest path of reconciler.yaml).")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@retry_option
@connection_options
@click.pass_obj
def import_(app: AppContext, kind: str | None, object_id: str | None, name: str | None,
            import_all: bool, folder: Path | None, dry_run: bool, force: bool,
            retry_timeout: float, base_url: str | None, organization: str | None,
            project: str | None, emulator: bool) -> None:
    """Bring live assistants and agents that no manifest manages under git.

    Writes one manifest per object (function tools become Tool manifests, shared when
    identical) with the annotation `reconciler/adopt-id`: the next plan then shows only
    the adoption of each object (its ownership marks added: an update, never a create).
    Without arguments on a terminal, lists the unmanaged objects and asks which to import.

    \b
    Examples:
      reconciler import                       # choose interactively
      reconciler import Assistant asst_abc123 --name support-bot
      reconciler import --all --dir manifests/imported --dry-run
    """
    if (kind is None) != (object_id is None):
        raise click.UsageError("give both KIND and ID, or neither")
    if name and object_id is None:
        raise click.UsageError("--name goes with KIND ID")
    if name is not None and not re.fullmatch(NAME_PATTERN, name):
        raise click.UsageError(f"--name {name!r} is not a manifest name: lowercase letters, "
                               "digits, '.', '_' and '-', starting and ending with a letter "
                               "or digit, at most 63 characters")
    settings = app.settings()
    folder = folder or Path(settings.manifest_paths()[0])
    if not dry_run:
        check_folder(folder, "--dir")
    client = connect(app, base_url, organization, project, emulator=emulator).client(
        retry=RetryPolicy(total=retry_timeout))
    result = importing.run(settings, client, lambda candidates: _choose(
        candidates, kind, object_id, import_all), importing.ImportOptions(
            folder=folder, names={object_id: name} if object_id and name else None,
            dry_run=dry_run, force=force), _View(dry_run))
    if not result.files:
        echo("Nothing to import: every live object is managed or already imported.")
        return
    for warning in result.warnings:
        echo(f"warning: {warning}", err=True)
    if not dry_run:
        echo(f"\n{result.imported} object(s) imported. Next: `reconciler plan` "
             "shows only their adoption; `reconciler apply` takes them over.")


class _View:
    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run

    def schemas(self, folder: Path) -> None:
        echo(f"wrote the JSON Schemas to {display_path(folder)}/ (editor support)")

    def file(self, file: importing.ImportedFile) -> None:
        manifest = file.manifest
        origin = f" from {manifest.live_id}" if manifest.live_id else ""
        verb = "would write" if self.dry_run else "wrote"
        echo(f"{verb} {display_path(file.path)} ({manifest.kind}/{manifest.name}{origin})")
        if self.dry_run:
            echo("".join(f"    {line}\n" for line in file.text.splitlines()))


def _choose(candidates: list[LiveObject], kind: str | None, object_id: str | None,
            import_all: bool) -> list[LiveObject]:
    if object_id is not None:
        found = [o for o in candidates if o.id == object_id and o.kind == kind]
        if not found:
            raise ReconcilerError(f"no unmanaged {kind} has the id {object_id}",
                                  hint="`reconciler import` without arguments lists them")
        return found
    if import_all:
        return candidates
    if not interactive():
        raise ReconcilerError("choose what to import: `import KIND ID`, `import --all`, or run "
                              "on a terminal to pick from a list")
    if not candidates:
        return []
    echo(f"{len(candidates)} live objects are not managed by any manifest:")
    for number, obj in enumerate(candidates, 1):
        created = dt.datetime.fromtimestamp(obj.created_at, dt.UTC).strftime("%Y-%m-%d")
        echo(f"  {number:>3}. {obj.kind:<9} {obj.id:<32} {obj.raw.get('model', ''):<14} "
             f"{created}  {obj.raw.get('name') or '(unnamed)'}")
    answer = click.prompt("Import which? (numbers like 1,3-5, 'all', or empty to cancel)",
                          default="", show_default=False)
    return [candidates[i] for i in _numbers(answer, len(candidates))]


def _numbers(answer: str, count: int) -> list[int]:
    text = answer.strip().lower()
    if text == "all":
        return list(range(count))
    picked: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise click.UsageError(f"not a number or range: {part}") from None
        if not 1 <= first <= last <= count:
            raise click.UsageError(f"out of range (1-{count}): {part}")
        picked += [i - 1 for i in range(first, last + 1) if i - 1 not in picked]
    return picked
