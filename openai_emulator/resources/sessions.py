"""`/v1/agents/sessions` (Agents API, beta): sessions of an agent, run by a stand-in model.

The emulator runs no model. A session created with input runs its first turn at once and
records token usage that follows the input (`domain.tokens.stand_in_usage`): what `reconciler
usage`, the organization usage endpoints (`resources.usage`) and a dashboard need,
deterministically. Requests are checked against models mirroring the `openai` package's
`SessionCreateParams`; answers parse as `openai.types.beta.AgentSession`. Sessions have their
own indexed table (`infra.store`; its records: `domain.session_records`), so that tens of
thousands list quickly by agent; a deleted session leaves the lists but its usage stays
counted, as billing does.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain import agent_config, tokens
from openai_emulator.domain.catalog import check_model
from openai_emulator.domain.session_records import INSERT, SNAPSHOT, new_session, row, snapshot
from openai_emulator.infra import listing
from openai_emulator.infra.errors import ApiError, invalid, not_found
from openai_emulator.infra.http import json_body, ok, state_of, stored
from openai_emulator.infra.state import State, new_id
from openai_emulator.infra.store import Store
from openai_emulator.infra.validation import (
    check_function_names,
    check_metadata,
    validate_model_body,
)

FAIL_MARKER = "[[fail]]"
"""Input containing this makes the stand-in model fail the turn (status `failed`)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class InputTextIn(_In):
    type: Literal["input_text"]
    text: str


class InputImageIn(_In):
    type: Literal["input_image"]
    image_url: str


class MessageIn(_In):
    content: list[Annotated[InputTextIn | InputImageIn, Field(discriminator="type")]]
    role: Literal["user"]
    type: Literal["message"] | None = None


class EnvNoneIn(_In):
    type: Literal["none"]


class EnvSelfHostedIn(_In):
    type: Literal["self_hosted"]
    workspace_directory: str
    capability_directories: list[str] | None = None


class DesktopIn(_In):
    enabled: bool


class NetworkIn(_In):
    access: Literal["enabled", "disabled", "restricted"]
    allowed_domains: list[str] | None = None
    blocked_domains: list[str] | None = None


class PackagesIn(_In):
    npm: list[str] | None = None
    python: list[str] | None = None
    system: list[str] | None = None


class EnvHostedIn(_In):
    type: Literal["openai_hosted"]
    capability_directories: list[str] | None = None
    container_size: Literal["small", "medium", "large"] | None = None
    desktop: DesktopIn | None = None
    env: dict[str, str] | None = None
    environment_id: str | None = None
    environment_template_id: str | None = None
    files: list[dict[str, Any]] | None = None
    network: NetworkIn | None = None
    packages: PackagesIn | None = None
    plugins: list[dict[str, Any]] | None = None
    setup_commands: list[dict[str, Any]] | None = None
    skills: list[dict[str, Any]] | None = None


class SessionAgentIn(_In):
    compaction: agent_config.CompactionIn | None = None
    experimental: agent_config.ExperimentalIn | None = None
    instructions: str | None = None
    model: str | None = None
    multi_agent: agent_config.MultiAgentIn | None = None
    reasoning: agent_config.ReasoningIn | None = None
    service_tier: agent_config.Tier | None = None
    text: agent_config.TextIn | None = None
    tools: list[agent_config.ToolIn] | None = None


class PromptCacheIn(_In):
    ttl: Literal["30m", "12h"] | None = None


class SpendControlIn(_In):
    limit: Annotated[int, Field(ge=1)] | None


class StreamOptionsIn(_In):
    include_obfuscation: bool | None = None


class SessionCreateIn(_In):
    environment: Annotated[EnvNoneIn | EnvHostedIn | EnvSelfHostedIn,
                           Field(discriminator="type")]
    agent: SessionAgentIn | None = None
    agent_id: str | None = None
    input: str | list[MessageIn] | None = None
    metadata: dict[str, str] | None = None
    prompt_cache_options: PromptCacheIn | None = None
    review: Literal["none", "auto_review"] | None = None
    spend_control: SpendControlIn | None = None
    stream: bool | None = None
    stream_options: StreamOptionsIn | None = None
    vault_ids: list[str] | None = None


# --- the first turn ----------------------------------------------------------------------


def _input_text(value: str | list[MessageIn] | None) -> tuple[str, int]:
    """The text of the input, and how many images it has."""
    if value is None or isinstance(value, str):
        return value or "", 0
    parts = [part for message in value for part in message.content]
    text = "\n".join(p.text for p in parts if isinstance(p, InputTextIn))
    return text, sum(isinstance(p, InputImageIn) for p in parts)


def _run(session: dict[str, Any], value: str | list[MessageIn] | None) -> int:
    """Run the first turn (when there is input) into `session`; return the model requests."""
    if value is None:
        session["usage"] = tokens.token_usage(0, 0, 0, 0)
        return 0
    text, images = _input_text(value)
    used = tokens.stand_in_usage(session["agent"], text, images)
    if FAIL_MARKER in text:
        used = tokens.token_usage(used["input_tokens"], 0, 0, 0)
        session["status"] = "failed"
        session["error"] = f"The stand-in model failed the turn: the input contains {FAIL_MARKER}."
    session["usage"] = used
    control = session["spend_control"]
    control["consumed"] = tokens.spend(session["agent"]["model"], used)
    if (session["status"] == "idle" and control["limit"] is not None
            and (control["consumed"] or 0) >= control["limit"]):
        session["status"] = "budget_reached"
    return 1


# --- requests ----------------------------------------------------------------------------


def _refuse_unsupported(parsed: SessionCreateIn) -> None:
    if parsed.stream:
        raise ApiError(400, "The emulator does not stream sessions: leave 'stream' out or "
                            "send false.", param="stream", code="unsupported_value")
    if parsed.stream_options is not None:
        raise invalid("Invalid 'stream_options': only allowed when 'stream' is true.",
                      "stream_options", "invalid_value")
    env = parsed.environment
    if isinstance(env, EnvHostedIn):
        for name in ("files", "plugins", "setup_commands", "skills"):
            if getattr(env, name):
                raise ApiError(400, f"The emulator provisions no hosted environment: "
                                    f"'environment.{name}' must be empty or left out.",
                               param=f"environment.{name}", code="unsupported_value")
    if isinstance(env, EnvNoneIn) and parsed.input is None:
        raise invalid("Missing required parameter: 'input'.", "input",
                      "missing_required_parameter")
    check_metadata(parsed.metadata)


def _snapshot(state: State, parsed: SessionCreateIn) -> dict[str, Any]:
    """The agent the session runs: the stored one, with the request's overrides."""
    if parsed.agent_id is not None:
        agent = stored(state, agent_config.KIND, parsed.agent_id, "agent")
    elif parsed.agent is None or parsed.agent.model is None:
        param = "agent_id" if parsed.agent is None else "agent.model"
        raise invalid(f"Missing required parameter: '{param}'.", param,
                      "missing_required_parameter")
    else:
        agent = {key: resolve(None) for key, resolve in agent_config.RESOLVERS.items()
                 if key in SNAPSHOT}
        agent.update(id=new_id("agent_"), experimental={"time_awareness": False})
    if parsed.agent is not None:
        _override(state, agent, parsed.agent)
    return snapshot(agent)


def _override(state: State, agent: dict[str, Any], override: SessionAgentIn) -> None:
    fields = override.model_fields_set
    if "model" in fields:
        _check_model(state, override.model)
    if "tools" in fields and override.tools:
        check_function_names([t.model_dump(by_alias=True) for t in override.tools],
                             nested=False)
    agent_config.apply_update(agent, override)


def _check_model(state: State, model: str | None) -> None:
    if model is None:
        raise invalid("Invalid type for 'agent.model': expected a string, but got null "
                      "instead.", "agent.model", "invalid_type")
    try:
        check_model(state, model)
    except ApiError as exc:
        exc.param = "agent.model"
        raise


def _environment(env: EnvNoneIn | EnvHostedIn | EnvSelfHostedIn) -> dict[str, Any]:
    """The environment as the API answers it, its defaults resolved."""
    if isinstance(env, EnvNoneIn):
        return {"type": "none"}
    directories = list(env.capability_directories or [])
    if isinstance(env, EnvSelfHostedIn):
        env_id = new_id("env_")
        return {"id": env_id, "type": "self_hosted", "capability_directories": directories,
                "workspace_directory": env.workspace_directory,
                "remote_url": f"wss://environments.emulator.invalid/{env_id}"}
    network, packages = env.network, env.packages
    return {"id": env.environment_id or new_id("env_"), "type": "openai_hosted",
            "capability_directories": directories,
            "container_size": env.container_size or "medium",
            "desktop": {"enabled": bool(env.desktop and env.desktop.enabled)},
            "files": [], "plugins": [], "skills": [],
            "network": {"access": network.access if network else "disabled",
                        "allowed_domains": list(network.allowed_domains or [])
                        if network else []},
            "packages": {name: list(getattr(packages, name) or []) if packages else []
                         for name in ("npm", "python", "system")}}


async def create_session(request: Request) -> JSONResponse:
    state = state_of(request)
    parsed = validate_model_body(SessionCreateIn, await json_body(request))
    _refuse_unsupported(parsed)
    agent = _snapshot(state, parsed)
    now = state.now()
    session = new_session(agent, created_at=now, last_active_at=now,
                          environment=_environment(parsed.environment),
                          metadata=dict(parsed.metadata or {}),
                          limit=parsed.spend_control.limit if parsed.spend_control else None)
    session["vault_ids"] = list(parsed.vault_ids or [])
    if parsed.prompt_cache_options is not None:
        session["prompt_cache_options"] = {"ttl": parsed.prompt_cache_options.ttl or "30m"}
    if parsed.review == "auto_review":
        session["review"] = "auto_review"
    requests = _run(session, parsed.input)
    state.store.write_many(INSERT, [row(session, requests=requests)])
    return ok(session)


# --- reading -----------------------------------------------------------------------------


def _metadata_filter(query: QueryParams) -> dict[str, str]:
    """`metadata[key]=value` pairs of a list query, checked as the API checks them."""
    pairs = {key[9:-1]: value for key, value in query.multi_items()
             if key.startswith("metadata[") and key.endswith("]")}
    if len(pairs) > 16:
        raise invalid(f"Invalid 'metadata': at most 16 pairs, but got {len(pairs)}.",
                      "metadata", "object_above_max_properties")
    for key, value in pairs.items():
        if not 1 <= len(key) <= 64 or len(value) > 512:
            raise invalid(f"Invalid 'metadata[{key}]': keys must have 1 to 64 characters and "
                          "values at most 512.", f"metadata[{key}]", "invalid_value")
    return pairs


def _position(store: Store, session_id: str) -> tuple[int, int]:
    found = store.rows("SELECT created_at, seq FROM sessions WHERE id = ?", (session_id,))
    if not found:
        raise invalid(f"Invalid 'after': no object with id '{session_id}' in this list.",
                      "after", "invalid_value")
    return int(found[0][0]), int(found[0][1])


async def list_sessions(request: Request) -> JSONResponse:
    store = state_of(request).store
    params = listing.parse(request, allow_before=False)
    where: list[str] = ["deleted = 0"]
    args: list[object] = []
    agent_id = request.query_params.get("agent_id")
    if agent_id is not None:
        where.append("agent_id = ?")
        args.append(agent_id)
    for key, value in _metadata_filter(request.query_params).items():
        where.append("EXISTS (SELECT 1 FROM json_each(body, '$.metadata') "
                     "WHERE key = ? AND value = ?)")
        args += [key, value]
    descending = params.order == "desc"
    if params.after is not None:
        where.append(f"(created_at, seq) {'<' if descending else '>'} (?, ?)")
        args += list(_position(store, params.after))
    direction = "DESC" if descending else "ASC"
    found = store.rows(f"SELECT body FROM sessions WHERE {' AND '.join(where)} "
                       f"ORDER BY created_at {direction}, seq {direction} LIMIT ?",
                       [*args, params.limit + 1])
    items = [json.loads(body) for (body,) in found[:params.limit]]
    return ok(listing.envelope(items, len(found) > params.limit))


async def get_session(request: Request) -> JSONResponse:
    session_id = request.path_params["session_id"]
    found = state_of(request).store.rows(
        "SELECT body FROM sessions WHERE id = ? AND deleted = 0", (session_id,))
    if not found:
        raise not_found("session", session_id)
    return ok(json.loads(found[0][0]))


async def delete_session(request: Request) -> JSONResponse:
    """Remove a session from the API; its usage stays counted, as billing does."""
    session_id = request.path_params["session_id"]
    changed = state_of(request).store.write(
        "UPDATE sessions SET deleted = 1 WHERE id = ? AND deleted = 0", (session_id,))
    if not changed:
        raise not_found("session", session_id)
    return ok({"id": session_id, "object": "agent.session.deleted", "deleted": True})


ROUTES = [
    Route("/v1/agents/sessions", create_session, methods=["POST"]),
    Route("/v1/agents/sessions", list_sessions, methods=["GET"]),
    Route("/v1/agents/sessions/{session_id}", get_session, methods=["GET"]),
    Route("/v1/agents/sessions/{session_id}", delete_session, methods=["DELETE"]),
]
"""Registered before the agents' routes: `/v1/agents/{agent_id}` would take `sessions`."""
