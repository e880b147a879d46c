"""Agent sessions through the official SDK: created, run by the stand-in model, listed with
every filter and cursor in both orders, deleted; every answer parses with the SDK's own
`AgentSession` (no unknown, no missing key) and every error has the API's shape."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from openai_emulator.resources.sessions import FAIL_MARKER
from tests.emulator.harness import Emulator
from tests.emulator.session_checks import SessionConformance, checked_client

NONE: Any = {"type": "none"}
INSTRUCTIONS = "Answer in one sentence."


@pytest.fixture
def checks() -> Iterator[SessionConformance]:
    found = SessionConformance()
    yield found
    assert found.problems == [], "answers that do not match the SDK's types or the spec"


@pytest.fixture
def sdk(emulator: Emulator, checks: SessionConformance) -> openai.OpenAI:
    return checked_client(emulator.url, checks)


def expected_usage(text: str, instructions: str = INSTRUCTIONS,
                   reasoning_share: float = 0.0) -> tuple[int, int, int]:
    """Input, output and reasoning tokens of the stand-in model's turn."""
    input_tokens = math.ceil((len(instructions) + len(text)) / 4)
    output = 16 + input_tokens // 4 + zlib.crc32(text.encode()) % 64
    return input_tokens, output, int(output * reasoning_share)


def test_a_session_runs_the_stand_in_model(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-6-luna", name="Helper", instructions=INSTRUCTIONS,
                                   tools=[{"type": "web_search"}], reasoning={"effort": "none"})
    text = "What is the capital of France?"
    session = sdk.beta.agents.sessions.create(environment=NONE, agent_id=agent.id, input=text,
                                              metadata={"team": "support"}, vault_ids=["v1"])
    assert session.id.startswith("sess_") and session.object == "agent.session"
    assert (session.status, session.error, session.required_actions) == ("idle", None, [])
    assert session.usage is not None
    used = (session.usage.input_tokens, session.usage.output_tokens,
            session.usage.output_tokens_details.reasoning_tokens)
    assert used == expected_usage(text)
    assert session.usage.total_tokens == used[0] + used[1]
    assert session.usage.input_tokens_details.cached_tokens == 0
    assert session.created_at == session.last_active_at
    assert (session.metadata, session.vault_ids) == ({"team": "support"}, ["v1"])
    assert session.environment.type == "none"
    assert session.spend_control.limit is None and session.spend_control.consumed == 0
    snapshot = session.agent
    assert (snapshot.id, snapshot.model, snapshot.name, snapshot.instructions) == (
        agent.id, "gpt-6-luna", "Helper", INSTRUCTIONS)
    assert [t.model_dump() for t in snapshot.tools] == [t.model_dump() for t in agent.tools]
    assert snapshot.text == agent.text
    again = sdk.beta.agents.sessions.create(environment=NONE, agent_id=agent.id, input=text)
    assert again.usage == session.usage, "the stand-in model is deterministic"


def test_reasoning_models_spend_a_share_on_reasoning(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-6.1-sol", instructions=INSTRUCTIONS)
    text = "Plan a trip."
    medium = sdk.beta.agents.sessions.create(environment=NONE, agent_id=agent.id, input=text)
    high = sdk.beta.agents.sessions.create(environment=NONE, agent_id=agent.id, input=text,
                                           agent={"reasoning": {"effort": "high"}})
    assert medium.usage is not None and high.usage is not None
    assert medium.usage.output_tokens_details.reasoning_tokens == expected_usage(
        text, reasoning_share=0.5)[2]
    assert high.usage.output_tokens_details.reasoning_tokens == expected_usage(
        text, reasoning_share=0.75)[2]
    assert high.agent.reasoning.effort == "high"


def test_the_agent_is_a_snapshot_with_overrides(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-6-luna", name="Before",
                                   experimental={"time_awareness": True})
    overridden = sdk.beta.agents.sessions.create(
        environment=NONE, agent_id=agent.id, input="hi",
        agent={"model": "gpt-5.6-luna", "instructions": "Short.", "service_tier": "flex",
               "experimental": {}})
    sdk.beta.agents.update(agent.id, name="After")
    kept = sdk.beta.agents.sessions.retrieve(overridden.id)
    assert (kept.agent.name, kept.agent.model, kept.agent.instructions) == (
        "Before", "gpt-5.6-luna", "Short.")
    assert kept.agent.service_tier == "flex"
    assert kept.agent.experimental is not None and kept.agent.experimental.time_awareness
    inline = sdk.beta.agents.sessions.create(environment=NONE, input="hi",
                                             agent={"model": "gpt-6-sol"})
    assert inline.agent.id.startswith("agent_") and inline.agent.name is None
    assert inline.agent.model == "gpt-6-sol" and inline.agent.tools == []


def test_a_marker_in_the_input_makes_a_failed_session(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-5.6-luna", instructions=INSTRUCTIONS)
    text = f"Please {FAIL_MARKER} now"
    failed = sdk.beta.agents.sessions.create(
        environment=NONE, agent_id=agent.id,
        input=[{"role": "user", "type": "message",
                "content": [{"type": "input_text", "text": text},
                            {"type": "input_image", "image_url": "https://example.com/a.png"}]}])
    assert failed.status == "failed" and failed.error and FAIL_MARKER in failed.error
    assert failed.usage is not None and failed.usage.output_tokens == 0
    assert failed.usage.input_tokens == expected_usage(text)[0] + 85, "an image is 85 tokens"


def test_a_spend_limit_reached_pauses_the_session(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-5.6-sol", instructions="x" * 40_000)
    session = sdk.beta.agents.sessions.create(environment=NONE, agent_id=agent.id, input="go",
                                              spend_control={"limit": 1})
    assert session.status == "budget_reached"
    assert session.spend_control.limit == 1
    assert session.spend_control.consumed is not None and session.spend_control.consumed >= 1


def test_environments_are_answered_resolved(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-5.6-terra")
    hosted = sdk.beta.agents.sessions.create(
        agent_id=agent.id, environment={
            "type": "openai_hosted", "container_size": "large",
            "network": {"access": "restricted", "allowed_domains": ["example.com"]},
            "packages": {"python": ["numpy"]}})
    env = hosted.environment
    assert env.type == "openai_hosted" and env.container_size == "large"
    assert env.network.allowed_domains == ["example.com"] and env.packages.python == ["numpy"]
    assert hosted.usage is not None and hosted.usage.total_tokens == 0, "no input: no turn"
    remote = sdk.beta.agents.sessions.create(
        agent_id=agent.id, environment={"type": "self_hosted", "workspace_directory": "/w"},
        prompt_cache_options={"ttl": "12h"}, review="auto_review")
    assert remote.environment.type == "self_hosted"
    assert remote.environment.workspace_directory == "/w"
    assert remote.prompt_cache_options is not None and remote.prompt_cache_options.ttl == "12h"
    assert remote.review == "auto_review"


def test_retrieve_delete_and_404s(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-6-luna")
    session = sdk.beta.agents.sessions.create(environment=NONE, agent_id=agent.id, input="x")
    assert sdk.beta.agents.sessions.retrieve(session.id) == session
    deleted = sdk.beta.agents.sessions.delete(session.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (session.id, True,
                                                             "agent.session.deleted")
    assert [s.id for s in sdk.beta.agents.sessions.list(agent_id=agent.id)] == []
    for call in (sdk.beta.agents.sessions.retrieve, sdk.beta.agents.sessions.delete):
        with pytest.raises(openai.NotFoundError) as missing:
            call(session.id)
        assert missing.value.body == {"message": f"No session found with id '{session.id}'.",
                                      "type": "invalid_request_error", "param": None,
                                      "code": None}
    with pytest.raises(openai.NotFoundError) as unknown:
        sdk.beta.agents.sessions.create(environment=NONE, agent_id="agent_nope", input="x")
    assert unknown.value.body["message"] == "No agent found with id 'agent_nope'."


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"environment": NONE, "input": "x", "agent_id": "a", "temperature": 1}, "temperature",
     "unknown_parameter"),
    ({"input": "x", "agent": {"model": "gpt-6-luna"}}, "environment", "missing_required_parameter"),
    ({"environment": {"type": "cloud"}, "input": "x"}, "environment.type", "invalid_value"),
    ({"environment": NONE, "agent": {"model": "gpt-6-luna"}}, "input",
     "missing_required_parameter"),
    ({"environment": NONE, "input": "x"}, "agent_id", "missing_required_parameter"),
    ({"environment": NONE, "input": "x", "agent": {"name": "n"}}, "agent.name",
     "unknown_parameter"),
    ({"environment": NONE, "input": "x", "agent": {"instructions": "i"}}, "agent.model",
     "missing_required_parameter"),
    ({"environment": NONE, "input": "x", "agent": {"model": "gpt-0"}}, "agent.model",
     "model_not_found"),
    ({"environment": NONE, "input": [{"role": "assistant", "content": []}],
      "agent": {"model": "gpt-6-luna"}}, "input[0].role", "invalid_value"),
    ({"environment": NONE, "input": "x", "agent": {"model": "gpt-6-luna"}, "stream": True},
     "stream", "unsupported_value"),
    ({"environment": {"type": "openai_hosted", "files": [{"type": "file_id"}]},
      "agent": {"model": "gpt-6-luna"}}, "environment.files", "unsupported_value"),
    ({"environment": NONE, "input": "x", "agent": {"model": "gpt-6-luna"},
      "metadata": {f"k{i}": "v" for i in range(17)}}, "metadata",
     "object_above_max_properties"),
])
def test_invalid_requests(sdk: openai.OpenAI, body: dict[str, Any], param: str,
                          code: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.post("/agents/sessions", body=body, cast_to=object,
                 options={"headers": {"OpenAI-Beta": "agents=v1"}})
    assert (refused.value.body["param"], refused.value.body["code"]) == (param, code)


@pytest.fixture
def two_agents(sdk: openai.OpenAI) -> tuple[str, list[str], str, list[str]]:
    """Agent A with 7 sessions (every other one tagged `batch: b1`), agent B with 3 (all
    tagged), each tagged with A's id as `run` too."""
    first = sdk.beta.agents.create(model="gpt-5.6-luna").id
    second = sdk.beta.agents.create(model="gpt-5-nano").id
    mine = [sdk.beta.agents.sessions.create(
        environment=NONE, agent_id=first, input=f"q{i}",
        metadata={"batch": "b1" if i % 2 == 0 else "b2", "n": str(i), "run": first}).id
        for i in range(7)]
    theirs = [sdk.beta.agents.sessions.create(
        environment=NONE, agent_id=second, input="x", metadata={"batch": "b1", "run": first}).id
              for _ in range(3)]
    return first, mine, second, theirs


def test_list_by_agent_in_both_orders_page_by_page(
        sdk: openai.OpenAI, two_agents: tuple[str, list[str], str, list[str]]) -> None:
    first, mine, second, theirs = two_agents
    sessions = sdk.beta.agents.sessions
    assert [s.id for s in sessions.list(agent_id=first)] == mine[::-1], "newest first"
    assert [s.id for s in sessions.list(agent_id=first, order="asc", limit=2)] == mine, (
        "the SDK's cursor pages through every page")
    assert [s.id for s in sessions.list(agent_id=first, order="desc", limit=3)] == mine[::-1]
    page = sessions.list(agent_id=first, order="asc", limit=3)
    assert ([s.id for s in page.data], page.has_more) == (mine[:3], True)
    raw = sessions.with_raw_response.list(agent_id=first, order="asc", limit=3,
                                          after=mine[2]).http_response.json()
    assert (raw["first_id"], raw["last_id"], raw["has_more"]) == (mine[3], mine[5], True)
    last = sessions.list(agent_id=first, order="desc", after=mine[1])
    assert ([s.id for s in last.data], last.has_more) == ([mine[0]], False)
    assert [s.id for s in sessions.list(agent_id=second)] == theirs[::-1]
    newest = [s.id for s in sessions.list(limit=10).data]
    assert newest == (mine + theirs)[::-1], "every agent's, newest first"


def test_list_by_metadata(sdk: openai.OpenAI,
                          two_agents: tuple[str, list[str], str, list[str]]) -> None:
    first, mine, second, theirs = two_agents
    sessions = sdk.beta.agents.sessions
    tagged = [s.id for s in sessions.list(agent_id=first, metadata={"batch": "b1"},
                                          order="asc", limit=1)]
    assert tagged == mine[0::2]
    both = [s.id for s in sessions.list(metadata={"batch": "b1", "n": "2", "run": first})]
    assert both == [mine[2]], "every pair must match"
    everyone = [s.id for s in sessions.list(metadata={"batch": "b1", "run": first}, limit=2)]
    assert everyone == [*theirs[::-1], *mine[0::2][::-1]]
    assert [s.id for s in sessions.list(metadata={"batch": "none"})] == []


@pytest.mark.parametrize(("query", "param"), [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"order": "up"}, "order"),
    ({"after": "sess_nope"}, "after"), ({"metadata": {"k" * 65: "v"}}, f"metadata[{'k' * 65}]"),
])
def test_list_refusals(sdk: openai.OpenAI, query: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.beta.agents.sessions.list(**query)
    assert refused.value.body["param"] == param


def test_the_beta_header_is_required(emulator: Emulator) -> None:
    request = urllib.request.Request(emulator.url + "/agents/sessions",
                                     headers={"Authorization": "Bearer k"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310 - loopback
    assert refused.value.code == 400
    assert "OpenAI-Beta: agents=v1" in json.loads(refused.value.read())["error"]["message"]
