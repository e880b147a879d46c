"""An agent's fields as the Agents API takes and resolves them: the request models mirroring
the `openai` package's param types for the fields (tools, reasoning, text, ...), and how each
field's default resolves (`RESOLVERS`, `apply_update`). `/v1/agents` checks and stores agents
with them; a session runs a copy of one, with the request's overrides applied the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

KIND = "agent"
"""The store's kind for an agent."""
Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
Tier = Literal["auto", "default", "flex", "priority", "fast", "ultrafast"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FunctionIn(_In):
    type: Literal["function"]
    name: str
    description: str
    parameters: dict[str, Any]
    defer_loading: bool | None = None
    async_: bool | None = Field(None, alias="async")


class ToolSearchIn(_In):
    type: Literal["tool_search"]


class ProgrammaticIn(_In):
    type: Literal["programmatic_tool_calling"]
    enabled: bool | None = None


class HttpTransportIn(_In):
    type: Literal["http"]
    server_url: str
    headers: dict[str, str] | None = None


class StdioTransportIn(_In):
    type: Literal["stdio"]
    command: str
    cwd: str
    args: list[str] | None = None
    env_vars: list[str] | None = None


class McpIn(_In):
    type: Literal["mcp"]
    server_label: str
    transport: Annotated[HttpTransportIn | StdioTransportIn, Field(discriminator="type")]
    allowed_tools: list[str] | None = None
    connection_origin: Literal["service", "environment"] | None = None
    credential_id: str | None = None
    request_metadata: dict[str, Any] | None = None
    required: bool | None = None


class LocationIn(_In):
    city: str | None = None
    country: str | None = None
    region: str | None = None
    timezone: str | None = None


class WebSearchIn(_In):
    type: Literal["web_search"]
    allowed_domains: list[str] | None = None
    context_size: Literal["low", "medium", "high"] | None = None
    location: LocationIn | None = None
    mode: Literal["disabled", "cached", "live"] | None = None


class ComputerUseIn(_In):
    type: Literal["computer_use"]
    include_screenshots: bool | None = None


class AutomationsIn(_In):
    type: Literal["automations"]


ToolIn = Annotated[
    FunctionIn | ToolSearchIn | ProgrammaticIn | McpIn | WebSearchIn | ComputerUseIn
    | AutomationsIn,
    Field(discriminator="type"),
]


class ReasoningIn(_In):
    effort: Effort | None = None
    summary: Literal["concise", "detailed", "auto"] | None = None


class TextPlainIn(_In):
    type: Literal["text"]


class TextSchemaIn(_In):
    type: Literal["json_schema"]
    schema_: dict[str, Any] = Field(alias="schema")


class TextIn(_In):
    format: Annotated[TextPlainIn | TextSchemaIn, Field(discriminator="type")] | None = None
    verbosity: Literal["low", "medium", "high"] | None = None


class MultiAgentIn(_In):
    enabled: bool
    max_concurrent_subagents: int | None = Field(None, ge=1)


class CompactionIn(_In):
    async_: bool | None = Field(None, alias="async")


class ExperimentalIn(_In):
    time_awareness: bool | None = None


# --- resolution of defaults ------------------------------------------------------------


def resolve_tool(tool: Any) -> dict[str, Any]:
    """Return a tool as the API persists it, every default filled in."""
    data: dict[str, Any] = tool.model_dump(by_alias=True, exclude_none=True)
    kind = data["type"]
    if kind == "function":
        data.setdefault("defer_loading", False)
    elif kind == "programmatic_tool_calling":
        data.setdefault("enabled", True)
    elif kind == "mcp":
        transport = data["transport"]
        if transport["type"] == "http":
            transport.setdefault("headers", {})
        else:
            transport.setdefault("args", [])
            transport.setdefault("env_vars", [])
        data = {"allowed_tools": None, "connection_origin": "service", "credential_id": None,
                "request_metadata": {}, "required": False, **data}
    elif kind == "web_search":
        data = {"allowed_domains": None, "context_size": "medium", "location": None,
                "mode": "live", **data}
    elif kind == "computer_use":
        data.setdefault("include_screenshots", False)
    return data


def _text(value: TextIn | None) -> dict[str, Any]:
    fmt: dict[str, Any] = {"type": "text"}
    if value is not None and value.format is not None:
        fmt = value.format.model_dump(by_alias=True)
    verbosity = value.verbosity if value is not None and value.verbosity else "medium"
    return {"format": fmt, "verbosity": verbosity}


def _multi_agent(value: MultiAgentIn | None) -> dict[str, Any]:
    if value is None or not value.enabled:
        return {"enabled": False, "max_concurrent_subagents": None}
    return {"enabled": True, "max_concurrent_subagents": value.max_concurrent_subagents or 6}


RESOLVERS: dict[str, Callable[[Any], Any]] = {
    "model": lambda v: v,
    "instructions": lambda v: v,
    "name": lambda v: v,
    "metadata": lambda v: dict(v or {}),
    "tools": lambda v: [resolve_tool(t) for t in (v or [])],
    "reasoning": lambda v: {"effort": v.effort if v else None,
                            "summary": v.summary if v else None},
    "service_tier": lambda v: v or "auto",
    "text": _text,
    "multi_agent": _multi_agent,
    # the API accepts `async` and ignores it: compaction is always blocking (SDK 3.63)
    "compaction": lambda v: {"async": False},
}


def apply_update(agent: dict[str, Any], parsed: BaseModel) -> None:
    """Set on `agent` the fields a checked update (or a session's override) gives, resolved
    as the API resolves them."""
    for key in parsed.model_fields_set:
        value = getattr(parsed, key)
        if key == "experimental":
            if value is not None and value.time_awareness is not None:
                agent["experimental"]["time_awareness"] = value.time_awareness
        else:
            agent[key] = RESOLVERS[key](value)
