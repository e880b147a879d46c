"""The Agents API (beta) through the official SDK; answers parse with the SDK's own types,
with no unknown and no missing keys."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import openai
import pytest

from tests.emulator.harness import Emulator

EVERY_TOOL = [
    {"type": "function", "name": "lookup", "description": "Look up.",
     "parameters": {"type": "object", "properties": {}}, "defer_loading": True, "async": True},
    {"type": "tool_search"},
    {"type": "programmatic_tool_calling"},
    {"type": "mcp", "server_label": "docs", "transport": {"type": "stdio", "command": "srv",
                                                          "cwd": "/srv"}},
    {"type": "web_search", "allowed_domains": ["example.com"], "location": {"country": "FR"}},
    {"type": "computer_use"},
    {"type": "automations"},
]


def test_defaults_are_resolved(client: openai.OpenAI) -> None:
    agent = client.beta.agents.create(model="gpt-6.1-sol")
    assert agent.id.startswith("agent_") and agent.object == "agent"
    assert (agent.name, agent.instructions, agent.metadata, agent.tools) == (None, None, {}, [])
    assert (agent.reasoning.effort, agent.reasoning.summary) == (None, None)
    assert agent.service_tier == "auto"
    assert agent.text.format.type == "text" and agent.text.verbosity == "medium"
    assert agent.multi_agent.enabled is False and agent.multi_agent.max_concurrent_subagents is None
    assert agent.compaction is not None and agent.compaction.async_ is False
    assert agent.experimental is not None and agent.experimental.time_awareness is False
    assert agent.updated_at == agent.created_at


def test_every_tool_type_with_resolved_defaults(client: openai.OpenAI) -> None:
    agent = client.beta.agents.create(model="gpt-6.1-sol", tools=EVERY_TOOL)  # type: ignore[arg-type]
    tools = [t.model_dump(by_alias=True) for t in agent.tools]
    assert tools[0]["defer_loading"] is True and tools[0]["async"] is True
    assert tools[2] == {"type": "programmatic_tool_calling", "enabled": True}
    assert tools[3]["transport"] == {"type": "stdio", "command": "srv", "cwd": "/srv",
                                     "args": [], "env_vars": []}
    assert (tools[3]["connection_origin"], tools[3]["required"]) == ("service", False)
    assert (tools[4]["context_size"], tools[4]["mode"]) == ("medium", "live")
    assert tools[5]["include_screenshots"] is False


def test_create_with_every_field(client: openai.OpenAI) -> None:
    agent = client.beta.agents.create(
        model="gpt-6.1-sol", name="Researcher", instructions="Cite sources.", metadata={"a": "b"},
        reasoning={"effort": "high", "summary": "auto"}, service_tier="flex",
        text={"format": {"type": "json_schema", "schema": {"type": "object"}},
              "verbosity": "low"},
        multi_agent={"enabled": True}, compaction={"async": True},
        experimental={"time_awareness": True}, tools=EVERY_TOOL[:1])  # type: ignore[arg-type]
    fetched = client.beta.agents.retrieve(agent.id)
    assert fetched == agent
    assert fetched.multi_agent.max_concurrent_subagents == 6
    assert fetched.text.format.type == "json_schema"
    assert fetched.compaction.async_ is False, "accepted and ignored, as SDK 3.63 documents"  # type: ignore[union-attr]


def test_update_semantics(client: openai.OpenAI) -> None:
    agent = client.beta.agents.create(model="gpt-6.1-sol", name="A", metadata={"a": "1", "b": "2"},
                                      reasoning={"effort": "high"},
                                      experimental={"time_awareness": True})
    kept = client.beta.agents.update(agent.id, instructions="New.")
    assert (kept.name, kept.metadata, kept.reasoning.effort) == ("A", {"a": "1", "b": "2"},
                                                                 "high")
    assert kept.updated_at >= agent.updated_at
    replaced = client.beta.agents.update(agent.id, metadata={"c": "3"})
    assert replaced.metadata == {"c": "3"}, "metadata is replaced, not merged"
    cleared = client.beta.agents.update(agent.id, name=None, metadata=None, reasoning=None,
                                        tools=None, compaction=None)
    assert (cleared.name, cleared.metadata, cleared.reasoning.effort, cleared.tools) == (
        None, {}, None, [])
    merged = client.beta.agents.update(agent.id, experimental={})
    assert merged.experimental.time_awareness is True, "experimental merges by key"  # type: ignore


def test_list_and_delete(client: openai.OpenAI) -> None:
    ids = [client.beta.agents.create(model="gpt-5.6-terra", name=f"a{i}").id for i in range(3)]
    listed = [a.id for a in client.beta.agents.list(limit=100)]
    assert listed[:3] == list(reversed(ids)), "newest first by default"
    deleted = client.beta.agents.delete(ids[0])
    assert deleted.deleted is True and deleted.object == "agent.deleted"
    with pytest.raises(openai.NotFoundError):
        client.beta.agents.retrieve(ids[0])


@pytest.mark.parametrize(("body", "param", "code"), [
    ({"model": "gpt-6.1-sol", "temperature": 1}, "temperature", "unknown_parameter"),
    ({"name": "no model"}, "model", "missing_required_parameter"),
    ({"model": "gpt-0"}, "model", "model_not_found"),
    ({"model": "gpt-6.1-sol", "service_tier": "turbo"}, "service_tier", "invalid_value"),
    ({"model": "gpt-6.1-sol", "tools": [{"type": "code_interpreter"}]}, "tools[0].type",
     "invalid_value"),
    ({"model": "gpt-6.1-sol", "tools": [{"name": "f"}]}, "tools[0].type",
     "missing_required_parameter"),
    ({"model": "gpt-6.1-sol", "tools": [{"type": "web_search", "location": {"city": "Paris",
                                                                       "zip": "75001"}}]},
     "tools[0].location.zip", "unknown_parameter"),
    ({"model": "gpt-6.1-sol", "reasoning": {"effort": 3}}, "reasoning.effort", "invalid_type"),
    ({"model": "gpt-6.1-sol", "tools": [{"type": "function", "name": "bad name", "description": "",
                                   "parameters": {}}]}, "tools[0].name", "invalid_value"),
    ({"model": "gpt-6.1-sol", "metadata": {f"k{i}": "v" for i in range(17)}}, "metadata",
     "object_above_max_properties"),
])
def test_invalid_requests(client: openai.OpenAI, body: dict, param: str, code: str) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        client.post("/agents", body=body, cast_to=object,
                    options={"headers": {"OpenAI-Beta": "agents=v1"}})
    assert (error.value.body["param"], error.value.body["code"]) == (param, code)


def test_beta_header_is_required(emulator: Emulator) -> None:
    request = urllib.request.Request(emulator.url + "/agents", method="GET",
                                     headers={"Authorization": "Bearer k"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)  # noqa: S310
    assert refused.value.code == 400
    message = json.loads(refused.value.read())["error"]["message"]
    assert "OpenAI-Beta: agents=v1" in message
    request.add_header("OpenAI-Beta", "agents=v1")
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        assert json.loads(answer.read())["object"] == "list"
