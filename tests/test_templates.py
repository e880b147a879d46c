"""Templates: extends chains, the merge rule, variables, labels, and where errors point."""

from __future__ import annotations

from reconciler.diagnostics import Code
from reconciler.manifests.project import load_manifest_set
from reconciler.manifests.templates import fill
from tests.conftest import WriteTree

BASE = """
apiVersion: reconciler/v1
kind: Template
metadata: {name: base}
spec:
  labels: {org: acme, tier: bronze}
  vars: {company: Acme, tone: neutral}
  model: gpt-6-luna
  temperature: 0.5
  instructions: "You work for {{ company }}; be {{ tone }}."
  metadata: {cost-center: cc-1, owner: platform}
  tools: [{type: code_interpreter}]
  response_format:
    type: json_schema
    json_schema:
      name: answer
      description: The answer.
      schema: {type: object, properties: {}, required: [], additionalProperties: false}
      strict: false
---
apiVersion: reconciler/v1
kind: Template
metadata: {name: middle}
spec:
  extends: base
  labels: {tier: silver}
  vars: {tone: friendly}
  temperature: 0.7
  metadata: {owner: support}
"""


def _one(root: str = ".") -> dict:
    result = load_manifest_set([root])
    assert not result.diagnostics.has_errors, [d.message for d in result.diagnostics]
    (resource,) = result.resources
    return {"body": resource.body, "labels": resource.labels,
            "lifecycle": resource.lifecycle, "warnings": list(result.diagnostics)}


def test_scalars_override_maps_merge_lists_replace(write_tree: WriteTree) -> None:
    write_tree({"t.yaml": BASE, "a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec:
          template: middle
          top_p: 0.9
          metadata: {channel: web}
          tools: [{type: file_search}]
          response_format:
            type: json_schema
            json_schema: {name: answer, strict: true}
        """})
    body = _one()["body"]
    assert body["model"] == "gpt-6-luna"                       # from the root template
    assert body["temperature"] == 0.7                      # scalar: nearest template wins
    assert body["top_p"] == 0.9                            # the resource's own
    assert body["metadata"] == {"cost-center": "cc-1", "owner": "support", "channel": "web"}
    assert body["tools"] == [{"type": "file_search"}]      # lists replace
    json_schema = body["response_format"]["json_schema"]   # maps merge deeply:
    assert json_schema["description"] == "The answer."     # kept from the template
    assert json_schema["schema"]["additionalProperties"] is False
    assert json_schema["strict"] is True                   # overridden by the resource


def test_variables_from_the_chain_resource_wins(write_tree: WriteTree) -> None:
    write_tree({"t.yaml": BASE, "a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec:
          template: middle
          vars: {company: Initech}
        """})
    # company: resource over base; tone: middle over base
    assert _one()["body"]["instructions"] == "You work for Initech; be friendly."


def test_substitution_and_escape(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec:
          model: gpt-6-luna
          vars: {company: Initech, year: 2026, beta: true}
          name: "{{company}} helper"
          description: "Since {{ year }} (beta: {{ beta }})"
          instructions: "Say \\\\{{ company }} literally; then {{ company }}."
        """})
    body = _one()["body"]
    assert body["name"] == "Initech helper"
    assert body["description"] == "Since 2026 (beta: true)"
    assert body["instructions"] == "Say {{ company }} literally; then Initech."


def test_labels_merge_resource_wins(write_tree: WriteTree) -> None:
    write_tree({"t.yaml": BASE, "a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper, labels: {tier: gold, team: support}}
        spec: {template: middle}
        """})
    assert _one()["labels"] == {"org": "acme", "tier": "gold", "team": "support"}


def test_lifecycle_from_template_merges(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Template
        metadata: {name: protected}
        spec:
          model: gpt-6-luna
          lifecycle: {prevent_destroy: true, ignore_changes: [instructions]}
        ---
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec:
          template: protected
          lifecycle: {ignore_changes: [metadata.owner]}
        """})
    lifecycle = _one()["lifecycle"]
    assert lifecycle.prevent_destroy is True
    assert lifecycle.ignore_changes == ["metadata.owner"]


def test_unused_variable_is_a_warning(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec:
          model: gpt-6-luna
          vars: {product: Store}
          instructions: Be brief.
        """})
    warnings = _one()["warnings"]
    assert [(w.code, w.location.line) for w in warnings] == [(Code.UNUSED_VARIABLE, 6)]


def test_missing_variables_listed_once_at_the_field(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec:
          model: gpt-6-luna
          instructions: "{{ a }} {{ b }} {{ a }}"
        """})
    (error,) = load_manifest_set(["."]).diagnostics
    assert error.code is Code.MISSING_VARIABLE
    assert "'a', 'b'" in error.message and error.location.line == 6


def test_cycle_of_three_reported_once(write_tree: WriteTree) -> None:
    docs = "\n---\n".join(f"""apiVersion: reconciler/v1
kind: Template
metadata: {{name: {n}}}
spec: {{extends: {p}}}""" for n, p in (("a", "b"), ("b", "c"), ("c", "a")))
    write_tree({"t.yaml": docs})
    errors = list(load_manifest_set(["."]).diagnostics)
    assert [e.code for e in errors] == [Code.TEMPLATE_CYCLE]
    assert "a -> b -> c -> a" in errors[0].message


def test_error_in_merged_field_points_at_the_template(write_tree: WriteTree) -> None:
    write_tree({
        "templates/base.yaml": """
            apiVersion: reconciler/v1
            kind: Template
            metadata: {name: base}
            spec:
              model: gpt-6-luna
              description: shared description
            """,
        "agents/a.yaml": """
            apiVersion: reconciler/v1
            kind: Agent
            metadata: {name: helper}
            spec: {template: base}
            """,
    })
    (error,) = load_manifest_set(["."]).diagnostics
    assert error.location.file.endswith("templates/base.yaml")
    assert error.location.line == 6 and "description" in error.message


def test_fill_leaves_text_without_placeholders_alone() -> None:
    assert fill("no {placeholders} here { {x} }", {"x": 1}) == (
        "no {placeholders} here { {x} }", [], set())


def test_missing_variable_in_a_template_names_the_template_line_and_the_user(
        write_tree: WriteTree) -> None:
    write_tree({
        "templates/base.yaml": """
            apiVersion: reconciler/v1
            kind: Template
            metadata: {name: base}
            spec:
              model: gpt-6-luna
              instructions: "You support {{ product }}."
            """,
        "agents/a.yaml": """
            apiVersion: reconciler/v1
            kind: Agent
            metadata: {name: helper}
            spec: {template: base, vars: {product: Store}}
            """,
        "agents/b.yaml": """
            apiVersion: reconciler/v1
            kind: Agent
            metadata: {name: other}
            spec: {template: base}
            """,
    })
    (error,) = load_manifest_set(["."]).diagnostics
    assert error.code is Code.MISSING_VARIABLE
    assert error.location.file.endswith("templates/base.yaml") and error.location.line == 6
    assert error.message == ("instructions of template 'base', used by Agent/other "
                             "(agents/b.yaml:1:1), uses variable 'product' with no value")
    assert error.hint == "set it in spec.vars of Agent/other, or in the template's vars"
