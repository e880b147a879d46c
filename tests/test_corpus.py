"""The broken-manifest corpus: each case reports exactly the expected errors, at the exact
file, line and column (tests/cases/invalid/expected.yaml)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler import policies
from reconciler.diagnostics import Severity
from reconciler.manifests.project import load_manifest_set
from tests.conftest import CASES, EXAMPLES, REPO

INVALID = CASES / "invalid"
EXPECTED: dict[str, Any] = YAML(typ="safe").load((INVALID / "expected.yaml").read_text())


def test_corpus_is_large_and_complete() -> None:
    on_disk = {p.name for p in INVALID.iterdir() if p.name != "expected.yaml"}
    assert on_disk == set(EXPECTED), "every case needs an expectation and vice versa"
    assert len(EXPECTED) >= 40
    assert all(case["errors"] for case in EXPECTED.values()), "a broken case reports errors"


def _actual(case: Path) -> list[dict[str, Any]]:
    """Errors of loading the case; a `violates-*` case is checked against the example
    policies too (manifests/policies/), as `validate` would with them in the project."""
    base = case if case.is_dir() else case.parent
    if case.name.startswith("violates-"):
        result = load_manifest_set([str(case), str(EXAMPLES / "policies")], root=REPO)
        result.diagnostics.extend(policies.check_resources(result))
    else:
        result = load_manifest_set([str(case)])
    found = []
    for d in result.diagnostics.sorted():
        if d.severity is not Severity.ERROR:
            continue
        assert d.location is not None
        row = {"code": d.code.value,
               "file": os.path.relpath(Path(d.location.file).resolve(), base.resolve()),
               "line": d.location.line}
        if d.location.column is not None:
            row["column"] = d.location.column
        found.append(row)
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_reports_exactly_the_expected_errors(name: str) -> None:
    assert _actual(INVALID / name) == EXPECTED[name]["errors"]
