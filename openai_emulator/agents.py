"""`/v1/agents` (Agents API, beta): reusable agents with their resolved defaults.

Requests are checked against models mirroring the `openai` package's `AgentCreateParams` and
`AgentUpdateParams`; answers carry every default resolved, as `openai.types.beta.Agent`
documents them. The `OpenAI-Beta: agents=v1` header is required (checked in the app).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator import listing
from openai_emulator.assistants import check_model
from openai_emulator.beta import BetaHeader
from openai_emulator.errors import invalid
from openai_emulator.http import delete_object, json_body, load_object, ok, state_of
from openai_emulator.state import new_id
from openai_emulator.validation import (
    check_function_names,
    check_metadata,
    validate_model_body,
)

KIND = "agent"
MAX_TOOLS_BYTES = 3 * 1024 * 1024
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


class AgentUpdateIn(_In):
    model: str | None = None
    compaction: CompactionIn | None = None
    experimental: ExperimentalIn | None = None
    instructions: str | None = None
    metadata: dict[str, str] | None = None
    multi_agent: MultiAgentIn | None = None
    name: str | None = None
    reasoning: ReasoningIn | None = None
    service_tier: Tier | None = None
    text: TextIn | None = None
    tools: list[ToolIn] | None = None


class AgentCreateIn(AgentUpdateIn):
    model: str


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


def _check(parsed: AgentUpdateIn, request: Request) -> None:
    state = state_of(request)
    fields = parsed.model_fields_set
    if "model" in fields and parsed.model is not None:
        check_model(state, parsed.model)
    if "model" in fields and parsed.model is None:
        raise invalid("Invalid value for 'model': expected a string, but got null instead.",
                      "model", "invalid_type")
    check_metadata(parsed.metadata)
    if parsed.tools:
        dumped = [t.model_dump(by_alias=True, exclude_none=True) for t in parsed.tools]
        check_function_names(dumped, nested=False)
        size = len(json.dumps(dumped, separators=(",", ":"), ensure_ascii=False).encode())
        if size > MAX_TOOLS_BYTES:
            raise invalid(f"Invalid 'tools': the tool list is {size} bytes of JSON; the limit "
                          f"is {MAX_TOOLS_BYTES}.", "tools", "array_above_max_size")


async def create_agent(request: Request) -> JSONResponse:
    state = state_of(request)
    parsed = validate_model_body(AgentCreateIn, await json_body(request))
    _check(parsed, request)
    now = state.now()
    agent: dict[str, Any] = {"id": new_id("agent_"), "object": "agent", "created_at": now,
                             "updated_at": now}
    for key, resolve in RESOLVERS.items():
        agent[key] = resolve(getattr(parsed, key))
    agent["experimental"] = {"time_awareness": bool(
        parsed.experimental and parsed.experimental.time_awareness)}
    state.store.insert(KIND, agent, created_at=now)
    return ok(agent)


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


async def update_agent(request: Request) -> JSONResponse:
    state = state_of(request)
    parsed = validate_model_body(AgentUpdateIn, await json_body(request))
    agent = _load(request)
    _check(parsed, request)
    apply_update(agent, parsed)
    agent["updated_at"] = max(state.now(), agent["updated_at"])
    state.store.replace(KIND, agent)
    return ok(agent)


async def list_agents(request: Request) -> JSONResponse:
    params = listing.parse(request, allow_before=False)
    return ok(listing.from_store(state_of(request).store, KIND, params))


async def get_agent(request: Request) -> JSONResponse:
    return ok(_load(request))


async def delete_agent(request: Request) -> JSONResponse:
    return delete_object(request, KIND, "agent_id", "agent")


def _load(request: Request) -> dict[str, Any]:
    return load_object(request, KIND, "agent_id", "agent")


BETA = BetaHeader("/v1/agents", "agents=v1", "Agents")
"""Requests under this prefix (sessions too) must carry `OpenAI-Beta: agents=v1`."""

ROUTES = [
    Route("/v1/agents", create_agent, methods=["POST"]),
    Route("/v1/agents", list_agents, methods=["GET"]),
    Route("/v1/agents/{agent_id}", get_agent, methods=["GET"]),
    Route("/v1/agents/{agent_id}", update_agent, methods=["POST"]),
    Route("/v1/agents/{agent_id}", delete_agent, methods=["DELETE"]),
]
