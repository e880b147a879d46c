"""The `sessions` table's records (see `infra.store`): an agent session as the API answers
it (`new_session`, with the agent's copy, `snapshot`), and its row, whose columns the session
list and the usage endpoints read. `/v1/agents/sessions` writes one per session; the seeding
writes a month of them at once.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from openai_emulator.infra.state import new_id

DEFAULT_PROJECT = "proj_emulator"
"""The project every session belongs to (the emulator has one), for `group_by=project_id`."""
SNAPSHOT = ("id", "instructions", "model", "multi_agent", "name", "reasoning", "service_tier",
            "text", "tools", "compaction", "experimental")
COLUMNS = ("id", "agent_id", "created_at", "model", "project_id", "service_tier", "requests",
           "input_tokens", "cached_tokens", "output_tokens", "body")
INSERT = (f"INSERT OR IGNORE INTO sessions ({', '.join(COLUMNS)}) "
          f"VALUES ({', '.join('?' * len(COLUMNS))})")


def snapshot(agent: dict[str, Any]) -> dict[str, Any]:
    """A session's copy of an agent, as `AgentSession.agent` has it: its tools without
    `tool_search` and without an MCP server's HTTP headers, which sessions do not show."""
    copied = {key: copy.deepcopy(agent[key]) for key in SNAPSHOT}
    tools = []
    for tool in copied["tools"]:
        if tool["type"] == "mcp":
            tool["transport"].pop("headers", None)
        if tool["type"] != "tool_search":
            tools.append(tool)
    copied["tools"] = tools
    return copied


def new_session(agent: dict[str, Any], *, created_at: int, last_active_at: int,
                environment: dict[str, Any], metadata: dict[str, str],
                limit: int | None = None, session_id: str | None = None) -> dict[str, Any]:
    """An idle session without usage yet (`AgentSession`'s every required key)."""
    return {"id": session_id or new_id("sess_"), "object": "agent.session", "agent": agent,
            "created_at": created_at, "last_active_at": last_active_at,
            "environment": environment, "error": None, "metadata": metadata,
            "required_actions": [], "spend_control": {"limit": limit, "consumed": None},
            "status": "idle", "usage": None, "vault_ids": []}


def row(session: dict[str, Any], *, requests: int,
        project_id: str = DEFAULT_PROJECT) -> tuple[object, ...]:
    """The `sessions` table row of a session (in COLUMNS order)."""
    used = session["usage"]
    tier = session["agent"]["service_tier"]
    return (session["id"], session["agent"]["id"], session["created_at"],
            session["agent"]["model"], project_id, "default" if tier == "auto" else tier,
            requests, used["input_tokens"], used["input_tokens_details"]["cached_tokens"],
            used["output_tokens"], json.dumps(session))
