"""`migrate assistants-to-agents`: Agent manifests from Assistant manifests, from the
assistants of a legacy server, or from a JSON export; one entry point (`run`) returning the
report's items and the files written (or to be written), printing nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.connection import resolve
from reconciler.errors import ReconcilerError
from reconciler.importing.convert import Manifest, convert
from reconciler.importing.migrate import MIGRATED_FROM, Migration, migrate
from reconciler.importing.write import render, target
from reconciler.kinds.assistant.provider import AssistantProvider
from reconciler.kinds.tool.index import entries as tool_entries
from reconciler.manifests.loader import display_path
from reconciler.manifests.project import ManifestSet
from reconciler.model.desired import DesiredResource
from reconciler.outputs import write_below
from reconciler.pipeline import load_desired
from reconciler.provider import LiveObject
from reconciler.settings import Settings


@dataclass(frozen=True)
class MigrateOptions:
    paths: tuple[str, ...] = ()
    """Manifest paths (default: the project's), when reading manifests."""
    from_base_url: str | None = None
    """Read the assistants of this server instead of manifests."""
    from_export: Path | None = None
    """Read assistants from this JSON export instead of manifests."""
    folder: Path | None = None
    """Where files read from a server or an export go (default: the first manifest path)."""


@dataclass(frozen=True)
class MigrateResult:
    migrations: tuple[Migration, ...]
    """What each assistant became, and what did not carry over (the report)."""
    files: tuple[tuple[Path, Manifest], ...]
    """The manifests to write, by path (written when `write`)."""


Announce = Callable[[str], None]
"""Told which server is read (before it is)."""


def run(settings: Settings, options: MigrateOptions, announce: Announce) -> MigrateResult:
    """What migrating gives: the report's items and the files to write (nothing written:
    `write` writes them once the report is shown)."""
    if options.from_base_url or options.from_export:
        objects = (_from_server(settings, options.from_base_url, announce)
                   if options.from_base_url else _from_export(options.from_export))
        migrations, files = _from_live(
            objects, options.folder or Path(settings.manifest_paths()[0]))
    else:
        migrations, files = _from_manifests(load_desired(settings, options.paths))
    return MigrateResult(tuple(migrations), tuple(files.items()))


def write(settings: Settings, result: MigrateResult, *, force: bool,
          wrote: Callable[[Path, Manifest], None]) -> None:
    """Write the migrated manifests (none when one of the files exists, without `force`);
    `wrote` is told of each."""
    files = dict(result.files)
    clashes = [p for p in files if p.exists()]
    if clashes and not force:
        raise ReconcilerError("these files exist; nothing was written:\n  "
                              + "\n  ".join(display_path(p) for p in clashes),
                              hint="--force overwrites them")
    schemas = settings.root / "schemas"
    for path, manifest in files.items():
        target, root = path.absolute(), settings.root.absolute()
        write_below(root if target.is_relative_to(root) else target.parent, target,
                    render(manifest, path, schemas), overwrite=True)
        wrote(path, manifest)


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


def _from_server(settings: Settings, url: str, announce: Announce) -> list[LiveObject]:
    connection = resolve(settings.config.connection, base_url=url)
    announce(connection.announce())
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
