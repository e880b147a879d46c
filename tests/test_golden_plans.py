"""Golden cases as data files: manifests + live state -> plan -> text, JSON and Markdown.

Run with UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change, then
review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.manifests.project import load_manifest_set
from reconciler.plan.diff import diff
from reconciler.plan.model import Plan
from reconciler.plan.scope import partition
from reconciler.provider import LiveObject
from reconciler.render.plan import render_json, render_markdown, render_text
from tests.conftest import CASES

PLANS = CASES / "plans"
ENDPOINT = "https://api.example.test/v1"
RENDERERS = {"txt": lambda p: render_text(p) + "\n", "json": lambda p: render_json(p) + "\n",
             "md": render_markdown}


def _plan(case: Path, monkeypatch: pytest.MonkeyPatch) -> Plan:
    if (case / "plan.json").is_file():
        return Plan.model_validate_json((case / "plan.json").read_text())
    monkeypatch.chdir(case)
    manifests = load_manifest_set(["manifests.yaml"])
    assert not manifests.diagnostics.has_errors
    live = [LiveObject(kind=o["kind"], id=o["raw"]["id"], created_at=o["raw"]["created_at"],
                       raw=o["raw"], files=o.get("files"))
            for o in json.loads((case / "live.json").read_text())]
    options = {}
    if (case / "case.yaml").is_file():
        options = YAML(typ="safe").load((case / "case.yaml").read_text())
    split = partition(live, options.get("scope"))
    return diff(manifests.resources, split.ours, endpoint=ENDPOINT, foreign=split.foreign,
                **options)


@pytest.mark.parametrize("case", sorted(p.name for p in PLANS.iterdir()))
@pytest.mark.parametrize("suffix", sorted(RENDERERS))
def test_golden(case: str, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = PLANS / case
    rendered = RENDERERS[suffix](_plan(folder, monkeypatch))
    expected = folder / f"expected.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(rendered, encoding="utf-8")
    assert rendered == expected.read_text(encoding="utf-8")


def test_unknown_ids_are_recorded_by_position(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan(PLANS / "store-files", monkeypatch)
    found = {(c.address, u.at, u.address, u.upload) for c in plan.changes for u in c.unknowns}
    assert ("Assistant/helper", ("tool_resources", "code_interpreter", "file_ids", 0), None,
            "data/sales.csv") in found
    assert any(a == "VectorStore/archive" for _, _, a, _ in found)
    for change in plan.changes:
        for unknown in change.unknowns:  # the body shows each one's text where it goes
            value: Any = change.body
            for key in unknown.at:
                value = value[key]
            assert value == unknown.text


def test_a_saved_plan_without_a_digest_or_edited_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.errors import ReconcilerError
    from reconciler.plan import saved

    plan = _plan(PLANS / "store-files", monkeypatch)
    path = tmp_path / "plan.json"
    saved.save(plan, path)
    assert saved.load(path).digest == plan.saved_digest()
    edited = json.loads(path.read_text())
    edited["changes"][0]["body"]["name"] = "something else"
    path.write_text(json.dumps(edited))
    with pytest.raises(ReconcilerError, match="was changed after `reconciler plan --out`"):
        saved.load(path)
    selection = json.loads(path.read_text().replace('"no_delete": false', '"no_delete": true'))
    path.write_text(json.dumps(selection))  # the selection is covered too
    with pytest.raises(ReconcilerError, match="was changed after `reconciler plan --out`"):
        saved.load(path)
    edited["digest"] = None  # an older plan (format 1.0, 1.1) has none
    path.write_text(json.dumps(edited))
    with pytest.raises(ReconcilerError, match="without the digest"):
        saved.load(path)
    with pytest.raises(ReconcilerError, match="without the digest"):
        saved.load(PLANS / "handbuilt" / "plan.json")  # a 1.0 plan
