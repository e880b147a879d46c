"""`reconciler usage` on the emulator: each managed agent's sessions of the window (read
newest first, stopping before the window), the organization's usage beside them with an
admin key, and the unused agents with their manifest files."""

from __future__ import annotations

import csv
import io
import json

from reconciler.exitcodes import ExitCode
from reconciler.localemulator import request_seed
from tests.engine.conftest import API_KEY, Project

AGENTS = {
    "agents.yaml": """
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: busy}
        spec: {model: gpt-5.6-terra, instructions: Help.}
        ---
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: idle}
        spec: {model: gpt-6.1-sol, instructions: Wait.}
        """,
}


def _applied(project: Project) -> dict[str, str]:
    project.write(AGENTS)
    assert project.run("apply", "--auto-approve").exit_code == ExitCode.OK
    return {name: agent["id"] for name, agent in project.managed("Agent").items()}


def test_sessions_per_agent_match_what_was_made(project: Project) -> None:
    ids = _applied(project)
    unmanaged = project.client.beta.agents.create(model="gpt-6.1-sol", name="by hand")
    request_seed(project.emulator.url, {"agent_ids": [ids["busy"], unmanaged.id], "days": 3,
                                        "per_day": 40, "seed": 7}, api_key=API_KEY)
    made = [s for s in project.client.beta.agents.sessions.list(agent_id=ids["busy"])]
    result = project.run("usage", "--since", "30d", "--format", "json")
    assert result.exit_code == ExitCode.OK, result.output
    report = json.loads(result.stdout)
    by_agent = {a["agent"]: a for a in report["agents"]}
    assert set(by_agent) == {"Agent/busy", "Agent/idle"}  # managed only
    busy = by_agent["Agent/busy"]
    assert busy["sessions"] == len(made) > 0
    assert busy["failed"] == sum(s.status == "failed" for s in made)
    assert busy["input_tokens"] == sum(s.usage.input_tokens for s in made if s.usage)
    assert busy["file"] == "manifests/agents.yaml"
    assert busy["estimated_cost"] is None  # no catalog here: no price, no guess
    assert by_agent["Agent/idle"]["sessions"] == 0
    assert report["total"]["sessions"] == len(made)
    assert sum(d["sessions"] for d in report["days"]) == len(made)
    assert report["requests"] == 2 + (len(made) - 1) // 100  # one page at least per agent

    window = project.run("usage", "--since", "1h", "--format", "json")
    recent = [s for s in made if s.created_at >= json_time(window.stdout)]
    assert json.loads(window.stdout)["total"]["sessions"] == len(recent)

    table = project.run("usage", "--by", "model", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["model"], int(r["sessions"])) for r in rows] == [("gpt-5.6-terra", len(made))]


def json_time(document: str) -> int:
    import datetime as dt

    since = json.loads(document)["since"]
    return int(dt.datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp())


def test_unused_agents_are_listed_with_their_manifest_and_nothing_is_deleted(
        project: Project) -> None:
    ids = _applied(project)
    project.client.beta.agents.sessions.create(agent_id=ids["busy"], input="Hello there",
                                               environment={"type": "none"})
    writes = project.writes()
    result = project.run("usage", "--unused", "30d")
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout.splitlines()[1].split() == ["Agent/idle", "gpt-6.1-sol",
                                                     "manifests/agents.yaml", "in", "sync"]
    assert "1 of 2 managed agents had no session in the last 30 days" in result.stdout
    assert project.writes() == writes


def test_the_organization_usage_is_added_with_an_admin_key(project: Project) -> None:
    ids = _applied(project)
    project.client.beta.agents.sessions.create(agent_id=ids["busy"], input="Where is A-1?",
                                               environment={"type": "none"})
    without = project.run("usage", "--by", "model")
    assert "Organization usage" not in without.stdout
    admin = project.run_env({"OPENAI_ADMIN_KEY": "sk-admin-SECRET-99"}, "usage", "--by",
                            "model")
    assert admin.exit_code == ExitCode.OK, admin.output
    assert "Organization usage (Usage API" in admin.stdout
    assert "gpt-5.6-terra:" in admin.stdout and "SECRET" not in admin.output


def test_a_bad_window_is_a_usage_error(project: Project) -> None:
    result = project.run("usage", "--since", "30 days")
    assert result.exit_code == ExitCode.ERROR
    assert "'30 days' is not a window: write a number and a unit" in result.output


def test_an_unreadable_organization_usage_is_said_and_the_rest_stands(project: Project) -> None:
    ids = _applied(project)
    project.client.beta.agents.sessions.create(agent_id=ids["busy"], input="Hi",
                                               environment={"type": "none"})
    project.emulator.faults({"fault": "server_error", "status": 503, "methods": ["GET"],
                             "path": "/v1/organization/usage/completions"})
    try:
        result = project.run_env({"OPENAI_ADMIN_KEY": "sk-admin-SECRET-99"}, "usage",
                                 "--retry-timeout", "0")
    finally:
        project.emulator.faults()
    assert result.exit_code == ExitCode.OK, result.output
    assert "Organization usage: not shown: the organization Usage API answered 503" in (
        result.stdout)
    assert "Agent/busy" in result.stdout and "SECRET" not in result.output
