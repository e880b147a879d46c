"""A kind's update mode decides the body of an update: the fields that change (the API
merges them), or every field of the desired state (the API makes a whole new version)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler import kinds, ownership
from reconciler.manifests.project import load_manifest_set
from reconciler.model.kindspec import UpdateMode
from reconciler.plan.diff import diff
from reconciler.plan.model import Action
from reconciler.provider import LiveObject


def _plan_of_an_instructions_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                    ) -> dict[str, Any]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: Assistant\nmetadata: {name: bot}\n"
        "spec: {model: gpt-6-luna, instructions: Help kindly., temperature: 0.5}\n")
    manifests = load_manifest_set(["m.yaml"])
    assert not manifests.diagnostics.has_errors
    marks = ownership.marks("bot", ownership.digest_value("0" * 16, prevent_destroy=False), None)
    raw = {"id": "asst_1", "object": "assistant", "created_at": 1790000000,
           "model": "gpt-6-luna", "name": "bot", "instructions": "Help.", "tools": [],
           "tool_resources": {}, "metadata": marks, "temperature": 0.5}
    live = LiveObject(kind="Assistant", id="asst_1", created_at=1790000000, raw=raw)
    [change] = diff(manifests.resources, [live], endpoint="https://api.example.test/v1").changes
    assert change.action is Action.UPDATE
    assert [f.path for f in change.fields] == ["instructions"]
    assert change.body is not None
    return change.body


def test_a_partial_update_sends_what_changes_and_the_marks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert kinds.get("Assistant").update is UpdateMode.PARTIAL
    body = _plan_of_an_instructions_change(tmp_path, monkeypatch)
    assert set(body) == {"instructions", "metadata"}
    assert body["instructions"] == "Help kindly."


def test_a_whole_version_update_sends_every_field_of_the_desired_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = replace(kinds.get("Assistant"), update=UpdateMode.WHOLE)
    monkeypatch.setitem(kinds.BY_NAME, "Assistant", whole)
    body = _plan_of_an_instructions_change(tmp_path, monkeypatch)
    assert set(body) == set(whole.body_fields)
    assert (body["instructions"], body["temperature"], body["model"]) == (
        "Help kindly.", 0.5, "gpt-6-luna")
    assert body["metadata"][ownership.NAME_KEY] == "bot"
