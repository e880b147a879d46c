"""The model catalog, offline: unknown models fail; a model past its shutdown fails; retiring,
deprecated and unavailable models warn (the API's word is judged in tests/engine)."""

from __future__ import annotations

import datetime as dt

from reconciler.diagnostics import Code, Severity
from reconciler.manifests.project import load_manifest_set
from reconciler.model.config import ModelWindows
from tests.conftest import WriteTree

CATALOG = """
apiVersion: reconciler/v1
kind: ModelCatalog
metadata: {name: models}
spec:
  models:
    - id: m-current
    - id: m-retiring
      deprecation: {shutdown_on: 2027-01-05, replacement: m-current}
    - id: m-far
      deprecation: {shutdown_on: 2027-12-01, replacement: m-current}
    - id: m-gone
      deprecation: {shutdown_on: 2026-01-05}
    - id: text-old
      available: false
    - id: m-undated
      deprecation: {note: announced}
    - id: gpt-5
"""
TODAY = dt.date(2026, 11, 25)


def _uses(model: str, kind: str = "Assistant") -> str:
    return f"""
apiVersion: reconciler/v1
kind: {kind}
metadata: {{name: user}}
spec: {{model: {model}}}
"""


def _diagnostics(write_tree: WriteTree, model: str, kind: str = "Assistant",
                 windows: ModelWindows | None = None) -> list:
    write_tree({"catalog.yaml": CATALOG, "user.yaml": _uses(model, kind)})
    return list(load_manifest_set(["."], today=TODAY,
                                  models=windows or ModelWindows()).diagnostics)


def test_listed_model_is_fine(write_tree: WriteTree) -> None:
    assert _diagnostics(write_tree, "m-current") == []


def test_a_model_retiring_within_the_warn_window_warns_with_days_and_replacement(
        write_tree: WriteTree) -> None:
    (warning,) = _diagnostics(write_tree, "m-retiring", "Agent")
    assert warning.severity is Severity.WARNING and warning.code is Code.DEPRECATED_MODEL
    assert warning.message == ("model 'm-retiring' shuts down on 2027-01-05, in 41 days (the "
                               "catalog says); move to m-current")
    assert warning.hint == "reconciler models upgrade --from m-retiring edits every place it is set"
    assert warning.location is not None and warning.location.line == 4
    assert _diagnostics(write_tree, "m-far") == [], "outside the 90-day window"
    (far,) = _diagnostics(write_tree, "m-far", windows=ModelWindows(warn_within_days=400))
    assert "in 371 days" in far.message


def test_validate_never_blocks_within_the_block_window(write_tree: WriteTree) -> None:
    """Only a plan knows whether a resource is created or moved onto a model: validate
    warns."""
    (warning,) = _diagnostics(write_tree, "m-retiring",
                              windows=ModelWindows(block_within_days=60))
    assert warning.severity is Severity.WARNING


def test_past_shutdown_is_an_error_and_unavailable_and_undated_warn(
        write_tree: WriteTree) -> None:
    (past,) = _diagnostics(write_tree, "m-gone")
    assert past.severity is Severity.ERROR and past.code is Code.MODEL_SHUT_DOWN
    assert past.message == "model 'm-gone' was shut down on 2026-01-05 (the catalog says)"
    assert past.hint == ("no replacement is known: choose one, then reconciler models upgrade "
                         "--from m-gone --to MODEL")
    (gone,) = _diagnostics(write_tree, "text-old")
    assert gone.message == "model 'text-old' is no longer listed by the API"
    (undated,) = _diagnostics(write_tree, "m-undated")
    assert undated.message == "model 'm-undated' is deprecated"


def test_the_release_calendar_fills_what_the_catalog_leaves_out(write_tree: WriteTree) -> None:
    """gpt-5 is listed without a deprecation: this release's calendar knows its shutdown and
    OpenAI's replacement."""
    (warning,) = _diagnostics(write_tree, "gpt-5")
    assert warning.message == ("model 'gpt-5' shuts down on 2026-12-11, in 16 days (this "
                               "release's model calendar says); move to gpt-6.1-sol")


def test_unknown_model_is_an_error_only_when_a_catalog_exists(write_tree: WriteTree) -> None:
    (error,) = _diagnostics(write_tree, "m-curent")
    assert error.severity is Severity.ERROR and error.code is Code.UNKNOWN_MODEL
    assert error.hint == "did you mean 'm-current'?"
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
