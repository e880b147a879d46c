"""Tool permissions: Kubernetes-style label selectors on the resolved labels."""

from __future__ import annotations

import pytest

from reconciler.diagnostics import Code
from reconciler.kinds.tool.references import describe_selector, selector_matches
from reconciler.manifests.project import load_manifest_set
from reconciler.model.common import LabelSelector
from tests.conftest import WriteTree

SELECTOR = LabelSelector.model_validate({
    "matchLabels": {"team": "billing"},
    "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["gold", "silver"]},
        {"key": "env", "operator": "NotIn", "values": ["dev"]},
        {"key": "audited", "operator": "Exists"},
        {"key": "legacy", "operator": "DoesNotExist"},
    ],
})


@pytest.mark.parametrize(("labels", "allowed"), [
    ({"team": "billing", "tier": "gold", "audited": "yes"}, True),
    ({"team": "billing", "tier": "silver", "audited": "", "env": "prod"}, True),
    ({"team": "support", "tier": "gold", "audited": "yes"}, False),   # matchLabels
    ({"team": "billing", "tier": "bronze", "audited": "yes"}, False),  # In
    ({"team": "billing", "audited": "yes"}, False),                    # In needs the key
    ({"team": "billing", "tier": "gold", "audited": "y", "env": "dev"}, False),  # NotIn
    ({"team": "billing", "tier": "gold"}, False),                      # Exists
    ({"team": "billing", "tier": "gold", "audited": "y", "legacy": "1"}, False),  # DoesNotExist
])
def test_selector_semantics(labels: dict[str, str], allowed: bool) -> None:
    assert selector_matches(SELECTOR, labels) is allowed


def test_selector_is_described_readably() -> None:
    assert describe_selector(SELECTOR) == (
        "team=billing, tier in (gold, silver), env notin (dev), audited, !legacy")


TOOL = """
apiVersion: reconciler/v1
kind: Tool
metadata: {name: issue-refund}
spec:
  type: function
  function: {description: Refund an order.}
  permissions:
    selector: {matchLabels: {team: billing}}
"""


def test_labels_from_a_template_grant_permission(write_tree: WriteTree) -> None:
    write_tree({"tool.yaml": TOOL, "a.yaml": """
        apiVersion: reconciler/v1
        kind: Template
        metadata: {name: billing}
        spec: {labels: {team: billing}, model: gpt-6-luna}
        ---
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: refunds}
        spec: {template: billing, tools: [issue-refund]}
        """})
    result = load_manifest_set(["."])
    assert not result.diagnostics.has_errors
    assert result.resources[0].tool_names == ("issue-refund",)


def test_every_denied_use_is_reported(write_tree: WriteTree) -> None:
    write_tree({"tool.yaml": TOOL, "a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: one}
        spec: {model: gpt-6-luna, tools: [issue-refund]}
        ---
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: two, labels: {team: sales}}
        spec: {model: gpt-6.1-sol, tools: [issue-refund]}
        """})
    errors = list(load_manifest_set(["."]).diagnostics)
    assert [e.code for e in errors] == [Code.TOOL_PERMISSION_DENIED] * 2
    assert "(no labels)" in errors[0].message and "(team=sales)" in errors[1].message
    assert [e.location.line for e in errors] == [4, 9]
