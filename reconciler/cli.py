"""The `reconciler` command line. Thin: parse options, call the library, render, exit.

Errors a user should see are `ReconcilerError`s, caught in one place (`main`) and mapped to a
message and exit code; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from reconciler import __version__, schemas, secrets
from reconciler.commands.context import AppContext, default_color
from reconciler.commands.engine import apply as apply_command
from reconciler.commands.engine import plan as plan_command
from reconciler.commands.importing import import_ as import_command
from reconciler.commands.inventory import inventory as inventory_command
from reconciler.commands.migrate import migrate_group as migrate_command
from reconciler.commands.models import models as models_command
from reconciler.emulator.cli import emulator as emulator_commands
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.manifests.project import ManifestSet
from reconciler.model.kinds import KINDS, RESOURCE_KINDS
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import resolved as render_resolved
from reconciler.render.escape import escape_workflow_commands
from reconciler.settings import load_manifests


class ReconcilerCLI(click.Group):
    """The command group; its `main` is the one place where errors become exit codes."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as exc:
            exc.show()
            code = ExitCode.ERROR
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            code = ExitCode.ERROR
        except ReconcilerError as exc:
            if "--debug" in argv:
                click.echo(secrets.redact(traceback.format_exc()), err=True, nl=False)
            _report(exc, color=_color_from(argv))
            code = exc.exit_code
        if not standalone_mode:
            return code
        sys.exit(int(code) if isinstance(code, int) else ExitCode.OK)


def _color_from(argv: Sequence[str]) -> bool:
    if "--no-color" in argv:
        return False
    return "--color" in argv or default_color()


@click.group(cls=ReconcilerCLI,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="Path of reconciler.yaml (default: the nearest one in this folder or above).")
@click.option("--color/--no-color", default=None,
              help="Colour the output (default: on a terminal, unless NO_COLOR is set).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, prog_name="reconciler")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, color: bool | None, debug: bool) -> None:
    """Keep OpenAI assistants, agents and their files in git: validate, plan and apply.

    Declare Assistant, Agent, Tool, Template, ModelCatalog and VectorStore manifests in
    YAML; a VectorStore names repository files by glob, uploaded once per content. `plan`
    shows exactly what would change in the live account (files and bytes included);
    `apply` converges it, safely and idempotently. Without OPENAI_API_KEY, commands talk
    to the local emulator (`reconciler emulator start`).

    \b
    Exit codes: 0 success, 1 error (invalid input, failed call, usage error),
                2 changes present (only with --detailed-exitcode / --check).

    \b
    Examples:
      reconciler validate --format github        # annotations on a pull request
      reconciler plan --format markdown          # a pull-request comment
      reconciler apply --auto-approve            # CI
      reconciler import --all                    # bring existing objects under git
      reconciler inventory --format csv          # what the account holds
    """

    ctx.obj = AppContext(config=config, color=default_color() if color is None else color,
                         debug=debug)


def _load(app: AppContext, paths: Sequence[str]) -> ManifestSet:
    return load_manifests(app.settings(), paths)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(render_diagnostics.FORMATS), default="text",
              show_default=True, help="text for people, json for tools, github for annotations.")
@click.option("--show", is_flag=True, help="Also print the resolved assistants and agents.")
@click.pass_obj
def validate(app: AppContext, paths: tuple[str, ...], fmt: str, show: bool) -> None:
    """Check manifests: YAML, schemas, templates, tool references, permissions and models.

    PATHS are files or folders (searched recursively for *.yaml and *.yml); without PATHS
    the `manifests` list of reconciler.yaml is used. Every problem is printed with its file,
    line, column and field path. Exit 0 when valid (warnings allowed), 1 otherwise.

    \b
    Examples:
      reconciler validate manifests/
      reconciler validate manifests/assistants/support.yaml --format json
      reconciler validate --show
    """
    result = _load(app, paths)
    counts = {"files": len(result.files), "documents": result.documents}
    if fmt == "json" and show:
        payload = json.loads(render_diagnostics.render_json(result.diagnostics, **counts))
        payload["resources"] = json.loads(render_resolved.render_json(result.resources))
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        text = render_diagnostics.render(result.diagnostics, fmt, color=app.color, **counts)
        if text:
            click.echo(text)
        if show and not result.diagnostics.has_errors:
            click.echo(render_resolved.render_yaml(result.resources), nl=False)
    if result.diagnostics.has_errors:
        click.get_current_context().exit(ExitCode.ERROR)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(RESOURCE_KINDS),
              help="Only this kind (repeatable).")
@click.option("--name", "names", multiple=True, help="Only this manifest name (repeatable).")
@click.pass_obj
def render(app: AppContext, paths: tuple[str, ...], fmt: str, kinds: tuple[str, ...],
           names: tuple[str, ...]) -> None:
    """Print the fully resolved stores, assistants and agents: what will be sent to the API.

    Templates are applied, variables filled in and tool names replaced by their
    definitions. Problems go to stderr; with any error nothing is printed and the exit code
    is 1.

    \b
    Examples:
      reconciler render manifests/
      reconciler render --kind Agent --format json
      reconciler render --name support-bot
    """
    result = _load(app, paths)
    if result.diagnostics.has_errors:
        raise ManifestError(result.diagnostics)
    _echo_warnings(app, result)
    chosen = [r for r in result.resources
              if (not kinds or r.kind in kinds) and (not names or r.name in names)]
    if fmt == "json":
        click.echo(render_resolved.render_json(chosen))
    else:
        click.echo(render_resolved.render_yaml(chosen), nl=False)


def _echo_warnings(app: AppContext, result: ManifestSet) -> None:
    if len(result.diagnostics):
        click.echo(render_diagnostics.render_text(
            result.diagnostics, files=len(result.files), documents=result.documents,
            color=app.color), err=True)


@cli.group()
def schema() -> None:
    """The published JSON Schemas (for editors and other tools).

    \b
    Editors with yaml-language-server validate a manifest when it starts with:
      # yaml-language-server: $schema=../schemas/v1/assistant.schema.json
    """


@schema.command("export")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the schemas into (e.g. schemas/).")
def schema_export(out: Path) -> None:
    """Write every schema (one per kind and apiVersion) into a folder."""
    for path in schemas.export(out):
        click.echo(f"wrote {path}")


@schema.command("show")
@click.argument("kind", type=click.Choice([*KINDS, "manifest", "config"]))
def schema_show(kind: str) -> None:
    """Print the schema of one kind (or `manifest` for any kind, `config` for reconciler.yaml)."""
    if kind == "manifest":
        chosen = schemas.any_kind_schema()
    elif kind == "config":
        chosen = schemas.config_schema()
    else:
        chosen = schemas.kind_schema(kind)
    click.echo(schemas.dumps(chosen), nl=False)


cli.add_command(plan_command)
cli.add_command(apply_command)
cli.add_command(import_command)
cli.add_command(inventory_command)
cli.add_command(models_command)
cli.add_command(migrate_command)
cli.add_command(emulator_commands)


def _report(error: ReconcilerError, *, color: bool) -> None:
    if isinstance(error, ManifestError):
        text = render_diagnostics.render_text(error.diagnostics, files=0, documents=0,
                                              color=color)
        click.echo(text.rsplit("\n", 1)[0], err=True)
    prefix = click.style("error:", fg="red", bold=True) if color else "error:"
    click.echo(escape_workflow_commands(f"{prefix} {secrets.redact(error.message)}"), err=True)
    if error.hint:
        click.echo(escape_workflow_commands(f"hint: {secrets.redact(error.hint)}"), err=True)


def _crash(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """Print an internal error's traceback (a bug) with every known secret masked."""
    text = "".join(traceback.format_exception(kind, error, trace))
    sys.stderr.write(secrets.redact(text))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI (the console script and `python -m reconciler`)."""
    sys.excepthook = _crash
    cli.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="reconciler")
