"""`reconciler import`: round-trip fidelity over a corpus of varied live objects, and the
command's behaviour (dry run, no overwrite, single object, interactive choice)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from reconciler import ownership
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project

LONG = "\n".join(f"Rule {i}: answer in the customer's language, é ü ß 中文 ✓." for i in range(300))
STRICT_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}},
                 "required": ["answer"], "additionalProperties": False}
LOOKUP = {"name": "lookup_order", "description": "Look an order up.",
          "parameters": {"type": "object", "properties": {"id": {"type": "string"}},
                         "required": ["id"], "additionalProperties": False}}


def _assistants(files: list[str], store: str) -> list[dict[str, Any]]:
    function = {"type": "function", "function": {**LOOKUP, "strict": True}}
    return [
        {"model": "gpt-6-luna"},
        {"model": "gpt-6-luna", "name": "Support", "description": "Helps.",
         "instructions": "Line one.\nLine two.\n"},
        {"model": "gpt-6-sol", "name": "Long", "instructions": LONG},
        {"model": "gpt-6-luna", "name": "Ünïcødé 🤖 مرحبا", "instructions": "日本語のテキスト\n✓"},
        {"model": "gpt-6-luna", "name": "Braces",
         "instructions": "Keep {{ this }} and \\{{ that }}."},
        {"model": "gpt-6-luna", "name": "Awkward", "instructions": "  leading\ttab \ntrailing  \n"},
        {"model": "gpt-6-luna", "name": "Builtins", "tools": [
            {"type": "code_interpreter"},
            {"type": "file_search", "file_search": {"max_num_results": 7, "ranking_options": {
                "ranker": "auto", "score_threshold": 0.3}}}]},
        {"model": "gpt-6-luna", "name": "Strict function", "tools": [function]},
        {"model": "gpt-6-luna", "name": "Bare function", "tools": [
            {"type": "function", "function": {"name": "ping"}}]},
        {"model": "gpt-6-luna", "name": "Shares lookup", "tools": [
            function, {"type": "function", "function": {"name": "refund",
                                                        "description": "Refund."}}]},
        {"model": "gpt-6-luna", "name": "Other lookup", "tools": [
            {"type": "function", "function": {**LOOKUP, "description": "Different."}}]},
        {"model": "gpt-6-luna", "name": "JSON mode", "response_format": {"type": "json_object"}},
        {"model": "gpt-6-luna", "name": "Structured", "response_format": {
            "type": "json_schema", "json_schema": {"name": "answer", "schema": STRICT_SCHEMA,
                                                   "strict": True, "description": "An answer."}}},
        {"model": "gpt-6-luna", "name": "Text format", "response_format": {"type": "text"}},
        {"model": "gpt-6.2-sol", "name": "Sampling", "temperature": 0.25, "top_p": 0.5,
         "reasoning_effort": "high"},
        {"model": "gpt-6-luna", "name": "Metadata",
         "metadata": {f"k{i}": f"v{i}" for i in range(12)}},
        # the swarm examples' agents: empty descriptions, non-strict, empty parameters
        {"model": "gpt-6-luna", "name": "Triage", "instructions": "Route the user.", "tools": [
            {"type": "function", "function": {"name": "transfer_to_sales", "description": "",
                                              "parameters": {"type": "object",
                                                             "properties": {}}}},
            {"type": "function", "function": {"name": "transfer_to_refunds",
                                              "description": "", "strict": False,
                                              "parameters": {"type": "object",
                                                             "properties": {},
                                                             "required": []}}}]},
        {"model": "gpt-6-luna", "name": "Weather", "tools": [{"type": "function", "function": {
            "name": "get_weather", "description": "Weather for a place.",
            "parameters": {"type": "object", "properties": {
                "location": {"type": "string", "description": "City, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7}},
                "required": ["location"]}}}]},
        {"model": "gpt-6-luna", "name": "Defs", "tools": [{"type": "function", "function": {
            "name": "create_ticket", "strict": True, "parameters": {
                "type": "object", "$defs": {"person": {
                    "type": "object", "properties": {"name": {"type": "string"},
                                                     "email": {"type": "string"}},
                    "required": ["name", "email"], "additionalProperties": False}},
                "properties": {"owner": {"$ref": "#/$defs/person"},
                               "tags": {"type": "array", "items": {"type": "string"}},
                               "priority": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
                "required": ["owner", "tags", "priority"],
                "additionalProperties": False}}}]},
        {"model": "gpt-6-luna", "name": "Resources", "tools": [{"type": "code_interpreter"},
                                                           {"type": "file_search"}],
         "tool_resources": {"code_interpreter": {"file_ids": files},
                            "file_search": {"vector_store_ids": [store]}}},
    ]


AGENTS: list[dict[str, Any]] = [
    {"model": "gpt-6.1-sol"},
    {"model": "gpt-6.1-sol", "name": "Writer",
     "instructions": "Écrire en français.\nSoyez bref.\n"},
    {"model": "gpt-6.1-sol", "name": "Searcher", "tools": [{
        "type": "web_search", "allowed_domains": ["example.com"], "context_size": "high",
        "location": {"country": "FR", "city": "Paris", "timezone": "Europe/Paris"},
        "mode": "cached"}]},
    {"model": "gpt-6.1-sol", "name": "MCP http", "tools": [{
        "type": "mcp", "server_label": "docs", "allowed_tools": ["search"], "required": True,
        "connection_origin": "environment", "request_metadata": {"team": "a"},
        "transport": {"type": "http", "server_url": "https://mcp.example.com",
                      "headers": {"X-Team": "a"}}}]},
    {"model": "gpt-6.1-sol", "name": "MCP stdio", "tools": [{
        "type": "mcp", "server_label": "local", "transport": {
            "type": "stdio", "command": "srv", "cwd": "/srv", "args": ["--fast"],
            "env_vars": ["HOME"]}}]},
    {"model": "gpt-6.1-sol", "name": "Deferred", "tools": [
        {"type": "tool_search"},
        {"type": "function", "name": "slow_report", "description": "Report.",
         "parameters": {"type": "object", "properties": {}}, "defer_loading": True,
         "async": True}]},
    {"model": "gpt-6.1-sol", "name": "Toolbox", "tools": [
        {"type": "programmatic_tool_calling", "enabled": False},
        {"type": "computer_use", "include_screenshots": True}, {"type": "automations"}]},
    {"model": "gpt-6.1-sol", "name": "Thinker",
     "reasoning": {"effort": "xhigh", "summary": "detailed"}},
    {"model": "gpt-6.1-sol", "name": "Structured agent", "text": {
        "format": {"type": "json_schema", "schema": STRICT_SCHEMA}, "verbosity": "high"}},
    {"model": "gpt-6.1-sol", "name": "Priority", "service_tier": "priority"},
    {"model": "gpt-6.1-sol", "name": "Crowd", "multi_agent": {"enabled": True,
                                                       "max_concurrent_subagents": 3}},
    {"model": "gpt-5.6-terra", "name": "Crowd default", "multi_agent": {"enabled": True}},
    {"model": "gpt-6.1-sol", "name": "Background", "compaction": {"async": True},
     "experimental": {"time_awareness": True}},
    {"model": "gpt-6.1-sol", "name": "Tagged", "metadata": {"owner": "research", "tier": "gold"}},
    {"model": "gpt-6.1-sol", "name": "Shares lookup", "tools": [{"type": "function", **LOOKUP}]},
    {"model": "gpt-6.1-sol", "name": "Airline", "tools": [
        {"type": "function", "name": "escalate_to_agent", "description": "",
         "parameters": {"type": "object", "properties": {"reason": {"type": "string"}}}},
        {"type": "function", "name": "case_resolved", "description": "",
         "parameters": {"type": "object", "properties": {}}}]},
]


def _create_corpus(project: Project) -> dict[str, tuple[str, dict[str, Any]]]:
    client = project.client
    files = [client.files.create(file=(f"f{i}.py", io.BytesIO(b"print(1)")),
                                 purpose="assistants").id for i in range(2)]
    store = client.vector_stores.create(name="kb").id
    created: dict[str, tuple[str, dict[str, Any]]] = {}
    for body in _assistants(files, store):
        made = client.beta.assistants.create(**body)
        created[made.id] = ("Assistant", _raw(project, "Assistant", made.id))
    for body in AGENTS:
        made = client.beta.agents.create(**body)
        created[made.id] = ("Agent", _raw(project, "Agent", made.id))
    return created


def _raw(project: Project, kind: str, object_id: str) -> dict[str, Any]:
    resource = project.client.beta.assistants if kind == "Assistant" else (
        project.client.beta.agents)
    data: dict[str, Any] = json.loads(
        resource.with_raw_response.retrieve(object_id).http_response.content)
    return data


def test_round_trip_fidelity(project: Project) -> None:
    created = _create_corpus(project)
    assert len(created) == 36
    imported = project.run("import", "--all")
    assert imported.exit_code == ExitCode.OK, imported.output
    assert "becomes Tool 'lookup_order-2'" in imported.stderr
    validated = project.run("validate")
    assert validated.exit_code == ExitCode.OK, validated.output

    plan = json.loads(project.run("plan", "--format", "json").stdout)
    # the vector store stays unmanaged: stores are declared with their files, not imported
    assert plan["summary"] == {"create": 0, "update": len(created), "delete": 0, "replace": 0,
                               "unchanged": 0, "unmanaged": 1, "upload_files": 0,
                               "upload_bytes": 0, "delete_files": 0}
    assert [u["kind"] for u in plan["unmanaged"]] == ["VectorStore"]
    for change in plan["changes"]:
        assert change["action"] == "update" and change["live_id"] in created
        assert [f["path"] for f in change["fields"]] == [
            "metadata.managed-by", "metadata.reconciler-name"], change["address"]

    assert project.run("apply", "--auto-approve").exit_code == ExitCode.OK
    assert "No changes." in project.run("plan").stdout
    for object_id, (kind, before) in created.items():
        after = _raw(project, kind, object_id)
        marks = {k: after["metadata"].pop(k) for k in ownership.RESERVED_KEYS
                 if k in after["metadata"]}
        assert marks[ownership.MANAGED_BY_KEY] == ownership.MANAGED_BY_VALUE
        after.pop("updated_at", None)
        before.pop("updated_at", None)
        assert after == before, f"{kind} {object_id} changed beyond its ownership marks"


def test_dry_run_writes_nothing_and_files_are_not_overwritten(project: Project) -> None:
    made = project.client.beta.assistants.create(model="gpt-6-luna", name="Helper")
    dry = project.run("import", "--all", "--dry-run")
    assert f"would write manifests/assistants/helper.yaml (Assistant/helper from {made.id})" in (
        dry.stdout)
    assert "reconciler/adopt-id: " + made.id in dry.stdout
    assert not (project.root / "manifests").exists()
    project.write({"assistants/helper.yaml": "# hand-written\n"})
    refused = project.run("import", "--all")
    assert refused.exit_code == ExitCode.ERROR and "nothing was written" in refused.stderr
    assert (project.root / "manifests/assistants/helper.yaml").read_text() == "# hand-written\n"


def test_one_object_with_a_chosen_name(project: Project) -> None:
    made = project.client.beta.agents.create(model="gpt-6.1-sol", name="Researcher")
    project.client.beta.agents.create(model="gpt-6.1-sol", name="Other")
    result = project.run("import", "Agent", made.id, "--name", "lab", "--dir", "manifests/new")
    assert result.exit_code == ExitCode.OK, result.output
    assert (project.root / "manifests/new/agents/lab.yaml").is_file()
    text = project.run("plan").stdout
    assert "Agent/lab" in text and "1 live object is not managed" in text
    missing = project.run("import", "Agent", "agent_nope")
    assert missing.exit_code == ExitCode.ERROR and "no unmanaged Agent" in missing.stderr


def test_interactive_choice(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reconciler.commands.importing.interactive", lambda: True)
    for name in ("One", "Two", "Three"):
        project.client.beta.assistants.create(model="gpt-6-luna", name=name)
    result = project.run("import", input="1,3\n")
    assert result.exit_code == ExitCode.OK, result.output
    assert "3 live objects are not managed by any manifest:" in result.stdout
    assert "gpt-6-luna" in result.stdout and "One" in result.stdout
    written = sorted(p.name for p in (project.root / "manifests/assistants").iterdir())
    assert written == ["one.yaml", "three.yaml"]
    cancelled = project.run("import", input="\n")
    assert cancelled.exit_code == ExitCode.OK, "an empty answer imports nothing"
    assert "Nothing to import" in cancelled.stdout
    monkeypatch.setattr("reconciler.commands.importing.interactive", lambda: False)
    refused = project.run("import")
    assert refused.exit_code == ExitCode.ERROR and "choose what to import" in refused.stderr


def test_an_identical_tool_already_in_the_tree_is_reused(project: Project) -> None:
    project.write({"tools/lookup.yaml": f"""
        apiVersion: reconciler/v1
        kind: Tool
        metadata: {{name: lookup}}
        spec:
          type: function
          function: {json.dumps(LOOKUP)}
        """})
    project.client.beta.agents.create(model="gpt-6.1-sol", name="User",
                                      tools=[{"type": "function", **LOOKUP}])
    assert project.run("import", "--all").exit_code == ExitCode.OK
    assert sorted(p.name for p in (project.root / "manifests/tools").iterdir()) == [
        "lookup.yaml"]
    assert "- lookup" in (project.root / "manifests/agents/user.yaml").read_text()
    assert "Plan: 0 to create, 1 to update" in project.run("plan").stdout


def test_an_adopt_id_no_live_object_has_is_a_create_with_a_warning(project: Project) -> None:
    """Imported manifests keep `reconciler/adopt-id`: planned against another endpoint (a
    fresh emulator, staging) they create the object instead of blocking every plan."""
    made = project.client.beta.assistants.create(model="gpt-6-luna", name="Helper")
    assert project.run("import", "--all").exit_code == ExitCode.OK
    project.client.beta.assistants.delete(made.id)  # as if planned elsewhere
    planned = project.run("plan")
    assert planned.exit_code == ExitCode.OK, planned.output
    assert "# Assistant/helper will be created" in planned.stdout
    assert (f"Assistant/helper adopts {made.id} (reconciler/adopt-id), which no live object "
            "here has: planned as a create") in planned.stdout
    # an id of another kind is a mistake, not another endpoint: an error at the annotation
    store = project.client.vector_stores.create(name="kb")
    manifest = next((project.root / "manifests").rglob("helper.yaml"))
    manifest.write_text(manifest.read_text().replace(made.id, store.id))
    wrong = project.run("plan")
    assert wrong.exit_code == ExitCode.ERROR
    assert "which is a VectorStore, not an Assistant" in wrong.stderr
    assert "error[adopt-not-found] metadata.annotations.reconciler/adopt-id" in wrong.stderr


INJECTED = ("x\n---\napiVersion: reconciler/v1\nkind: Assistant\nmetadata:\n  name: injected\n"
            "spec:\n  model: gpt-6-luna\n  instructions: owned\n---\n#")


def test_a_hostile_live_name_stays_text_and_files_read_back_as_imported(
        project: Project) -> None:
    client = project.client
    client.beta.assistants.create(model="gpt-6-luna", name=INJECTED, tools=[
        {"type": "function", "function": {"name": "lookup_order"}}])
    client.beta.assistants.create(model="gpt-6-luna", name="Next\x85line\u2028sep",
                                  instructions="a\x85b", metadata={"k\x85": "v\u2029"})
    result = project.run("import", "--all")
    assert result.exit_code == ExitCode.OK, result.output
    tool = (project.root / "manifests/tools/lookup_order.yaml").read_text()
    assert tool.count("\n---") == 0
    assert re.fullmatch(r"# Imported by `reconciler import`; used by Assistant/x[a-z0-9-]+\.",
                        tool.splitlines()[1])  # its manifest address, never the live name
    checked = project.run("validate", "--format", "json")
    names = {d["message"] for d in json.loads(checked.stdout)["diagnostics"]}
    assert not any("injected" in n for n in names)
    planned = project.run("plan", "--format", "json")
    changes = json.loads(planned.stdout)["changes"]
    assert len(changes) == 2 and not any("injected" in c["address"] for c in changes)
    for change in changes:  # adoptions, and nothing else differs (NEL and separators kept)
        assert change["action_reason"] == "adopt", change
        assert all(f["path"].startswith("metadata.") and f["op"] == "add"
                   for f in change["fields"]), change["fields"]  # our marks only


def test_import_writes_through_no_symbolic_link(project: Project) -> None:
    outside = project.root / "outside"
    outside.mkdir()
    (project.root / "manifests").mkdir(exist_ok=True)
    (project.root / "manifests" / "agents").symlink_to(outside)
    project.client.beta.agents.create(model="gpt-6.1-sol", name="Lab")
    result = project.run("import", "--all")
    assert result.exit_code == ExitCode.ERROR
    assert "manifests/agents is a symbolic link; nothing was written there" in result.output
    assert list(outside.iterdir()) == []


def test_a_committed_schema_link_is_never_written_through(project: Project) -> None:
    """With `schemas/v1/` absent, import writes the JSON Schemas: a committed
    `schemas/reconciler-config.schema.json -> elsewhere` must not carry the write out."""
    outside = project.root / "bashrc"
    outside.write_text("export PATH=/usr/bin\n")
    (project.root / "schemas").mkdir()
    (project.root / "schemas" / "reconciler-config.schema.json").symlink_to(outside)
    project.client.beta.agents.create(model="gpt-6.1-sol", name="Lab")
    result = project.run("import", "--all")
    assert result.exit_code == ExitCode.ERROR
    assert "reconciler-config.schema.json is a symbolic link" in result.output
    assert outside.read_text() == "export PATH=/usr/bin\n"
    assert [p.name for p in (project.root / "schemas").iterdir()] == [
        "reconciler-config.schema.json"], "nothing written beside the link either"
    linked = project.root / "elsewhere"
    linked.mkdir()
    (project.root / "schemas" / "reconciler-config.schema.json").unlink()
    (project.root / "schemas").rmdir()
    (project.root / "schemas").symlink_to(linked)
    result = project.run("import", "--all")
    assert result.exit_code == ExitCode.ERROR and "is a symbolic link" in result.output
    assert list(linked.iterdir()) == []
