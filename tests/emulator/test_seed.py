"""Seeding a month of sessions: deterministic for a seed (ids included), the counts asked for,
spread over the days, a share failed; through the function, the admin endpoint and
`reconciler emulator seed-usage`."""

from __future__ import annotations

import json
import urllib.error
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import openai
import pytest
from click.testing import CliRunner

from openai_emulator.infra.state import State
from openai_emulator.resources.seed import DAY, seed_sessions
from reconciler import localemulator as server
from reconciler.cli import cli
from tests.emulator.harness import Emulator
from tests.emulator.session_checks import (
    SessionConformance,
    checked_client,
    session_problems,
)

NOW = 1_742_040_000  # 2025-03-15T12:00:00Z


@pytest.fixture
def sdk(emulator: Emulator) -> Iterator[openai.OpenAI]:
    checks = SessionConformance()
    yield checked_client(emulator.url, checks)
    assert checks.problems == []


@pytest.fixture(scope="module")
def stored_agents(emulator: Emulator) -> list[dict[str, Any]]:
    """Three agents as the emulator stores them (made through it), as JSON."""
    client = checked_client(emulator.url, SessionConformance())
    made = [client.beta.agents.create(model=model, name=f"agent-{model}",
                                      instructions="Help." * n, reasoning={"effort": effort})
            for n, (model, effort) in enumerate((("gpt-6.1-sol", "medium"),
                                                 ("gpt-5.6-luna", "none"),
                                                 ("gpt-6-sol", "low")))]
    return [a.model_dump(mode="json", by_alias=True) for a in made]


def fresh_state(folder: Path, agents: list[dict[str, Any]]) -> State:
    state = State.open(folder / "state.sqlite")
    for agent in agents:
        state.store.insert("agent", agent, created_at=agent["created_at"])
    return state


def bodies(state: State) -> list[dict[str, Any]]:
    return [json.loads(body) for (body,) in state.store.rows(
        "SELECT body FROM sessions ORDER BY created_at, id")]


def test_the_same_seed_makes_the_same_sessions(tmp_path: Path,
                                               stored_agents: list[dict[str, Any]]) -> None:
    one = fresh_state(tmp_path / "one", stored_agents)
    two = fresh_state(tmp_path / "two", stored_agents)
    other = fresh_state(tmp_path / "other", stored_agents)
    first = seed_sessions(one, days=7, per_day=40, failure_share=0.2, seed=3, now=NOW)
    second = seed_sessions(two, days=7, per_day=40, failure_share=0.2, seed=3, now=NOW)
    seed_sessions(other, days=7, per_day=40, failure_share=0.2, seed=4, now=NOW)
    assert first == second and bodies(one) == bodies(two), "deterministic, ids included"
    assert bodies(one) != bodies(other)
    again = seed_sessions(one, days=7, per_day=40, failure_share=0.2, seed=3, now=NOW)
    assert (again.created, again.skipped, again.failed) == (0, 280, 0), "nothing new"


def test_a_reset_forgets_the_sessions(tmp_path: Path,
                                      stored_agents: list[dict[str, Any]]) -> None:
    state = fresh_state(tmp_path, stored_agents)
    seed_sessions(state, days=1, per_day=5, now=NOW)
    state.store.wipe()  # what POST /admin/reset does to the store
    assert bodies(state) == [] and state.store.all("agent") == []


def test_counts_days_failures_and_shapes(tmp_path: Path,
                                         stored_agents: list[dict[str, Any]]) -> None:
    state = fresh_state(tmp_path, stored_agents)
    seeded = seed_sessions(state, days=10, per_day=50, failure_share=0.1, seed=1, now=NOW)
    sessions = bodies(state)
    assert (seeded.created, seeded.skipped, seeded.agents) == (500, 0, 3)
    assert seeded.start_time == NOW - NOW % DAY - 9 * DAY and seeded.end_time == NOW
    assert all(seeded.start_time <= s["created_at"] <= s["last_active_at"] <= NOW
               for s in sessions)
    per_day = Counter((s["created_at"] - seeded.start_time) // DAY for s in sessions)
    assert per_day == dict.fromkeys(range(10), 50)
    failed = [s for s in sessions if s["status"] == "failed"]
    assert len(failed) == seeded.failed and 20 <= len(failed) <= 80
    assert all(s["error"] for s in failed) and {s["status"] for s in sessions} == {
        "idle", "failed"}
    by_agent = Counter(s["agent"]["id"] for s in sessions)
    assert set(by_agent) == {a["id"] for a in stored_agents} and len(set(by_agent.values())) > 1
    assert [p for s in sessions for p in session_problems(s, s["id"])] == []
    gpt5 = [s for s in sessions if s["agent"]["model"] == "gpt-6.1-sol"]
    assert all(s["usage"]["output_tokens_details"]["reasoning_tokens"] > 0 for s in gpt5)
    assert all(s["usage"]["output_tokens_details"]["reasoning_tokens"] == 0
               for s in sessions if s["agent"]["model"] == "gpt-5.6-luna"), "effort: none"
    assert all(0 <= s["usage"]["input_tokens_details"]["cached_tokens"]
               < s["usage"]["input_tokens"] for s in sessions)


def test_the_admin_endpoint_seeds_a_running_emulator(emulator: Emulator, sdk: openai.OpenAI,
                                                     stored_agents: list[dict[str, Any]]
                                                     ) -> None:
    agent_id = stored_agents[1]["id"]
    seeded = emulator.call("POST", "/seed/sessions", {"agent_ids": [agent_id], "days": 3,
                                                      "per_day": 30, "seed": 9, "now": NOW})
    assert (seeded["created"], seeded["agents"]) == (90, 1)
    listed = list(sdk.beta.agents.sessions.list(agent_id=agent_id, limit=100))
    assert len(listed) == 90 and {s.agent.model for s in listed} == {"gpt-5.6-luna"}
    assert sum(s.status == "failed" for s in listed) == seeded["failed"]
    assert [s.created_at for s in listed] == sorted((s.created_at for s in listed),
                                                    reverse=True)


@pytest.mark.parametrize(("body", "status", "param"), [
    ({"agent_ids": ["agent_nope"]}, 404, None),
    ({"days": 0}, 400, "days"),
    ({"per_day": "many"}, 400, "per_day"),
    ({"failure_share": 2}, 400, "failure_share"),
    ({"colour": "red"}, 400, "colour"),
    ({"agent_ids": []}, 400, "agent_ids"),
])
def test_the_admin_endpoint_refuses(emulator: Emulator, stored_agents: list[dict[str, Any]],
                                    body: dict[str, Any], status: int, param: str | None
                                    ) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        emulator.call("POST", "/seed/sessions", body)
    assert refused.value.code == status
    assert json.loads(refused.value.read())["error"]["param"] == param


def test_the_cli_seeds_the_projects_emulator(tmp_path: Path, emulator: Emulator,
                                             stored_agents: list[dict[str, Any]]) -> None:
    record = server.Running(pid=emulator.process.pid, url=emulator.url, db=str(emulator.db),
                            log=str(tmp_path / "emulator.log"))
    server.record_path(tmp_path).write_text(json.dumps(asdict(record)))
    command = ["emulator", "seed-usage", "--dir", str(tmp_path), "--days", "2",
               "--per-day", "5", "--seed", "21", "--agent", stored_agents[2]["id"]]
    first = CliRunner().invoke(cli, command)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("seeded 10 sessions (") and "for 1 agent over 2 days" in (
        first.stdout)
    again = CliRunner().invoke(cli, command)
    assert "seeded 0 sessions" in again.stdout and "10 already there" in again.stdout
    unknown = CliRunner().invoke(cli, [*command[:-1], "agent_nope"])
    assert unknown.exit_code == 1
    assert "No agent found with id 'agent_nope'" in unknown.output
