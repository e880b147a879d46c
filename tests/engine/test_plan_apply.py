"""Plan and apply end to end through the CLI against the emulator, both kinds."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from reconciler import ownership
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import API_KEY, LOCK_WRITES, Project, list_requests

ASSISTANT = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper}
spec:
  model: gpt-6-luna
  instructions: |
    Line one.
    Line two.
  metadata: {team: support}
"""
AGENT = """
apiVersion: reconciler/v1
kind: Agent
metadata: {name: researcher}
spec:
  model: gpt-6.1-sol
  name: Researcher
  tools: [{type: web_search}]
"""


def _apply(project: Project, *args: str) -> Any:
    result = project.run("apply", "--auto-approve", *args)
    assert result.exit_code == ExitCode.OK, result.output
    return result


def _plan_is_empty(project: Project) -> None:
    result = project.run("plan", "--detailed-exitcode")
    assert result.exit_code == ExitCode.OK, result.output
    assert "No changes." in result.stdout


def test_create_both_kinds_then_nothing_to_do(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    planned = project.run("plan", "--detailed-exitcode")
    assert planned.exit_code == ExitCode.CHANGES
    assert "Plan: 2 to create, 0 to update, 0 to delete." in planned.stdout
    project.clear_stats()
    _apply(project)
    assert project.requests()["POST /v1/assistants"] == 1
    assert project.requests()["POST /v1/agents"] == 1
    helper = project.managed("Assistant")["helper"]
    assert helper["instructions"] == "Line one.\nLine two.\n"
    assert helper["metadata"]["team"] == "support"
    assert helper["metadata"][ownership.MANAGED_BY_KEY] == ownership.MANAGED_BY_VALUE
    assert project.managed("Agent")["researcher"]["name"] == "Researcher"
    _plan_is_empty(project)
    project.clear_stats()
    again = _apply(project)
    assert "No changes." in again.stdout
    assert project.writes() == 0, "a no-op apply sends no write"


ASSISTANT_EDITS: list[tuple[str, str, Any]] = [
    ("name", "  name: Helper Bot\n", "Helper Bot"),
    ("description", "  description: Helps.\n", "Helps."),
    ("model", "  model: gpt-6-sol\n", "gpt-6-sol"),
    ("temperature", "  temperature: 0.25\n", 0.25),
    ("top_p", "  top_p: 0.5\n", 0.5),
    ("reasoning_effort", "  reasoning_effort: high\n", "high"),
    ("tools", "  tools: [{type: code_interpreter}]\n", [{"type": "code_interpreter"}]),
    ("response_format", "  response_format: {type: json_object}\n", {"type": "json_object"}),
]


@pytest.mark.parametrize(("field", "line", "expected"), ASSISTANT_EDITS,
                         ids=[e[0] for e in ASSISTANT_EDITS])
def test_update_each_assistant_field(project: Project, field: str, line: str,
                                     expected: Any) -> None:
    project.write({"a.yaml": ASSISTANT})
    _apply(project)
    before_id = project.managed("Assistant")["helper"]["id"]
    edited = ASSISTANT.replace("  model: gpt-6-luna\n", "") + line if field == "model" else (
        ASSISTANT + line)
    project.write({"a.yaml": edited})
    planned = project.run("plan")
    assert re.search(rf"[~+-] {field}\b", planned.stdout), planned.stdout
    assert "Plan: 0 to create, 1 to update, 0 to delete." in planned.stdout
    _apply(project)
    live = project.managed("Assistant")["helper"]
    assert live["id"] == before_id, "updated in place"
    assert live.get(field) == expected
    _plan_is_empty(project)


def test_update_instructions_shows_a_unified_diff(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT})
    _apply(project)
    project.write({"a.yaml": ASSISTANT.replace("Line two.", "Line 2, edited.")})
    text = project.run("plan").stdout
    assert "~ instructions:" in text
    assert "-Line two." in text and "+Line 2, edited." in text
    _apply(project)
    _plan_is_empty(project)


AGENT_EDITS: list[tuple[str, str, str, Any]] = [
    ("name", "  name: Researcher\n", "  name: Scholar\n", "Scholar"),
    ("model", "  model: gpt-6.1-sol\n", "  model: gpt-5.6-terra\n", "gpt-5.6-terra"),
    ("instructions", "", "  instructions: Cite sources.\n", "Cite sources."),
    ("metadata", "", "  metadata: {owner: research}\n", {"owner": "research"}),
    ("tools", "  tools: [{type: web_search}]\n", "  tools: [{type: tool_search}]\n",
     [{"type": "tool_search"}]),
    ("reasoning", "", "  reasoning: {effort: high}\n", {"effort": "high", "summary": None}),
    ("text", "", "  text: {verbosity: low}\n", {"format": {"type": "text"}, "verbosity": "low"}),
    ("service_tier", "", "  service_tier: flex\n", "flex"),
    ("multi_agent", "", "  multi_agent: {enabled: true}\n",
     {"enabled": True, "max_concurrent_subagents": 6}),
    ("experimental", "", "  experimental: {time_awareness: true}\n", {"time_awareness": True}),
]


@pytest.mark.parametrize(("field", "old", "new", "expected"), AGENT_EDITS,
                         ids=[e[0] for e in AGENT_EDITS])
def test_update_each_agent_field(project: Project, field: str, old: str, new: str,
                                 expected: Any) -> None:
    project.write({"b.yaml": AGENT})
    _apply(project)
    before_id = project.managed("Agent")["researcher"]["id"]
    edited = AGENT.replace(old, new) if old else AGENT + new
    project.write({"b.yaml": edited})
    planned = project.run("plan")
    assert re.search(rf"[~+-] {field}\b", planned.stdout), planned.stdout
    _apply(project)
    live = project.managed("Agent")["researcher"]
    assert live["id"] == before_id
    shown = live[field]
    if field == "metadata":
        shown = ownership.user_metadata(shown)
    if field == "tools":
        shown = [{"type": t["type"]} for t in shown]
    assert shown == expected
    _plan_is_empty(project)


def test_compaction_async_is_ignored_as_the_api_ignores_it(project: Project) -> None:
    """SDK 3.63: `compaction.async` is accepted and ignored, and the API answers false; a
    manifest that sets it plans no change on every run, and validate says it has no effect."""
    project.write({"b.yaml": AGENT + "  compaction: {async: true}\n"})
    applied = _apply(project)
    assert "compaction.async has no effect" in applied.output
    assert project.managed("Agent")["researcher"]["compaction"] == {"async": False}
    _plan_is_empty(project)
    validated = project.run("validate")
    assert validated.exit_code == ExitCode.OK
    assert ("manifests/b.yaml:8:16: warning[no-effect] spec.compaction.async: compaction.async "
            "has no effect") in validated.stdout


def test_removed_field_goes_back_to_the_api_default(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT + "  temperature: 0.3\n"})
    _apply(project)
    project.write({"a.yaml": ASSISTANT})
    assert "~ temperature: 0.3 -> 1.0" in project.run("plan").stdout
    _apply(project)
    assert project.managed("Assistant")["helper"]["temperature"] == 1.0


def test_drift_made_by_hand_is_corrected(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    _apply(project)
    helper = project.managed("Assistant")["helper"]
    project.client.beta.assistants.update(helper["id"], temperature=1.9,
                                          metadata={**helper["metadata"], "extra": "x"})
    text = project.run("plan").stdout
    assert "~ temperature: 1.9 -> 1.0" in text
    assert '- metadata.extra = "x"' in text
    _apply(project)
    _plan_is_empty(project)


def test_replace_on_request(project: Project) -> None:
    project.write({"b.yaml": AGENT})
    _apply(project)
    old = project.managed("Agent")["researcher"]["id"]
    planned = project.run("plan", "--replace", "Agent/researcher")
    assert "-/+ Agent/researcher" in planned.stdout
    assert "Plan: 1 to create, 0 to update, 1 to delete. (1 replaced)" in planned.stdout
    _apply(project, "--replace", "Agent/researcher")
    new = project.managed("Agent")["researcher"]["id"]
    assert new != old
    assert [a["id"] for a in project.live("Agent")] == [new]


def test_removed_manifest_deletes_unless_no_delete(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    _apply(project)
    project.remove("b.yaml")
    kept = project.run("apply", "--auto-approve", "--no-delete")
    assert "No changes." in kept.stdout
    assert "researcher" in project.managed("Agent")
    planned = project.run("plan")
    assert "- Agent/researcher" in planned.stdout and "will be destroyed" in planned.stdout
    _apply(project)
    assert project.live("Agent") == []


def test_ignore_changes_keeps_live_values(project: Project) -> None:
    spec = ASSISTANT + "  lifecycle:\n    ignore_changes: [instructions, metadata.escalation]\n"
    project.write({"a.yaml": spec})
    _apply(project)
    helper = project.managed("Assistant")["helper"]
    project.client.beta.assistants.update(
        helper["id"], instructions="Edited in the dashboard.",
        metadata={**helper["metadata"], "escalation": "oncall@example.com"})
    _plan_is_empty(project)
    project.write({"a.yaml": spec.replace("team: support", "team: billing")})
    _apply(project)
    live = project.managed("Assistant")["helper"]
    assert live["instructions"] == "Edited in the dashboard."
    assert live["metadata"]["escalation"] == "oncall@example.com"
    assert live["metadata"]["team"] == "billing"


def test_prevent_destroy_blocks_replace_and_delete(project: Project) -> None:
    guarded = AGENT + "  lifecycle: {prevent_destroy: true}\n"
    project.write({"b.yaml": guarded})
    _apply(project)
    project.clear_stats()
    replaced = project.run("apply", "--auto-approve", "--replace", "Agent/researcher")
    assert replaced.exit_code == ExitCode.ERROR
    assert "Agent/researcher has lifecycle.prevent_destroy" in replaced.stderr
    project.remove("b.yaml")
    deleted = project.run("plan", "--allow-mass-delete")
    assert deleted.exit_code == ExitCode.ERROR
    assert "was applied with lifecycle.prevent_destroy" in deleted.stderr
    assert project.writes() == 0
    assert project.run("plan", "--no-delete").exit_code == ExitCode.OK


def test_unmanaged_objects_are_left_alone(project: Project) -> None:
    by_hand = project.client.beta.assistants.create(model="gpt-6-luna", name="helper",
                                                    metadata={"team": "ops"})
    before = project.client.beta.assistants.retrieve(by_hand.id).model_dump()
    project.write({"a.yaml": ASSISTANT})
    planned = project.run("plan")
    assert "1 live object is not managed by the reconciler" in planned.stdout
    assert "Plan: 1 to create, 0 to update, 0 to delete." in planned.stdout
    _apply(project)
    project.remove("a.yaml")
    _apply(project, "--allow-mass-delete")
    assert project.client.beta.assistants.retrieve(by_hand.id).model_dump() == before


def test_targets_limit_the_plan(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    planned = project.run("plan", "--target", "Agent/researcher")
    assert "Agent/researcher" in planned.stdout and "Assistant/helper" not in planned.stdout
    assert "resource targeting is in effect (--target): 1 other pending change not in this " \
           "plan" in planned.stdout
    _apply(project, "--target", "Agent/researcher")
    assert project.live("Assistant") == []
    _apply(project)
    assert "--target): 0 other pending changes" in project.run(
        "plan", "--target", "Agent/researcher").stdout
    unknown = project.run("plan", "--target", "Agent/nobody")
    assert unknown.exit_code == ExitCode.ERROR and "no resource Agent/nobody" in unknown.stderr
    # kinds in any case; a misspelt name or kind says what was meant
    assert "no resource Agent/nobody" in project.run("plan", "--target", "AGENT/nobody").stderr
    typo = project.run("plan", "--replace", "Agent/reseacher")
    assert typo.exit_code == ExitCode.ERROR
    assert "hint: did you mean 'Agent/researcher'?" in typo.stderr
    kind = project.run("plan", "--target", "Agnt/researcher")
    assert kind.exit_code == ExitCode.ERROR and "Traceback" not in kind.output
    assert "'Agnt' is not a kind" in kind.output and "did you mean 'Agent'?" in kind.output


def test_saved_plan_applies_exactly(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    saved = project.run("plan", "--out", "plan.json")
    assert saved.exit_code == 0 and "reconciler apply plan.json" in saved.stderr
    project.clear_stats()
    applied = project.run("apply", "plan.json")
    assert applied.exit_code == 0, applied.output
    assert project.writes() == 2 + LOCK_WRITES
    _plan_is_empty(project)


def test_a_saved_plan_carries_its_environment_and_summary(project: Project) -> None:
    (project.root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nenvironments:\n  dev: {scope: s-dev}\n  prod: {scope: s-prod}\n")
    project.write({"a.yaml": ASSISTANT})
    assert project.run("--env", "dev", "plan", "--out", "plan.json").exit_code == 0
    data = json.loads((project.root / "plan.json").read_text())
    assert data["environment"] == "dev" and data["summary"]["create"] == 1
    assert data["reconciler_version"] and data["format_version"] == "1.4"
    wrong = project.run("--env", "prod", "apply", "plan.json")
    assert wrong.exit_code == ExitCode.ERROR
    assert "plan.json was made for environment dev (at http" in wrong.stderr
    assert "you asked for environment prod; nothing was changed" in wrong.stderr
    project.clear_stats()
    applied = project.run("apply", "plan.json")  # no --env: the plan's own
    assert applied.exit_code == 0, applied.output
    assert "scope s-dev" in applied.output and project.writes() == 1 + LOCK_WRITES


def test_stale_plan_is_refused_naming_what_changed(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    _apply(project)
    project.write({"a.yaml": ASSISTANT + "  temperature: 0.5\n"})
    project.run("plan", "--out", "plan.json")
    helper = project.managed("Assistant")["helper"]
    project.client.beta.assistants.update(helper["id"], name="edited by hand")
    project.write({"b.yaml": AGENT.replace("gpt-6.1-sol", "gpt-5.6-terra")})
    project.clear_stats()
    refused = project.run("apply", "plan.json")
    assert refused.exit_code == ExitCode.ERROR
    assert f"Assistant/helper: the live object {helper['id']} changed" in refused.stderr
    assert "Agent/researcher: its manifest was changed" in refused.stderr
    assert project.writes() == 0


def test_a_plan_for_another_endpoint_is_refused(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT})
    project.run("plan", "--out", "plan.json")
    from reconciler.plan.model import Plan

    data = json.loads((project.root / "plan.json").read_text())
    plan = Plan.model_validate({k: v for k, v in data.items()
                                if k not in ("summary", "reconciler_version")})
    elsewhere = plan.model_copy(update={"endpoint": "https://api.openai.com/v1"})
    (project.root / "plan.json").write_text(elsewhere.model_copy(
        update={"digest": elsewhere.saved_digest()}).model_dump_json())
    refused = project.run("apply", "plan.json")
    assert refused.exit_code == ExitCode.ERROR
    assert "the plan was made for https://api.openai.com/v1" in refused.stderr


def test_apply_refuses_without_a_terminal(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT})
    project.clear_stats()
    result = project.run("apply")
    assert result.exit_code == ExitCode.ERROR
    assert "there is no terminal; nothing was changed" in result.stderr
    assert project.writes() == 0


@pytest.mark.parametrize(("answer", "applied"), [("yes\n", True), ("y\n", False)])
def test_apply_asks_for_yes(project: Project, monkeypatch: pytest.MonkeyPatch, answer: str,
                            applied: bool) -> None:
    monkeypatch.setattr("reconciler.commands.plan_apply.interactive", lambda: True)
    project.write({"a.yaml": ASSISTANT})
    result = project.run("apply", input=answer)
    assert (result.exit_code == ExitCode.OK) is applied
    assert bool(project.live("Assistant")) is applied


def test_formats(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    as_json = json.loads(project.run("plan", "--format", "json").stdout)
    assert as_json["format_version"] == "1.4"
    assert as_json["summary"]["create"] == 2
    assert {c["address"] for c in as_json["changes"]} == {"Assistant/helper", "Agent/researcher"}
    markdown = project.run("plan", "--format", "markdown").stdout
    assert markdown.startswith("### Plan: 2 to create")
    assert "<details>" in markdown and "```diff" in markdown


def test_partial_failure_applies_the_rest_and_converges(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT, "b.yaml": AGENT})
    project.emulator.faults({"fault": "server_error", "methods": ["POST"],
                             "path": "/v1/agents"})
    result = project.run("apply", "--auto-approve", "--retry-timeout", "0")
    project.emulator.faults()
    assert result.exit_code == ExitCode.ERROR
    assert "Agent/researcher: FAILED: 500: The server had an error" in result.stderr
    assert "Apply incomplete: 1 of 2 changes failed" in result.stderr
    assert "helper" in project.managed("Assistant")
    _apply(project)
    _plan_is_empty(project)


def test_model_missing_on_the_account_fails_the_plan(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT.replace("gpt-6-luna", "gpt-9-turbo")})
    result = project.run("plan")
    assert result.exit_code == ExitCode.ERROR
    assert "model 'gpt-9-turbo' is not available on this account" in result.stderr


def test_invalid_manifests_exit_1_and_write_nothing(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT.replace("model:", "modle:")})
    project.clear_stats()
    for command in ("plan", "apply"):
        result = project.run(command, "--auto-approve") if command == "apply" else project.run(
            command)
        assert result.exit_code == ExitCode.ERROR
        assert "error[unknown-field]" in result.stderr
    assert project.writes() == 0, "live state may be read meanwhile, never written"


def test_the_api_key_never_appears(project: Project) -> None:
    project.write({"a.yaml": ASSISTANT})
    outputs = [project.run("plan").output, project.run("plan", "--format", "json").output,
               project.run("apply", "--auto-approve").output,
               project.run("plan", "--out", "plan.json").output]
    assert all(API_KEY not in text for text in outputs)
    assert API_KEY not in (project.root / "plan.json").read_text()


def test_reading_sends_one_list_request_per_hundred(project: Project) -> None:
    marks = {ownership.MANAGED_BY_KEY: ownership.MANAGED_BY_VALUE}
    for i in range(250):
        project.client.beta.assistants.create(
            model="gpt-6-luna", metadata={**marks, ownership.NAME_KEY: f"a{i}",
                                      ownership.DIGEST_KEY: "x"})
    project.write({"a.yaml": ASSISTANT})
    project.clear_stats()
    assert project.run("plan", "--no-delete").exit_code == 0
    assert project.requests() == list_requests({"Assistant": 250})
    assert project.requests()["GET /v1/assistants"] == 3


def test_no_connection_is_a_clear_error(project: Project,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from reconciler.cli import cli

    project.write({"a.yaml": ASSISTANT})
    result = CliRunner().invoke(cli, ["plan"], env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""})
    assert result.exit_code == ExitCode.ERROR
    assert "no API to talk to" in result.stderr and "reconciler emulator start" in result.stderr


def test_a_retired_api(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """OpenAI answers the sunset Assistants API with 410: agents still work, and a project
    that declares no assistant hears nothing of it (no warning on every plan); assistant
    manifests are refused with the reason; nothing is written."""
    from click.testing import CliRunner

    from openai_emulator.process import spawn
    from reconciler.cli import cli

    sunset = spawn(tmp_path / "emu", "--retire", "assistants")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("manifests: [m]\n")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "b.yaml").write_text(AGENT)
    env = {"OPENAI_BASE_URL": sunset.url, "OPENAI_API_KEY": "k"}
    try:
        applied = CliRunner().invoke(cli, ["apply", "--auto-approve"], env=env)
        assert applied.exit_code == ExitCode.OK, applied.output
        assert "Agent/" in applied.stdout
        assert "Assistant" not in applied.output and "warning" not in applied.output
        (tmp_path / "m" / "a.yaml").write_text(ASSISTANT)
        refused = CliRunner().invoke(cli, ["plan"], env=env)
        assert refused.exit_code == ExitCode.ERROR
        assert "cannot manage Assistant manifests here" in refused.stderr
        assert "retired" in refused.stderr
    finally:
        sunset.stop()


def test_a_model_change_shows_the_catalog_prices(project: Project) -> None:
    catalog = """
    apiVersion: reconciler/v1
    kind: ModelCatalog
    metadata: {name: models}
    spec:
      models:
        - {id: gpt-6-luna, pricing: {input_per_1m_tokens: 2.5, output_per_1m_tokens: 10}}
        - {id: gpt-5.6-luna, pricing: {input_per_1m_tokens: 0.15, output_per_1m_tokens: 0.6}}
        - {id: gpt-6-sol}
        - {id: gpt-5.2-pro}
    """
    project.write({"catalog.yaml": catalog, "a.yaml": ASSISTANT})
    _apply(project)
    project.write({"a.yaml": ASSISTANT.replace("gpt-6-luna", "gpt-5.6-luna")})
    text = project.run("plan").stdout
    assert ("# (price per 1M tokens: input $2.50 -> $0.15, output $10.00 -> $0.60)"
            in text)
    markdown = project.run("plan", "--format", "markdown").stdout
    assert ("**Models changed by 1 change(s), price per 1M tokens summed: input $2.50 -> "
            "$0.15, output $10.00 -> $0.60.**") in markdown
    project.write({"a.yaml": ASSISTANT.replace("gpt-6-luna", "gpt-6-sol")})
    listed = project.run("plan").stdout  # the catalog has no price: OpenAI's list price
    assert ("# (price per 1M tokens: input $2.50 -> $2.00, output $10.00 -> $10.00; gpt-6-sol: "
            "OpenAI's list price (the catalog gives none))") in listed
    cost = json.loads(project.run("plan", "--format", "json").stdout)["changes"][0]["cost"]
    assert (cost["before"]["source"], cost["after"]["source"]) == ("catalog", "calendar")
    project.write({"a.yaml": ASSISTANT.replace("gpt-6-luna", "gpt-5.2-pro")})  # no guess
    unpriced = project.run("plan").stdout
    assert ("# (price per 1M tokens: input $2.50 -> ?, output $10.00 -> ?; no price is known "
            "for gpt-5.2-pro)") in unpriced


def test_a_renamed_manifest_moves_its_object_in_place(project: Project) -> None:
    """`reconciler/moved-from: OLD` renames the live object (Terraform's `moved`): an update
    that keeps the id, never a delete and a create."""
    project.write({"b.yaml": AGENT})
    _apply(project)
    before = project.managed("Agent")["researcher"]
    moved = AGENT.replace("metadata: {name: researcher}", "metadata:\n  name: analyst\n"
                          "  annotations: {reconciler/moved-from: researcher}")
    renamed = AGENT.replace("metadata: {name: researcher}", "metadata: {name: analyst}")
    project.write({"b.yaml": renamed})
    hinted = project.run("plan").output
    assert ("Agent/analyst (created) and Agent/researcher (deleted) are alike: renamed? To keep "
            f"{before['id']} and its id, add metadata.annotations: "
            "{reconciler/moved-from: researcher} to Agent/analyst") in hinted
    project.write({"b.yaml": moved})
    text = project.run("plan").stdout
    assert "# (Agent/researcher has moved here (reconciler/moved-from): the same object, its " \
           "id and history kept)" in text
    assert '~ metadata.reconciler-name: "researcher" -> "analyst"' in text
    assert "Plan: 0 to create, 1 to update, 0 to delete." in text
    project.clear_stats()
    _apply(project)
    assert project.writes() == 1 + LOCK_WRITES
    after = project.managed("Agent")
    assert list(after) == ["analyst"] and after["analyst"]["id"] == before["id"]
    again = project.run("plan")
    assert "No changes." in again.stdout
    assert "has moved from Agent/researcher already: remove the reconciler/moved-from" in (
        again.output)


def test_a_move_with_other_changes_is_one_update_and_both_annotations_are_an_error(
        project: Project) -> None:
    project.write({"b.yaml": AGENT})
    _apply(project)
    moved = AGENT.replace("metadata: {name: researcher}", "metadata:\n  name: analyst\n"
                          "  annotations: {reconciler/moved-from: researcher}").replace(
        "name: Researcher", "name: Analyst")
    project.write({"b.yaml": moved})
    text = project.run("plan").stdout
    assert '~ metadata.reconciler-name: "researcher" -> "analyst"' in text
    assert '~ name: "Researcher" -> "Analyst"' in text
    assert "Plan: 0 to create, 1 to update, 0 to delete." in text
    both = moved.replace("annotations: {", "annotations: {reconciler/adopt-id: agent_x, ")
    project.write({"b.yaml": both})
    refused = project.run("plan")
    assert refused.exit_code == ExitCode.ERROR
    assert "both adopts an object (reconciler/adopt-id) and moves from" in refused.output
