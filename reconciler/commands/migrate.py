"""`reconciler migrate assistants-to-agents`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from reconciler.commands.context import AppContext
from reconciler.connection import resolve
from reconciler.console import echo
from reconciler.errors import ReconcilerError
from reconciler.importing.convert import Manifest, convert
from reconciler.importing.migrate import MIGRATED_FROM, Migration, migrate, report
from reconciler.importing.write import render, target
from reconciler.kinds.assistant.provider import AssistantProvider
from reconciler.kinds.tool.index import entries as tool_entries
from reconciler.manifests.loader import display_path
from reconciler.manifests.project import ManifestSet
from reconciler.model.desired import DesiredResource
from reconciler.outputs import write_text
from reconciler.pipeline import load_desired
from reconciler.provider import LiveObject


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
    if from_base_url or from_export:
        objects = (_from_server(settings, from_base_url) if from_base_url
                   else _from_export(from_export))
        migrations, files = _from_live(objects, folder or Path(settings.manifest_paths()[0]))
    else:
        manifests = load_desired(settings, paths)
        migrations, files = _from_manifests(manifests)
    echo(report(migrations))
    if not migrations:
        return
    if not write_files:
        echo("\n(report only: --write writes the Agent manifests)")
        return
    clashes = [p for p in files if p.exists()]
    if clashes and not force:
        raise ReconcilerError("these files exist; nothing was written:\n  "
                              + "\n  ".join(display_path(p) for p in clashes),
                              hint="--force overwrites them")
    schemas = settings.root / "schemas"
    for path, manifest in files.items():
        write_text(path, render(manifest, path, schemas))
        echo(f"wrote {display_path(path)} ({manifest.kind}/{manifest.name})")


def _from_manifests(manifests: ManifestSet) -> tuple[list[Migration], dict[Path, Manifest]]:
    strict = {name for name, entry in tool_entries(manifests).items()
              if entry.type == "function" and entry.spec.function.strict}
    migrations, files = [], {}
    for resource in (r for r in manifests.resources if r.kind == "Assistant"):
        body = dict(resource.body)
        by_function = _own_functions(resource, manifests)
        body["tools"] = [by_function.get(_function_name(t), t) for t in body.get("tools", [])]
        body["tool_resources"] = _with_references(resource)
        origin = f"Assistant/{resource.name} "
        others = {r.name for r in manifests.resources if r.kind == "Agent"
                  and not r.annotations.get(MIGRATED_FROM, "").startswith(origin)}
        name = resource.name if resource.name not in others else f"{resource.name}-agent"
        item = migrate(f"Assistant/{resource.name} ({resource.source.file})", name, body,
                       labels=resource.labels, strict_tools=strict)
        if resource.template:
            item.notes.append(f"template '{resource.template}' was applied: the agent holds "
                              "the resulting fields")
        migrations.append(item)
        source = Path(resource.source.file)
        files[source.with_name(f"{source.stem}.agent.yaml")] = Manifest(
            "Agent", name, item.document, note=f"Migrated from Assistant/{resource.name} by "
                                               "`reconciler migrate assistants-to-agents`.")
    return migrations, files


def _with_references(resource: DesiredResource) -> dict[str, Any]:
    """tool_resources as declared: repository files and stores by name included (so that
    dropping them is reported)."""
    resources = {k: dict(v) for k, v in (resource.body.get("tool_resources") or {}).items()}
    if resource.files:
        resources.setdefault("code_interpreter", {})["files"] = [f.path for f in resource.files]
    if resource.store_refs:
        resources.setdefault("file_search", {})["vector_stores"] = list(resource.store_refs)
    return {k: v for k, v in resources.items() if any(v.values())}


def _own_functions(resource: DesiredResource, manifests: ManifestSet) -> dict[str, str]:
    """Map the function names of the Tools this assistant references to their manifest names.

    Only the assistant's own references count (its `tool_names`), so another Tool that
    happens to define the same function name elsewhere in the project is never picked up.
    """
    found: dict[str, str] = {}
    for name in resource.tool_names:
        entry = tool_entries(manifests)[name]
        if entry.type != "function":
            continue
        function = entry.function_name()
        if function in found and found[function] != name:
            raise ReconcilerError(
                f"{resource.address} ({resource.source}): Tools '{found[function]}' and "
                f"'{name}' both define the function '{function}'; the migrated agent could "
                "reference either", hint="give one of them another function.name")
        found[function] = name
    return found


def _function_name(tool: dict[str, Any]) -> str:
    function = tool.get("function") if tool.get("type") == "function" else None
    return str(function["name"]) if isinstance(function, dict) else ""


def _from_live(objects: list[LiveObject], folder: Path) -> tuple[list[Migration],
                                                                  dict[Path, Manifest]]:
    conversion = convert(objects)
    strict = {t.name for t in conversion.tools if t.document["spec"]["function"].get("strict")}
    migrations, files = [], {}
    for manifest in conversion.resources:
        spec = manifest.document["spec"]
        item = migrate(f"Assistant {manifest.live_id}", manifest.name, spec,
                       strict_tools=strict, literal=False)
        migrations.append(item)
        agent = Manifest("Agent", manifest.name, item.document,
                         note=f"Migrated from assistant {manifest.live_id} by "
                              "`reconciler migrate assistants-to-agents`.")
        files[target(folder, agent)] = agent
    for tool in conversion.tools:
        files[target(folder, tool)] = tool
    return migrations, files


def _from_server(settings: Any, url: str) -> list[LiveObject]:
    connection = resolve(settings.config.connection, base_url=url)
    echo(connection.announce(), err=True)
    return AssistantProvider(connection.client()).read_all()


def _from_export(path: Path | None) -> list[LiveObject]:
    assert path is not None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReconcilerError(f"{path} is not JSON: {exc}") from exc
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) and "model" in i
                                              for i in items):
        raise ReconcilerError(f"{path} is not a list of assistant objects (or a list response "
                              "with `data`)")
    return [LiveObject(kind="Assistant", id=str(item.get("id") or f"export-{index}"),
                       created_at=int(item.get("created_at") or 0), raw=item)
            for index, item in enumerate(items)]
