"""An Agent manifest's spec from a live agent: fields at their default left out."""

from __future__ import annotations

from typing import Any

from reconciler.kinds.agent.normalize import DEFAULTS, SUBAGENTS_WHEN_ENABLED
from reconciler.kinds.importing import start

BUILTIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "web_search": {"context_size": "medium", "mode": "live"},
    "mcp": {"connection_origin": "service", "request_metadata": {}, "required": False},
    "programmatic_tool_calling": {"enabled": True},
    "computer_use": {"include_screenshots": False},
}
TRANSPORT_DEFAULTS: dict[str, Any] = {"headers": {}, "args": [], "env_vars": []}


def spec_of(raw: dict[str, Any], name: str, tool_ref: Any) -> dict[str, Any]:
    """The spec of an Agent manifest that declares `raw`."""
    form, spec = start(raw, name, "Agent", tool_ref, _builtin)
    if form["metadata"]:
        spec["metadata"] = form["metadata"]
    reasoning = {k: v for k, v in form["reasoning"].items() if v is not None}
    if reasoning:
        spec["reasoning"] = reasoning
    text = {k: v for k, v in form["text"].items()
            if v != DEFAULTS["text"][k]}
    if text:
        spec["text"] = text
    if form["service_tier"] != "auto":
        spec["service_tier"] = form["service_tier"]
    multi = form["multi_agent"]
    if multi["enabled"]:
        spec["multi_agent"] = {"enabled": True, **(
            {} if multi["max_concurrent_subagents"] == SUBAGENTS_WHEN_ENABLED else
            {"max_concurrent_subagents": multi["max_concurrent_subagents"]})}
    for key in ("compaction", "experimental"):
        if form[key] != DEFAULTS[key]:
            spec[key] = form[key]
    return spec


def _builtin(tool: dict[str, Any]) -> dict[str, Any]:
    kind = tool["type"]
    defaults = BUILTIN_DEFAULTS.get(kind, {})
    options = {k: v for k, v in tool.items() if k != "type" and defaults.get(k, object()) != v}
    if isinstance(options.get("transport"), dict):
        options["transport"] = {k: v for k, v in options["transport"].items()
                                if TRANSPORT_DEFAULTS.get(k, object()) != v}
    return {"type": kind, **({kind: options} if options else {})}
