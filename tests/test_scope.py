"""Scopes, duplicates, kept objects and mass deletes, planned without any I/O."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler import ownership
from reconciler.diagnostics import Code
from reconciler.manifests.project import load_manifest_set
from reconciler.model.desired import DesiredResource
from reconciler.pipeline import mass_delete
from reconciler.plan.diff import PlanError, diff
from reconciler.plan.model import Action, ActionReason
from reconciler.plan.scope import partition
from reconciler.provider import LiveObject

ENDPOINT = "https://api.example.test/v1"


def _assistant(object_id: str, name: str | None, scope: str | None = None, *,
               created: int = 1790000000, guarded: bool = False) -> LiveObject:
    metadata: dict[str, str] = {}
    if name is not None:
        digest = ownership.digest_value("0" * 16, prevent_destroy=guarded)
        metadata = ownership.marks(name, digest, scope)
    raw: dict[str, Any] = {"id": object_id, "object": "assistant", "created_at": created,
                           "model": "gpt-6-luna", "name": name, "instructions": "Help.",
                           "tools": [], "tool_resources": {}, "metadata": metadata}
    return LiveObject(kind="Assistant", id=object_id, created_at=created, raw=raw)


def _upload(file_id: str, filename: str) -> LiveObject:
    raw = {"id": file_id, "object": "file", "created_at": 1790000000, "bytes": 3,
           "filename": filename, "purpose": "assistants"}
    return LiveObject(kind="File", id=file_id, created_at=1790000000, raw=raw)


def _desired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             *names: str) -> list[DesiredResource]:
    monkeypatch.chdir(tmp_path)
    text = "\n---\n".join(f"apiVersion: reconciler/v1\nkind: Assistant\nmetadata: {{name: {n}}}"
                          f"\nspec: {{model: gpt-6-luna, instructions: Help.}}" for n in names)
    (tmp_path / "m.yaml").write_text(text)
    manifests = load_manifest_set(["m.yaml"])
    assert not manifests.diagnostics.has_errors
    return manifests.resources


SHA = "b" * 64


def test_a_plan_sees_its_scope_and_unscoped_marks_not_other_scopes() -> None:
    live = [_assistant("a1", "x", "team-a"), _assistant("a2", "y", None),
            _assistant("a3", "z", "team-b"), _assistant("a4", None),
            _upload("f1", f"reconciler@team-b-{SHA}-a.txt"),
            _upload("f2", f"reconciler-{SHA}-a.txt"), _upload("f3", "by-hand.txt")]
    scoped = partition(live, "team-a")
    assert [o.id for o in scoped.ours] == ["a1", "a2", "a4", "f2", "f3"]
    assert [(f.id, f.scope, f.name) for f in scoped.foreign] == [
        ("a3", "team-b", "z"), ("f1", "team-b", "a.txt")]
    assert scoped.managed_count() == 2
    unscoped = partition(live, None)  # a project without a scope: only unscoped marks
    assert [o.id for o in unscoped.ours] == ["a2", "a4", "f2", "f3"]
    assert {f.scope for f in unscoped.foreign} == {"team-a", "team-b"}


def test_a_manifest_may_not_claim_a_name_another_scope_owns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    split = partition([_assistant("a3", "z", "team-b")], "team-a")
    with pytest.raises(PlanError) as raised:
        diff(_desired(tmp_path, monkeypatch, "z"), split.ours, endpoint=ENDPOINT,
             scope="team-a", foreign=split.foreign)
    [problem] = list(raised.value.diagnostics)
    assert problem.code is Code.SCOPE_CONFLICT
    assert "Assistant/z is managed by scope 'team-b' (a3)" in problem.message
    assert (problem.location.file, problem.path) == ("m.yaml", "metadata.name")


def test_duplicates_keep_the_oldest_and_delete_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = [_assistant("a2", "x", created=200), _assistant("a1", "x", created=100),
            _assistant("a3", "x", created=200)]
    plan = diff(_desired(tmp_path, monkeypatch, "x"), live, endpoint=ENDPOINT)
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    assert [(c.live_id, c.duplicate_of, c.key) for c in deletes] == [
        ("a2", "a1", "Assistant/x@a2"), ("a3", "a1", "Assistant/x@a3")]
    assert all(c.action_reason is ActionReason.DELETE_BECAUSE_DUPLICATE and not c.files
               for c in deletes)
    assert all(c.live_id == "a1" for c in plan.changes if c.action is not Action.DELETE)
    kept = diff(_desired(tmp_path, monkeypatch, "x"), live, endpoint=ENDPOINT, no_delete=True)
    assert not [c for c in kept.changes if c.action is Action.DELETE]
    assert any("2 duplicate(s) kept (a2, a3)" in w for w in kept.warnings)
    guarded = [_assistant("a1", "x", created=100), _assistant("a2", "x", guarded=True)]
    with pytest.raises(PlanError) as raised:
        diff(_desired(tmp_path, monkeypatch, "x"), guarded, endpoint=ENDPOINT)
    assert [d.code for d in raised.value.diagnostics] == [Code.PREVENT_DESTROY]


def test_without_prune_undeclared_objects_are_kept_and_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = [_assistant("a1", "x"), _assistant("a2", "gone"),
            _upload("f2", f"reconciler-{SHA}-a.txt")]
    desired = _desired(tmp_path, monkeypatch, "x")
    pruned = diff(desired, live, endpoint=ENDPOINT)
    assert {c.live_id for c in pruned.changes if c.action is Action.DELETE} == {"a2", "f2"}
    kept = diff(desired, live, endpoint=ENDPOINT, prune=False)
    assert not [c for c in kept.changes if c.action is Action.DELETE]
    assert kept.kept == ("Assistant/gone",)


def test_mass_delete_is_measured_against_the_scopes_managed_objects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = [_assistant(f"a{i}", f"n{i}") for i in range(4)]
    desired = _desired(tmp_path, monkeypatch, "n0", "n1")
    half = diff(desired, live, endpoint=ENDPOINT)
    assert mass_delete(half, 4, 50) is None
    assert mass_delete(half, 4, 49) == ("the plan deletes 2 of the 4 managed objects of this "
                                        "project (50%, more than 49%)")
    everything = diff(_desired(tmp_path, monkeypatch, "other"), [_assistant("a0", "n0", "s")],
                      endpoint=ENDPOINT, scope="s")
    assert mass_delete(everything, 1, 100) == ("the plan deletes 1 of the 1 managed objects "
                                               "of scope s (every one)")
    assert mass_delete(diff([], [], endpoint=ENDPOINT), 0, 50) is None


def test_a_store_delete_shows_what_a_store_has() -> None:
    from reconciler.render.plan import render_text

    digest = ownership.digest_value("0" * 16, prevent_destroy=False)
    raw = {"id": "vs_1", "object": "vector_store", "created_at": 1, "name": "kb",
           "metadata": ownership.marks("kb", digest), "file_counts": {"total": 0}}
    store = LiveObject(kind="VectorStore", id="vs_1", created_at=1, raw=raw, files=())
    text = render_text(diff([], [store], endpoint=ENDPOINT))
    assert '- VectorStore/kb\n      - name = "kb"\n' in text and "model" not in text


def test_a_scoped_plan_adopts_unscoped_marks_only_where_a_manifest_declares_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = [_assistant("a1", "mine"), _assistant("a2", "theirs"),
            _upload("f1", f"reconciler-{SHA}-old.txt")]
    plan = diff(_desired(tmp_path, monkeypatch, "mine"), live, endpoint=ENDPOINT, scope="s")
    assert [(c.live_id, c.action_reason) for c in plan.changes] == [
        ("a1", ActionReason.ADOPT_INTO_SCOPE)]  # theirs and the unscoped upload stay
    assert any(w.startswith("Assistant/theirs (a2) is marked without a scope and no manifest "
                            "declares it: left alone") for w in plan.warnings)
    unscoped = diff(_desired(tmp_path, monkeypatch, "mine"), live, endpoint=ENDPOINT)
    assert {c.live_id for c in unscoped.changes} == {"a2", "f1"}  # a project without scopes
