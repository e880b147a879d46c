"""One contract test over the registry: every declared kind ships an `example.yaml` in its
folder, which validates; a kind whose manifests become live objects then goes the whole
way on the emulator: plan (create) -> apply -> plan (nothing) -> change -> apply -> remove
the manifest -> apply (delete), with the writes each step makes counted. A new kind is
covered once its example is in its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler import kinds
from reconciler.exitcodes import ExitCode
from reconciler.model.kindspec import KindSpec
from tests.engine.conftest import LOCK_WRITES, Project, list_requests

DECLARED = [spec for spec in kinds.DECLARED]


def example(spec: KindSpec) -> str:
    """The example manifest in the kind's folder (the package whose `KIND` it is)."""
    import importlib
    import pkgutil

    for found in pkgutil.iter_modules(kinds.__path__):
        module = importlib.import_module(f"reconciler.kinds.{found.name}")
        if getattr(module, "KIND", None) is spec:
            path = Path(module.__file__ or "").parent / "example.yaml"
            assert path.is_file(), f"{spec.kind}: no example.yaml in {path.parent}"
            return path.read_text(encoding="utf-8")
    raise AssertionError(f"{spec.kind}: no folder in reconciler/kinds/ holds it")


def managed(project: Project, kind: str) -> list[str]:
    """The ids of the live objects of `kind` the project manages (marked as ours)."""
    return [raw["id"] for raw in project.managed(kind).values()]


def test_every_live_kind_declares_what_reading_it_costs() -> None:
    for spec in kinds.LIVE:
        assert spec.listing is not None, f"{spec.kind} has a provider but no listing"
        assert spec.listing.path.startswith("/v1/") and spec.listing.page_size >= 1
        assert spec.listing.requests(0) == 1
        assert spec.listing.requests(spec.listing.page_size + 1) == 2


def plan_json(project: Project) -> dict:  # type: ignore[type-arg]
    result = project.run("plan", "--format", "json")
    assert result.exit_code == ExitCode.OK, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("spec", DECLARED, ids=[s.kind for s in DECLARED])
def test_every_kind_s_example_validates(spec: KindSpec, project: Project) -> None:
    project.write({"example.yaml": example(spec)})
    result = project.run("validate")
    assert result.exit_code == ExitCode.OK, result.output
    warnings = [line for line in result.output.splitlines() if ": warning[" in line]
    # alone, a store is used by nothing: the one warning an example may give
    assert all("warning[unused-vector-store]" in line for line in warnings), warnings
    assert "valid: 0 errors" in result.output


RESOURCES = [spec for spec in kinds.RESOURCES if spec.declared]
CREATE_WRITES = {"VectorStore": 2}
"""Writes of a create beyond one: a store is created marked "files pending", and marked
done once its files are in (README, "Vector stores and repository files")."""


@pytest.mark.parametrize("spec", RESOURCES, ids=[s.kind for s in RESOURCES])
def test_every_resource_kind_goes_the_whole_way(spec: KindSpec, project: Project) -> None:
    text = example(spec)
    project.write({"example.yaml": text})
    planned = plan_json(project)
    assert [(c["kind"], c["action"]) for c in planned["changes"]] == [(spec.kind, "create")]

    project.clear_stats()
    assert project.run("apply", "--auto-approve").exit_code == ExitCode.OK
    assert project.writes() == CREATE_WRITES.get(spec.kind, 1) + LOCK_WRITES, project.requests()
    assert len(managed(project, spec.kind)) == 1

    project.clear_stats()
    assert plan_json(project)["changes"] == []
    assert project.writes() == 0
    assert project.requests() == list_requests({spec.kind: 1}), "reads beyond the listings"

    name = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.startswith("  name:"))
    project.write({"example.yaml": text.replace(f"  name: {name}", "  name: Changed")})
    changed = plan_json(project)["changes"]
    assert [(c["action"], [f["path"] for f in c["fields"]]) for c in changed] == [
        ("update", ["name"])]
    project.clear_stats()
    assert project.run("apply", "--auto-approve").exit_code == ExitCode.OK
    assert project.writes() == 1 + LOCK_WRITES, project.requests()

    project.remove("example.yaml")
    project.write({"other.yaml": "apiVersion: reconciler/v1\nkind: Template\n"
                                 "metadata: {name: keep}\nspec: {}\n"})
    project.clear_stats()
    applied = project.run("apply", "--auto-approve", "--allow-mass-delete")
    assert applied.exit_code == ExitCode.OK, applied.output
    assert project.writes() == 1 + LOCK_WRITES, project.requests()
    assert managed(project, spec.kind) == []
