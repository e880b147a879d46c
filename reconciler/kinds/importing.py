"""What the importers of the Assistant and Agent kinds share: a live object's common spec
fields (model, name, description, instructions) and tools, written as a manifest says them."""

from __future__ import annotations

from typing import Any

from reconciler import kinds
from reconciler.manifests.templates import PLACEHOLDER
from reconciler.plan.normalize import comparable


def escape(text: str) -> str:
    """Keep `{{ x }}` literal: the manifest language would read it as a variable."""
    return PLACEHOLDER.sub(lambda m: "\\" + m.group(0), text)


def _common(raw: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"model": raw["model"]}
    live_name = raw.get("name")
    if live_name is None:
        spec["name"] = None
    elif live_name != name:
        spec["name"] = escape(live_name)
    for key in ("description", "instructions"):
        if raw.get(key) is not None and key in kinds.get(kind).defaults:
            spec[key] = escape(raw[key])
    return spec


def start(raw: dict[str, Any], name: str, kind: str, tool_ref: Any,
          builtin: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The comparable form of a live object, and its spec's common fields and tools."""
    form = comparable(kind, raw)
    spec = _common(raw, name, kind)
    tools = [tool_ref(t) if t.get("type") == "function" else builtin(t) for t in form["tools"]]
    if tools:
        spec["tools"] = tools
    return form, spec
