"""The comparable form of an agent: the Agents API's defaults, filled in at every depth."""

from __future__ import annotations

from typing import Any

from reconciler.jsontree import drop_none, fill

DEFAULTS: dict[str, Any] = {
    "model": None, "name": None, "instructions": None, "tools": [], "metadata": {},
    "reasoning": {"effort": None, "summary": None}, "text": {
        "format": {"type": "text"}, "verbosity": "medium"},
    "service_tier": "auto", "multi_agent": {"enabled": False,
                                            "max_concurrent_subagents": None},
    "compaction": {"async": False}, "experimental": {"time_awareness": False},
}
TOOL_DEFAULTS: dict[str, dict[str, Any]] = {
    "function": {"defer_loading": False},
    "programmatic_tool_calling": {"enabled": True},
    "web_search": {"context_size": "medium", "mode": "live"},
    "mcp": {"connection_origin": "service", "request_metadata": {}, "required": False},
    "computer_use": {"include_screenshots": False},
}
MCP_TRANSPORT_DEFAULTS: dict[str, dict[str, Any]] = {
    "http": {"headers": {}}, "stdio": {"args": [], "env_vars": []}}
SUBAGENTS_WHEN_ENABLED = 6
NESTED = ("reasoning", "text", "multi_agent", "compaction", "experimental")


def normalize(form: dict[str, Any]) -> None:
    """Canonical tools; nested settings filled; subagents counted only when enabled."""
    form["tools"] = [_tool(t) for t in form["tools"]]
    for name in NESTED:
        form[name] = fill(DEFAULTS[name], form[name])
    form["compaction"]["async"] = False  # the API ignores it and always answers false
    multi = form["multi_agent"]
    if multi["enabled"] and multi.get("max_concurrent_subagents") is None:
        multi["max_concurrent_subagents"] = SUBAGENTS_WHEN_ENABLED
    if not multi["enabled"]:
        multi["max_concurrent_subagents"] = None


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    tool = drop_none(tool)
    filled = fill(TOOL_DEFAULTS.get(str(tool.get("type")), {}), tool)
    transport = filled.get("transport")
    if isinstance(transport, dict):
        filled["transport"] = fill(MCP_TRANSPORT_DEFAULTS.get(transport.get("type", ""), {}),
                                   transport)
    return {"type": filled.get("type"), **{k: v for k, v in filled.items() if k != "type"}}
