"""Turn live objects into manifests. Pure: no network, no files.

Fields at their API default are left out, so the manifest means exactly the live object
(the planner fills the same defaults back in). Function tools become `Tool` manifests,
shared between the objects that use identical definitions; two different definitions with
one name get distinct manifest names, and a warning. Text that looks like a template
placeholder (`{{ x }}`) is escaped so it stays literal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler import API_VERSION, kinds, ownership
from reconciler.provider import LiveObject

MAX_NAME = 63


@dataclass
class Manifest:
    """One manifest to write: its kind, name, the live object it came from, its document."""

    kind: str
    name: str
    document: dict[str, Any]
    live_id: str | None = None
    used_by: list[str] = field(default_factory=list)
    note: str | None = None
    """A provenance comment for the file (default: where the import took it from)."""


@dataclass
class Conversion:
    """Everything an import produces."""

    resources: list[Manifest] = field(default_factory=list)
    tools: list[Manifest] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def slug(text: str | None) -> str:
    """A manifest name from free text: lowercase letters, digits, '-', '_' and '.'."""
    value = re.sub(r"[^a-z0-9._-]+", "-", (text or "").lower()).strip("-._")
    return value[:MAX_NAME].rstrip("-._")


class _Names:
    """Hands out unique manifest names per kind."""

    def __init__(self, taken: Iterable[tuple[str, str]]) -> None:
        self.taken = set(taken)

    def claim(self, kind: str, wanted: str, fallback: str) -> str:
        base = wanted or fallback
        name, n = base, 2
        while (kind, name) in self.taken:
            suffix = f"-{n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
            n += 1
        self.taken.add((kind, name))
        return name


def convert(objects: Iterable[LiveObject], *, taken: Iterable[tuple[str, str]] = (),
            names: dict[str, str] | None = None,
            known_tools: dict[str, str] | None = None) -> Conversion:
    """Manifests for live objects; `taken` are existing (kind, name) pairs to avoid;
    `names` chooses the manifest name of given live ids; `known_tools` maps the
    `function_key` of existing function Tool manifests to their names (they are reused)."""
    result = Conversion()
    registry = _Names(taken)
    tools: dict[str, Manifest] = {
        key: Manifest("Tool", name, {}, used_by=["(existing)"])
        for key, name in (known_tools or {}).items()}
    for obj in objects:
        fallback = f"{obj.kind.lower()}-{slug(obj.id[-8:])}"
        chosen = (names or {}).get(obj.id) or slug(obj.raw.get("name")) or fallback
        name = registry.claim(obj.kind, chosen, fallback)
        spec = kinds.get(obj.kind).hook("importer")(
            obj.raw, name,
            lambda tool, o=obj, n=name: _tool_ref(tool, o, n, tools, registry, result))
        result.resources.append(Manifest(obj.kind, name, _document(
            obj.kind, name, spec, {ownership.ADOPT_ANNOTATION: obj.id}), obj.id))
    result.tools = [t for t in tools.values() if t.document]
    return result


def function_key(function: dict[str, Any]) -> str:
    """A function tool's identity: its definition, defaults left out."""
    return json.dumps(function, sort_keys=True)


def _document(kind: str, name: str, spec: dict[str, Any],
              annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _tool_ref(tool: dict[str, Any], obj: LiveObject, name: str, tools: dict[str, Manifest],
              registry: _Names, result: Conversion) -> str:
    """The Tool manifest name for a function tool, creating or sharing the manifest (what
    uses it is named by its manifest address, never by the live name: that is anyone's
    text)."""
    function = _function_spec(tool)
    key = function_key(function)
    address = f"{obj.kind}/{name}"
    if key in tools:
        tools[key].used_by.append(address)
        return tools[key].name
    wanted = slug(function["name"]) or "function"
    name = registry.claim("Tool", wanted, "function")
    if name != wanted:
        clash = next(t for t in tools.values() if t.name == wanted) if any(
            t.name == wanted for t in tools.values()) else None
        users = f" (also used by {', '.join(clash.used_by)})" if clash else ""
        result.warnings.append(
            f"function '{function['name']}' of {address} differs from another function of "
            f"that name{users}; it becomes Tool '{name}'")
    tools[key] = Manifest("Tool", name, _document("Tool", name, {
        "type": "function", "function": function}), used_by=[address])
    return name


def _function_spec(tool: dict[str, Any]) -> dict[str, Any]:
    """A function tool of either API as a Tool manifest's `function` (defaults left out)."""
    source = tool.get("function", tool)
    spec: dict[str, Any] = {"name": source["name"]}
    if source.get("description") is not None:  # "" too: the live object keeps it
        spec["description"] = source["description"]
    parameters = source.get("parameters")
    # the agent API requires parameters; a Tool without them sends this empty object
    agent_default = "function" not in tool and parameters == {"type": "object", "properties": {}}
    if parameters is not None and not agent_default:
        spec["parameters"] = parameters
    if source.get("strict"):
        spec["strict"] = True
    if tool.get("defer_loading"):
        spec["defer_loading"] = True
    if tool.get("async") is not None:
        spec["async"] = tool["async"]
    return spec
