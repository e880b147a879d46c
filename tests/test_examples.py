"""The example set in manifests/ is realistic, complete, and valid."""

from __future__ import annotations

from collections import Counter

import pytest

from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.kinds.templated import template_entries
from reconciler.kinds.tool.index import entries as tool_entries
from reconciler.manifests.project import ManifestSet, load_manifest_set
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def examples() -> ManifestSet:
    return load_manifest_set([str(EXAMPLES)])


def test_example_set_is_valid_without_warnings(examples: ManifestSet) -> None:
    assert [d.message for d in examples.diagnostics] == []


def test_example_set_covers_every_kind(examples: ManifestSet) -> None:
    kinds = Counter(r.kind for r in examples.resources)
    assert kinds["Assistant"] >= 3
    assert kinds["Agent"] >= 2
    functions = [t for t in tool_entries(examples).values() if t.type == "function"]
    assert len(functions) >= 3
    types = {t.type for t in tool_entries(examples).values()}
    assert {"code_interpreter", "file_search"} <= types, "built-ins of the Assistants API"
    assert {"web_search", "mcp"} <= types, "built-ins of the Agents API"
    assert catalog_of(examples).declared and len(catalog_of(examples).entries) >= 5


def test_example_templates_extend_and_serve_both_kinds(examples: ManifestSet) -> None:
    templates = template_entries(examples)
    assert len(templates) >= 2
    assert any(t.spec.get("extends") in templates for t in templates.values())
    users: dict[str, set[str]] = {}
    for path in EXAMPLES.rglob("*.yaml"):
        text = path.read_text()
        for name in templates:
            if f"template: {name}" in text:
                users.setdefault(name, set()).add("Agent" if "kind: Agent" in text
                                                  else "Assistant")
    assert any(kinds == {"Assistant", "Agent"} for kinds in users.values())


def test_example_permissions_are_exercised(examples: ManifestSet) -> None:
    by_name = {r.name: r for r in examples.resources}
    assert "issue-refund" in by_name["billing-assistant"].tool_names
    assert "docs-mcp" in by_name["research-agent"].tool_names
