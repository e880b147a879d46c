"""One comparable form for desired and live objects, with the API's defaults made explicit.

A field omitted in a manifest means the API default, so both sides are filled from the same
defaults (those the `openai` package documents for each field) before they are compared.
Server-set fields (id, object, timestamps) and the ownership marks are left out. Inside
tools, null and absent mean the same and are dropped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler import ownership
from reconciler.model.desired import BODY_FIELDS, DesiredResource, ResourceKind
from reconciler.provider import LiveObject

DEFAULTS: dict[str, dict[str, Any]] = {
    "VectorStore": {"name": None, "expires_after": None, "metadata": {}},
    "Assistant": {
        "model": None, "name": None, "description": None, "instructions": None,
        "tools": [], "tool_resources": {}, "metadata": {}, "temperature": 1.0, "top_p": 1.0,
        "response_format": "auto", "reasoning_effort": None,
    },
    "Agent": {
        "model": None, "name": None, "instructions": None, "tools": [], "metadata": {},
        "reasoning": {"effort": None, "summary": None}, "text": {
            "format": {"type": "text"}, "verbosity": "medium"},
        "service_tier": "auto", "multi_agent": {"enabled": False,
                                                "max_concurrent_subagents": None},
        "compaction": {"async": False}, "experimental": {"time_awareness": False},
    },
}
AGENT_TOOL_DEFAULTS: dict[str, dict[str, Any]] = {
    "VectorStore": {"name": None, "expires_after": None, "metadata": {}},
    "function": {"defer_loading": False},
    "programmatic_tool_calling": {"enabled": True},
    "web_search": {"context_size": "medium", "mode": "live"},
    "mcp": {"connection_origin": "service", "request_metadata": {}, "required": False},
    "computer_use": {"include_screenshots": False},
}
MCP_TRANSPORT_DEFAULTS: dict[str, dict[str, Any]] = {
    "VectorStore": {"name": None, "expires_after": None, "metadata": {}},
    "http": {"headers": {}}, "stdio": {"args": [], "env_vars": []}}
SUBAGENTS_WHEN_ENABLED = 6
RANKING_SERVER_DEFAULTS = (
    {"ranker": "default_2024_08_21", "score_threshold": 0.0},
    {"ranker": "auto", "score_threshold": 0.0},
)
FLOAT_FIELDS = ("temperature", "top_p")
NOT_NULL_ON_CREATE = ("VectorStore",)


def comparable(kind: ResourceKind, fields: dict[str, Any]) -> dict[str, Any]:
    """Return the comparable form of an object's API fields (desired body or live object)."""
    result: dict[str, Any] = {}
    for name, default in DEFAULTS[kind].items():
        value = fields.get(name)
        # values are not copied: every container changed below is built anew
        result[name] = _copy(default) if value is None else value
    result["metadata"] = ownership.user_metadata(result["metadata"])
    for name in FLOAT_FIELDS:
        if name in result and isinstance(result[name], int | float):
            result[name] = float(result[name])
    if kind == "VectorStore":
        return result
    if kind == "Assistant":
        result["tools"] = [_assistant_tool(t) for t in result["tools"]]
        result["tool_resources"] = _prune(result["tool_resources"])
        if isinstance(result["response_format"], dict):
            result["response_format"] = _drop_none(result["response_format"])
    else:
        result["tools"] = [_agent_tool(t) for t in result["tools"]]
        for name in ("reasoning", "text", "multi_agent", "compaction", "experimental"):
            result[name] = _fill(DEFAULTS[kind][name], result[name])
        multi = result["multi_agent"]
        if multi["enabled"] and multi.get("max_concurrent_subagents") is None:
            multi["max_concurrent_subagents"] = SUBAGENTS_WHEN_ENABLED
        if not multi["enabled"]:
            multi["max_concurrent_subagents"] = None
    return result


def desired_comparable(resource: DesiredResource) -> dict[str, Any]:
    return comparable(resource.kind, resource.body)


def live_comparable(live: LiveObject) -> tuple[dict[str, Any], frozenset[str]]:
    """The comparable form of a live object, and the fields the server did not return."""
    unknown = frozenset(f for f in BODY_FIELDS[live.kind] if f not in live.raw)
    return comparable(live.kind, live.raw), unknown


def content_hash(form: dict[str, Any]) -> str:
    """A short, stable hash of a comparable form."""
    text = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


VOLATILE: dict[str, tuple[str, ...]] = {
    "VectorStore": ("usage_bytes", "last_active_at", "file_counts", "status", "expires_at"),
}
"""Fields the server changes by itself (searching a store makes it active)."""


def fingerprint(live: LiveObject) -> str:
    """A hash of everything the API returned for an object that only a write changes."""
    volatile = VOLATILE.get(live.kind, ())
    return content_hash({k: v for k, v in live.raw.items() if k not in volatile})


def files_digest(resource: DesiredResource) -> str:
    """A hash of a resource's repository files (paths and contents) and their chunking."""
    return content_hash({"files": sorted([f.path, f.sha256] for f in resource.files),
                         "chunking": resource.chunking_strategy})


def manifest_digest(resource: DesiredResource) -> str:
    """A hash of everything a manifest declares (with the contents of its files)."""
    return content_hash({"body": desired_comparable(resource),
                         "files": files_digest(resource), "stores": list(resource.store_refs)})


def to_request(kind: ResourceKind, form: dict[str, Any], marks: dict[str, str],
               *, only: set[str] | None = None) -> dict[str, Any]:
    """Turn a comparable form into an API request body, with the ownership marks.

    `only` limits the body to those fields (and metadata, which carries the marks): an update
    sends what changes; every other field stays as it is live.
    """
    body: dict[str, Any] = {}
    for name in BODY_FIELDS[kind]:
        if only is not None and name not in only:
            continue
        value = form[name]
        if value is None and only is None and kind in NOT_NULL_ON_CREATE:
            continue  # the API takes null here on update (to clear it), not on create
        body[name] = _drop_none(value) if isinstance(value, dict | list) else value
    body["metadata"] = {**form["metadata"], **marks}
    return body


def _assistant_tool(tool: dict[str, Any]) -> dict[str, Any]:
    tool = _drop_none(tool)
    if tool.get("type") == "function":
        function = _drop_none(tool.get("function") or {})
        function.setdefault("strict", False)
        return {"type": "function", "function": function}
    if tool.get("type") == "file_search":
        options = _drop_none(tool.get("file_search") or {})
        if options.get("ranking_options") in RANKING_SERVER_DEFAULTS:
            options.pop("ranking_options")
        return {"type": "file_search", **({"file_search": options} if options else {})}
    return tool


def _agent_tool(tool: dict[str, Any]) -> dict[str, Any]:
    tool = _drop_none(tool)
    defaults: dict[str, Any] = AGENT_TOOL_DEFAULTS.get(str(tool.get("type")), {})
    filled = _fill(defaults, tool)
    transport = filled.get("transport")
    if isinstance(transport, dict):
        filled["transport"] = _fill(MCP_TRANSPORT_DEFAULTS.get(transport.get("type", ""), {}),
                                    transport)
    return {"type": filled.get("type"), **{k: v for k, v in filled.items() if k != "type"}}


def _copy(value: Any) -> Any:
    """Copy a JSON tree (much faster than copy.deepcopy for these small tables)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _fill(defaults: dict[str, Any], value: Any) -> Any:
    """Deep-fill `value` from `defaults` (None counts as missing)."""
    if not isinstance(value, dict):
        return _copy(defaults) if value is None else value
    result = _copy(defaults)
    for key, item in value.items():
        if item is None and key in defaults:
            continue
        if isinstance(item, dict) and isinstance(defaults.get(key), dict):
            result[key] = _fill(defaults[key], item)
        else:
            result[key] = item
    return result


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _prune(value: Any) -> Any:
    """Drop empty lists and maps (an empty `file_ids` list is the same as none)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in ({}, [], None)}
    return value
