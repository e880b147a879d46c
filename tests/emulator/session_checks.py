"""Checking the answers of agent sessions (against the `openai` package's own types: the spec
lacks the Agents API) and of the organization usage endpoints (against the spec, and parsed
strictly with the SDK's types), for every request a test's client makes.

The shared `Conformance` hook reads every `/v1/agents*` answer as an `Agent`; this one reads
`/v1/agents/sessions*` as sessions first and hands everything else to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pydantic

from tests.emulator.harness import Conformance

SESSIONS = "/v1/agents/sessions"
USAGE = {"/v1/organization/usage/completions": "UsageCompletionsResponse",
         "/v1/organization/costs": "UsageCostsResponse"}


def unknown_keys(value: Any, path: str = "") -> list[str]:
    """Keys no field of the SDK's models declares, at any depth of a parsed answer."""
    if isinstance(value, pydantic.BaseModel):
        found = [f"{path}.{key}" for key in (value.model_extra or {})]
        for name in type(value).model_fields:
            found += unknown_keys(getattr(value, name), f"{path}.{name}")
        return found
    if isinstance(value, list):
        return [k for i, item in enumerate(value) for k in unknown_keys(item, f"{path}[{i}]")]
    return []


def parsed_problems(model: Any, body: Any, where: str) -> list[str]:
    """Validate `body` with an SDK model: no error, no unknown key, every required key."""
    if not isinstance(body, dict):
        return [f"{where}: not an object"]
    try:
        parsed = model.model_validate(body)
    except pydantic.ValidationError as exc:
        return [f"{where}: {exc}"]
    missing = {f.alias or n for n, f in model.model_fields.items() if f.is_required()} - set(body)
    return [f"{where}: unknown {k}" for k in unknown_keys(parsed)] + (
        [f"{where}: missing keys {sorted(missing)}"] if missing else [])


def session_problems(body: Any, where: str) -> list[str]:
    """An answer of `/v1/agents/sessions*`: a session, a list of them, or a deletion."""
    from openai.types.beta import AgentSession, AgentSessionDeleted

    if not isinstance(body, dict):
        return [f"{where}: not an object"]
    if body.get("object") == "list":
        envelope = {"object", "data", "first_id", "last_id", "has_more"}
        found = [f"{where}: list keys {sorted(body)}"] if set(body) != envelope else []
        return found + [p for item in body["data"]
                        for p in parsed_problems(AgentSession, item, where)]
    if body.get("object") == "agent.session.deleted":
        return parsed_problems(AgentSessionDeleted, body, where)
    return parsed_problems(AgentSession, body, where)


def usage_problems(path: str, body: Any, where: str) -> list[str]:
    """A usage or costs page, parsed strictly with the SDK's response type."""
    from openai.types.admin.organization import (
        usage_completions_response,
        usage_costs_response,
    )

    model = (usage_completions_response.UsageCompletionsResponse
             if path.endswith("/completions") else usage_costs_response.UsageCostsResponse)
    return parsed_problems(model, body, where)


class SessionConformance(Conformance):
    """`Conformance`, with sessions checked against the SDK's `AgentSession` and usage pages
    both against the spec and the SDK's types."""

    def hook(self) -> Callable[[Any], None]:
        shared = super().hook()

        def check(response: Any) -> None:
            response.read()
            path, status = response.request.url.path, response.status_code
            where = f"{response.request.method} {path} {status}"
            if path.startswith(SESSIONS) and status < 400:
                self.checked += 1
                self.problems.extend(session_problems(response.json(), where))
                return
            if path in USAGE and status < 400:
                self.problems.extend(usage_problems(path, response.json(), where))
            shared(response)  # the spec's schema (and ErrorResponse for every error)

        return check


def checked_client(url: str, conformance: Conformance) -> openai.OpenAI:
    """An `openai` client with an API key and an admin key, every answer checked."""
    http = openai.DefaultHttpxClient(event_hooks={"response": [conformance.hook()]})
    return openai.OpenAI(base_url=url, api_key="test-key", admin_api_key="test-admin-key",
                         max_retries=0, http_client=http)
