"""The comparable form of an assistant: the Assistants API's defaults and canonical tools."""

from __future__ import annotations

from typing import Any

from reconciler.jsontree import drop_none, prune

DEFAULTS: dict[str, Any] = {
    "model": None, "name": None, "description": None, "instructions": None,
    "tools": [], "tool_resources": {}, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
    "response_format": "auto", "reasoning_effort": None,
}
RANKING_SERVER_DEFAULTS = (
    {"ranker": "default_2024_08_21", "score_threshold": 0.0},
    {"ranker": "auto", "score_threshold": 0.0},
)
"""What the server fills into `file_search.ranking_options` when none are given."""


def normalize(form: dict[str, Any]) -> None:
    """Canonical tools, tool resources without empty lists, response format without nulls."""
    form["tools"] = [_tool(t) for t in form["tools"]]
    form["tool_resources"] = prune(form["tool_resources"])
    if isinstance(form["response_format"], dict):
        form["response_format"] = drop_none(form["response_format"])


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    tool = drop_none(tool)
    if tool.get("type") == "function":
        function = drop_none(tool.get("function") or {})
        function.setdefault("strict", False)
        return {"type": "function", "function": function}
    if tool.get("type") == "file_search":
        options = drop_none(tool.get("file_search") or {})
        if options.get("ranking_options") in RANKING_SERVER_DEFAULTS:
            options.pop("ranking_options")
        return {"type": "file_search", **({"file_search": options} if options else {})}
    return tool
