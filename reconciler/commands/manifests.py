"""`reconciler validate`, `render` and `schema`: the commands that read manifests only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from reconciler import policies, schemas
from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.diagnostics import Diagnostic, Diagnostics
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.kinds import DECLARED, RESOURCES
from reconciler.kinds import names as kind_names
from reconciler.manifests.project import ManifestSet
from reconciler.manifests.structure import did_you_mean
from reconciler.model.desired import DesiredResource
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import resolved as render_resolved
from reconciler.settings import load_manifests

KINDS = kind_names(DECLARED)
RESOURCE_KINDS = kind_names(RESOURCES)


class KindChoice(click.Choice[str]):
    """A kind name in any case (`agent`, `AGENT`); a wrong one is refused with the kinds as
    they are spelled, and the closest one."""

    def __init__(self, kinds: Sequence[str]) -> None:
        super().__init__(list(kinds), case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        for choice in self.choices:
            if str(value).lower() == str(choice).lower():
                return choice
        hint = did_you_mean(str(value), [str(c) for c in self.choices])
        self.fail(f"'{value}' is not one of {', '.join(map(str, self.choices))}"
                  + (f"; {hint}" if hint else ""), param, ctx)


def _load(app: AppContext, paths: Sequence[str]) -> ManifestSet:
    """The manifests, in the chosen environment (one is needed when any is declared)."""
    settings = app.settings()
    settings.require_environment()
    return load_manifests(settings, paths)


def _load_every_environment(app: AppContext, paths: Sequence[str]) -> ManifestSet:
    """The manifests as every declared environment sees them (or as they are, without
    environments, or in the one chosen): a problem found in only some environments says
    which."""
    declared = tuple(app.settings().config.environments)
    runs = [(s.environment, _with_policies(load_manifests(s, paths), s.environment, declared))
            for s in app.settings().environments()]
    first = runs[0][1]
    if len(runs) == 1:
        return first
    found: dict[Diagnostic, list[str]] = {}
    for name, result in runs:
        for diagnostic in result.diagnostics:
            found.setdefault(diagnostic, []).append(str(name))
    merged = Diagnostics()
    for diagnostic, names in found.items():
        if len(names) < len(runs):
            where = "environment" + ("s" if len(names) > 1 else "")
            diagnostic = diagnostic.model_copy(
                update={"message": f"{diagnostic.message} (in {where} {', '.join(names)})"})
        merged.add(diagnostic)
    first.diagnostics = merged
    return first


def _with_policies(result: ManifestSet, environment: str | None,
                   declared: tuple[str, ...]) -> ManifestSet:
    """The manifests, with the resource rules of their policies checked in `environment`."""
    result.diagnostics.extend(policies.check_resources(result, environment,
                                                       environments=declared))
    return result


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(render_diagnostics.FORMATS), default="text",
              show_default=True, help="text for people, json for tools, github for annotations.")
@click.option("--show", is_flag=True, help="Also print the resolved assistants and agents.")
@click.option("--no-cache", "no_cache", is_flag=True, hidden=True,
              help="Accepted and ignored: validate keeps no cache (it always checks).")
@click.pass_obj
def validate(app: AppContext, paths: tuple[str, ...], fmt: str, show: bool,
             no_cache: bool) -> None:
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
    result = _load_every_environment(app, paths)
    counts = {"files": len(result.files), "documents": result.documents}
    if fmt == "json" and show:
        payload = json.loads(render_diagnostics.render_json(result.diagnostics, **counts))
        payload["resources"] = json.loads(render_resolved.render_json(result.resources))
        echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        text = render_diagnostics.render(result.diagnostics, fmt, color=app.color, **counts)
        if text:
            echo(text, raw=fmt == "github")  # annotations are commands on purpose
        if show and not result.diagnostics.has_errors:
            echo(render_resolved.render_yaml(result.resources), nl=False)
    if result.diagnostics.has_errors:
        click.get_current_context().exit(ExitCode.ERROR)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True)
@click.option("--kind", "kinds", multiple=True,
              type=KindChoice(RESOURCE_KINDS),
              help="Only this kind (repeatable; any case).")
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
    chosen = _chosen(result.resources, kinds, names)
    if fmt == "json":
        echo(render_resolved.render_json(chosen))
    else:
        echo(render_resolved.render_yaml(chosen), nl=False)


def _chosen(resources: Sequence[DesiredResource], kinds: Sequence[str],
            names: Sequence[str]) -> list[DesiredResource]:
    """The resources of `kinds` named `names` (all when empty); an unknown name is an error."""
    of_kind = [r for r in resources if not kinds or r.kind in kinds]
    known = {r.name for r in of_kind}
    missing = [name for name in dict.fromkeys(names) if name not in known]
    if missing:
        chosen = list(kinds or RESOURCE_KINDS)
        what = " or ".join(filter(None, [", ".join(chosen[:-1]), chosen[-1]]))
        hints = [_suggest(name, of_kind, resources) for name in missing]
        raise ReconcilerError(
            "; ".join(f"--name {name}: no {what} manifest has this name" for name in missing),
            hint="; ".join(h for h in hints if h) or None)
    return [r for r in of_kind if not names or r.name in names]


def _suggest(name: str, of_kind: Sequence[DesiredResource],
             resources: Sequence[DesiredResource]) -> str | None:
    other = next((r for r in resources if r.name == name), None)
    if other is not None:
        return f"there is {other.address}: add --kind {other.kind}"
    return did_you_mean(name, sorted({r.name for r in of_kind}))


def _echo_warnings(app: AppContext, result: ManifestSet) -> None:
    if len(result.diagnostics):
        echo(render_diagnostics.render_text(
            result.diagnostics, files=len(result.files), documents=result.documents,
            color=app.color), err=True)


@click.group()
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
        echo(f"wrote {path}")


@schema.command("show")
@click.argument("kind", type=KindChoice([*KINDS, "manifest", "config"]))
def schema_show(kind: str) -> None:
    """Print the schema of one kind (or `manifest` for any kind, `config` for reconciler.yaml)."""
    if kind == "manifest":
        chosen = schemas.any_kind_schema()
    elif kind == "config":
        chosen = schemas.config_schema()
    else:
        chosen = schemas.kind_schema(kind)
    echo(schemas.dumps(chosen), nl=False)
