"""`reconciler migrate assistants-to-agents`: what maps is carried, the rest is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from openai_emulator.process import spawn
from reconciler.engine.migrating import _own_functions
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.importing.migrate import migrate
from reconciler.pipeline import load_desired
from reconciler.settings import load_settings
from tests.conftest import EXAMPLES, WriteTree
from tests.engine.conftest import Project


def test_field_mapping() -> None:
    item = migrate("Assistant/a", "a", {
        "model": "gpt-6.2-sol", "name": "A {{ x }}", "description": "Helps.",
        "instructions": "Be brief.", "tools": ["lookup", {"type": "code_interpreter"}],
        "tool_resources": {"code_interpreter": {"file_ids": ["file-1"]}},
        "metadata": {"team": "a"}, "temperature": 1.0, "top_p": 0.5,
        "response_format": {"type": "json_object"}, "reasoning_effort": "high"})
    spec = item.document["spec"]
    assert spec == {"model": "gpt-6.2-sol", "name": "A \\{{ x }}", "instructions": "Be brief.",
                    "tools": ["lookup"], "metadata": {"team": "a"},
                    "reasoning": {"effort": "high"}}
    assert item.document["metadata"]["annotations"]["reconciler/description"] == "Helps."
    assert [d.split(":")[0] for d in item.dropped] == [
        "tools[1] (code_interpreter)", "top_p 0.5", "response_format json_object",
        "tool_resources (code_interpreter)"]
    assert not any("temperature" in d for d in item.dropped), "the default is not a loss"


def test_manifests_report_write_validate_and_apply(project: Project) -> None:
    shutil.copytree(EXAMPLES, project.root / "manifests")
    reported = project.run("migrate", "assistants-to-agents")
    assert reported.exit_code == ExitCode.OK
    assert "Assistant/support-bot (manifests/assistants/support.yaml) -> Agent/support-bot" in (
        reported.stdout)
    assert "dropped: tools[2] (file_search)" in reported.stdout
    assert not list((project.root / "manifests").rglob("*.agent.yaml"))
    written = project.run("migrate", "assistants-to-agents", "--write")
    assert written.exit_code == ExitCode.OK, written.output
    assert len(list((project.root / "manifests").rglob("*.agent.yaml"))) == 3
    assert project.run("validate").exit_code == ExitCode.OK
    again = project.run("migrate", "assistants-to-agents", "--write")
    assert again.exit_code == ExitCode.ERROR and "nothing was written" in again.stderr
    assert project.run("migrate", "assistants-to-agents", "--write", "--force").exit_code == 0
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == ExitCode.OK, applied.output
    assert {"support-bot", "billing-assistant", "sales-analyst"} <= set(project.managed("Agent"))


def test_from_an_export(project: Project, tmp_path: Path) -> None:
    export = tmp_path / "assistants.json"
    export.write_text(json.dumps({"object": "list", "data": [
        {"id": "asst_1", "object": "assistant", "created_at": 1, "model": "gpt-6-luna",
         "name": "Legacy helper", "instructions": "Help.", "metadata": {},
         "tools": [{"type": "function", "function": {
             "name": "lookup", "description": "Look up.", "strict": True,
             "parameters": {"type": "object", "properties": {"id": {"type": "string"}},
                            "required": ["id"], "additionalProperties": False}}},
             {"type": "file_search"}]}]}))
    result = project.run("migrate", "assistants-to-agents", "--from-export", str(export),
                         "--write")
    assert result.exit_code == ExitCode.OK, result.output
    assert "Assistant asst_1 -> Agent/legacy-helper" in result.stdout
    assert "dropped: tools[1] (file_search)" in result.stdout
    assert (project.root / "manifests/agents/legacy-helper.yaml").is_file()
    assert (project.root / "manifests/tools/lookup.yaml").is_file()
    assert project.run("validate").exit_code == ExitCode.OK
    bad = tmp_path / "bad.json"
    bad.write_text('{"nothing": true}')
    refused = project.run("migrate", "assistants-to-agents", "--from-export", str(bad))
    assert refused.exit_code == ExitCode.ERROR and "not a list of assistant" in refused.stderr


def test_from_a_legacy_server(project: Project, tmp_path: Path) -> None:
    legacy = spawn(tmp_path / "legacy")
    try:
        import openai

        client = openai.OpenAI(base_url=legacy.url, api_key="k", max_retries=0)
        client.beta.assistants.create(model="gpt-6-luna", name="Old one", instructions="Hi.",
                                      reasoning_effort="low")
        result = project.run("migrate", "assistants-to-agents", "--from-base-url", legacy.url,
                             "--write")
    finally:
        legacy.stop()
    assert result.exit_code == ExitCode.OK, result.output
    assert "carried: model, name, instructions, reasoning_effort -> reasoning.effort" in (
        result.stdout)
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == ExitCode.OK, applied.output
    agent = project.managed("Agent")["old-one"]
    assert (agent["name"], agent["reasoning"]["effort"]) == ("Old one", "low")


LOOKUP_ORDER_TOOL = """
    apiVersion: reconciler/v1
    kind: Tool
    metadata: {name: lookup_order}
    spec:
      type: function
      function:
        description: The imported copy, a different definition.
        parameters: {type: object, properties: {id: {type: string}}}
"""


def test_tools_are_mapped_by_manifest_identity_not_function_name(project: Project) -> None:
    shutil.copytree(EXAMPLES, project.root / "manifests")
    project.write({"tools/lookup_order.yaml": LOOKUP_ORDER_TOOL, "assistants/legacy.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: legacy, labels: {team: support}}
        spec: {model: gpt-6.1-terra, tools: [lookup_order]}
    """})
    written = project.run("migrate", "assistants-to-agents", "--write")
    assert written.exit_code == ExitCode.OK, written.output
    support = (project.root / "manifests/assistants/support.agent.yaml").read_text()
    legacy = (project.root / "manifests/assistants/legacy.agent.yaml").read_text()
    assert "- lookup-order\n" in support and "- lookup_order\n" not in support
    assert "- lookup_order\n" in legacy
    assert project.run("validate").exit_code == ExitCode.OK
    rendered = project.run("render", "--name", "support-bot", "--kind", "Agent")
    assert "Look up an order by its number" in rendered.stdout, rendered.output
    assert "The imported copy" not in rendered.stdout


def test_two_referenced_tools_with_one_function_name_are_an_error_naming_both(
        write_tree: WriteTree) -> None:
    root = write_tree({"tools.yaml": LOOKUP_ORDER_TOOL + """
    ---
    apiVersion: reconciler/v1
    kind: Tool
    metadata: {name: lookup-order}
    spec: {type: function, function: {name: lookup_order}}
    ---
    apiVersion: reconciler/v1
    kind: Assistant
    metadata: {name: a}
    spec: {model: gpt-6.1-terra, tools: [lookup-order]}
    """})
    manifests = load_desired(load_settings(start=root), [str(root)])
    (assistant,) = manifests.resources
    both = assistant.model_copy(update={"tool_names": ("lookup-order", "lookup_order")})
    with pytest.raises(ReconcilerError) as raised:
        _own_functions(both, manifests)
    assert "'lookup-order' and 'lookup_order' both define the function 'lookup_order'" in (
        raised.value.message)
