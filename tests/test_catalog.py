"""The model catalog: unknown models fail, deprecated and unavailable models warn."""

from __future__ import annotations

import datetime as dt

from reconciler.diagnostics import Code, Severity
from reconciler.manifests.project import load_manifest_set
from tests.conftest import WriteTree

CATALOG = """
apiVersion: reconciler/v1
kind: ModelCatalog
metadata: {name: models}
spec:
  models:
    - id: gpt-4.1
    - id: gpt-4-turbo
      deprecation: {shutdown_on: 2027-06-10, replacement: gpt-4.1}
    - id: gpt-3.5-turbo
      deprecation: {shutdown_on: 2026-01-05}
    - id: text-old
      available: false
    - id: o1-preview
      deprecation: {note: announced}
"""


def _uses(model: str, kind: str = "Assistant") -> str:
    return f"""
apiVersion: reconciler/v1
kind: {kind}
metadata: {{name: user}}
spec: {{model: {model}}}
"""


def _diagnostics(write_tree: WriteTree, model: str, kind: str = "Assistant") -> list:
    write_tree({"catalog.yaml": CATALOG, "user.yaml": _uses(model, kind)})
    return list(load_manifest_set(["."], today=dt.date(2026, 11, 25)).diagnostics)


def test_listed_model_is_fine(write_tree: WriteTree) -> None:
    assert _diagnostics(write_tree, "gpt-4.1") == []


def test_deprecated_model_warns_with_shutdown_date_and_replacement(write_tree: WriteTree) -> None:
    (warning,) = _diagnostics(write_tree, "gpt-4-turbo", "Agent")
    assert warning.severity is Severity.WARNING and warning.code is Code.DEPRECATED_MODEL
    assert warning.message == "model 'gpt-4-turbo' is deprecated and shuts down on 2027-06-10"
    assert warning.hint == "move to gpt-4.1"
    assert warning.location is not None and warning.location.line == 4


def test_past_shutdown_and_unavailable_and_undated(write_tree: WriteTree) -> None:
    (past,) = _diagnostics(write_tree, "gpt-3.5-turbo")
    assert "was shut down on 2026-01-05" in past.message
    (gone,) = _diagnostics(write_tree, "text-old")
    assert gone.message == "model 'text-old' is no longer listed by the API"
    (undated,) = _diagnostics(write_tree, "o1-preview")
    assert undated.message == "model 'o1-preview' is deprecated"


def test_unknown_model_is_an_error_only_when_a_catalog_exists(write_tree: WriteTree) -> None:
    (error,) = _diagnostics(write_tree, "gpt-4.2")
    assert error.severity is Severity.ERROR and error.code is Code.UNKNOWN_MODEL
    assert error.hint == "did you mean 'gpt-4.1'?"
    write_tree({"catalog.yaml": "# no catalog any more\n"})
    assert list(load_manifest_set(["."]).diagnostics) == []


def test_model_from_a_template_is_checked_at_the_template(write_tree: WriteTree) -> None:
    write_tree({"catalog.yaml": CATALOG, "t.yaml": """
apiVersion: reconciler/v1
kind: Template
metadata: {name: base}
spec: {model: gpt-9}
---
apiVersion: reconciler/v1
kind: Agent
metadata: {name: user}
spec: {template: base}
"""})
    (error,) = load_manifest_set(["."]).diagnostics
    assert error.code is Code.UNKNOWN_MODEL
    assert error.location.file == "t.yaml" and error.location.line == 4
