"""`/v1/agents` (Agents API, beta): reusable agents with their resolved defaults.

Requests are checked against models mirroring the `openai` package's `AgentCreateParams` and
`AgentUpdateParams` (their fields' models, and how each default resolves, are
`domain.agent_config`'s); answers carry every default resolved, as `openai.types.beta.Agent`
documents them. The `OpenAI-Beta: agents=v1` header is required (checked in the app).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain.agent_config import (
    KIND,
    RESOLVERS,
    CompactionIn,
    ExperimentalIn,
    MultiAgentIn,
    ReasoningIn,
    TextIn,
    Tier,
    ToolIn,
    apply_update,
)
from openai_emulator.domain.catalog import check_model
from openai_emulator.infra import listing
from openai_emulator.infra.contract import BetaHeader
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.http import delete_object, json_body, load_object, ok, state_of
from openai_emulator.infra.state import new_id
from openai_emulator.infra.validation import (
    check_function_names,
    check_metadata,
    validate_model_body,
)

MAX_TOOLS_BYTES = 3 * 1024 * 1024


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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
