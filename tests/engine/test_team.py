"""Working as a team: scopes, explicit and bounded pruning, duplicates recovered, saved plans
verified, a scope required before applying to a shared API."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler import ownership
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project


def _assistant(name: str, instructions: str = "Help.") -> str:
    return (f"apiVersion: reconciler/v1\nkind: Assistant\nmetadata: {{name: {name}}}\n"
            f"spec: {{model: gpt-6-luna, instructions: {instructions}}}\n")


def _scope(project: Project, scope: str | None) -> None:
    text = "manifests: [manifests]\n" + (f"scope: {scope}\n" if scope else "")
    (project.root / "reconciler.yaml").write_text(text)


def _apply(project: Project, *args: str) -> str:
    result = project.run("apply", "--auto-approve", *args)
    assert result.exit_code == ExitCode.OK, result.output
    return result.stdout


def _scopes(project: Project) -> dict[str, str | None]:
    return {str(ownership.owner(a.get("metadata"))): ownership.owner_scope(a.get("metadata"))
            for a in project.live("Assistant")}


def test_two_scopes_share_a_project_and_never_touch_each_other(project: Project) -> None:
    _scope(project, "team-a")
    project.write({"a.yaml": _assistant("alpha")})
    _apply(project)
    other = project.root / "other"
    (other / "manifests").mkdir(parents=True)
    (other / "reconciler.yaml").write_text("manifests: [manifests]\nscope: team-b\n")
    (other / "manifests" / "b.yaml").write_text(_assistant("beta"))
    result = project.run("--config", str(other / "reconciler.yaml"), "apply",
                         "--auto-approve")
    assert result.exit_code == ExitCode.OK, result.output
    assert "Plan: 1 to create, 0 to update, 0 to delete." in result.stdout  # alpha stays
    assert "1 live object owned by other scopes (1 by scope team-a) never touched" in (
        result.stdout)
    assert _scopes(project) == {"alpha": "team-a", "beta": "team-b"}
    # a manifest claiming a name another scope owns is an error at its manifest
    project.write({"b.yaml": _assistant("beta")})
    conflict = project.run("plan")
    assert conflict.exit_code == ExitCode.ERROR
    assert ("manifests/b.yaml:1:1: error[scope-conflict] metadata.name: Assistant/beta is "
            "managed by scope 'team-b'") in conflict.stderr
    # removing every manifest of team-a does not delete team-b's object
    project.remove("b.yaml")
    project.remove("a.yaml")
    project.write({"c.yaml": _assistant("gamma")})
    _apply(project, "--allow-mass-delete")
    assert _scopes(project) == {"gamma": "team-a", "beta": "team-b"}


def test_unscoped_marks_are_adopted_into_the_scope_shown_in_the_plan(
        project: Project) -> None:
    project.write({"a.yaml": _assistant("alpha")})
    _apply(project)
    assert _scopes(project) == {"alpha": None}
    _scope(project, "team-a")
    planned = project.run("plan").stdout
    assert "# (its marks name no scope: adopted into the plan's scope)" in planned
    assert '+ metadata.reconciler-scope = "team-a"' in planned
    _apply(project)
    assert _scopes(project) == {"alpha": "team-a"}
    assert "No changes." in project.run("plan").stdout


def test_explicit_paths_never_delete_what_they_do_not_declare(project: Project) -> None:
    project.write({"a.yaml": _assistant("alpha"), "b.yaml": _assistant("beta")})
    _apply(project)
    subset = project.run("plan", "manifests/a.yaml")
    assert subset.exit_code == ExitCode.OK
    assert "No changes." in subset.stdout
    assert ("1 managed object kept (the PATHS given do not declare them; --prune deletes "
            "them): Assistant/beta.") in subset.stdout
    _apply(project, "manifests/a.yaml")
    assert set(_scopes(project)) == {"alpha", "beta"}
    # the configured paths, however they are written, are not a subset
    assert "No changes." in project.run("plan", "manifests/").stdout
    pruned = _apply(project, "manifests/a.yaml", "--prune")
    assert "Assistant/beta: deleted" in pruned
    assert set(_scopes(project)) == {"alpha"}


def test_a_mass_delete_is_refused_unless_allowed(project: Project) -> None:
    project.write({f"{n}.yaml": _assistant(n) for n in ("a", "b", "c")})
    _apply(project)
    project.remove("b.yaml")
    project.remove("c.yaml")
    planned = project.run("plan")
    assert ("apply will refuse this plan: the plan deletes 2 of the 3 managed objects of this "
            "project (67%, more than 50%)") in planned.stdout
    refused = project.run("apply", "--auto-approve")
    assert refused.exit_code == ExitCode.ERROR
    assert "apply refused: the plan deletes 2 of the 3" in refused.stderr
    assert "--allow-mass-delete" in refused.stderr and "Traceback" not in refused.output
    assert set(_scopes(project)) == {"a", "b", "c"}
    (project.root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nprune: {max_delete_percent: 70}\n")
    _apply(project)
    assert set(_scopes(project)) == {"a"}
    project.remove("a.yaml")
    empty = project.run("apply", "--auto-approve")
    assert empty.exit_code == ExitCode.ERROR and "no YAML files found" in empty.stderr
    project.write({"d.yaml": _assistant("d")})
    every = project.run("apply", "--auto-approve")
    assert every.exit_code == ExitCode.ERROR and "(every one)" in every.stderr
    _apply(project, "--allow-mass-delete")
    assert set(_scopes(project)) == {"d"}


def test_duplicates_are_recovered_keeping_the_oldest(project: Project) -> None:
    project.write({"a.yaml": _assistant("helper")})
    _apply(project)
    [kept] = project.live("Assistant")
    copy = project.client.beta.assistants.create(model="gpt-6-luna", instructions="Help.",
                                                 metadata=kept["metadata"])
    planned = project.run("plan")
    assert planned.exit_code == ExitCode.OK, planned.output
    # the oldest is kept: by created_at, then by id (both may be made in one second)
    older, younger = sorted([(kept["created_at"], kept["id"]),
                             (copy.created_at, copy.id)])
    assert f"# Assistant/helper will be destroyed ({younger[1]})" in planned.stdout
    assert f"# (duplicate of {older[1]}, the oldest copy, which is kept)" in planned.stdout
    assert "1 to delete." in planned.stdout
    _apply(project)
    assert [a["id"] for a in project.live("Assistant")] == [older[1]]
    assert "No changes." in project.run("plan").stdout


def test_a_saved_plan_is_applied_only_if_planning_again_gives_it(project: Project) -> None:
    project.write({"a.yaml": _assistant("alpha"), "b.yaml": _assistant("beta")})
    _apply(project)
    project.write({"a.yaml": _assistant("alpha", "Help more.")})
    saved = project.root / "plan.json"
    assert project.run("plan", "--out", str(saved)).exit_code == ExitCode.OK
    # a hand-edited plan is refused before anything is read
    edited = json.loads(saved.read_text())
    edited["changes"][0]["body"]["instructions"] = "Obey me."
    tampered = project.root / "tampered.json"
    tampered.write_text(json.dumps(edited))
    refused = project.run("apply", str(tampered))
    assert refused.exit_code == ExitCode.ERROR
    assert "was changed after `reconciler plan --out` wrote it" in refused.stderr
    # ... and so is one whose digest was recomputed: planning again does not give it
    from reconciler.plan import saved as saved_plans
    forged = saved_plans.load(tampered, check_digest=False)
    tampered.write_text(forged.model_copy(update={"digest": forged.saved_digest()})
                        .model_dump_json())
    refused = project.run("apply", str(tampered))
    assert refused.exit_code == ExitCode.ERROR
    assert "Assistant/alpha: its update differs" in refused.stderr
    # a live change since the plan makes it stale
    beta = next(a for a in project.live("Assistant") if a["metadata"].get(
        ownership.NAME_KEY) == "beta")
    project.client.beta.assistants.update(beta["id"], instructions="Changed by hand.")
    stale = project.run("apply", str(saved))
    assert stale.exit_code == ExitCode.ERROR and "the saved plan is stale" in stale.stderr
    assert "Assistant/beta: planned now as update; the saved plan does not have it" in stale.stderr
    project.write({"b.yaml": _assistant("beta", "Changed by hand.")})
    assert project.run("plan", "--out", str(saved)).exit_code == ExitCode.OK
    applied = project.run("apply", str(saved))
    assert applied.exit_code == ExitCode.OK, applied.output
    assert "No changes." in project.run("plan").stdout


def test_a_scope_is_required_before_applying_to_a_shared_api(project: Project,
                                                              tmp_path: Path) -> None:
    project.write({"a.yaml": _assistant("alpha")})
    result = project.run("apply", "--auto-approve", "--base-url", "https://api.example.test/v1")
    assert result.exit_code == ExitCode.ERROR
    assert "reconciler.yaml must set `scope:` before applying to https://api.example.test/v1" in (
        result.stderr)
    assert project.writes() == 0


def test_concurrent_applies_make_every_object_once(project: Project) -> None:
    """Two merges in a row used to duplicate objects: applies of one scope run one at a
    time (each waits with --lock-timeout), and the later ones find nothing left to do."""
    import os
    import subprocess
    import sys

    project.write({f"a{i}.yaml": _assistant(f"a{i}") for i in range(10)})
    env = {**os.environ, **project.env}
    runs = [subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve",
                              "--lock-timeout", "120"], cwd=project.root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)]
    results = [(run.wait(timeout=180), run.stdout.read(), run.stderr.read())  # type: ignore[union-attr]
               for run in runs]
    assert [code for code, _, _ in results] == [ExitCode.OK] * 4, results
    assert sum("Apply complete: 10 created" in out for _, out, _ in results) == 1, results
    names = [ownership.owner(a.get("metadata")) for a in project.live("Assistant")]
    assert sorted(names) == sorted(f"a{i}" for i in range(10)), "each object made once"
    assert "No changes." in project.run("plan").stdout


def test_a_saved_plan_cannot_widen_what_apply_may_do(project: Project) -> None:
    from reconciler.plan import saved as saved_plans

    project.write({f"{n}.yaml": _assistant(n) for n in ("a", "b", "c")})
    _apply(project)
    project.remove("b.yaml")
    project.remove("c.yaml")
    saved = project.root / "plan.json"
    assert project.run("plan", "--out", str(saved)).exit_code == ExitCode.OK
    # the selection is the plan's: flags that would change it are a usage error
    flagged = project.run("apply", str(saved), "--target", "Assistant/a")
    assert flagged.exit_code == ExitCode.ERROR
    assert "--target cannot be given with a saved plan" in flagged.output
    # a forged allow_mass_delete (digest recomputed: it is no signature) is not enough
    forged = saved_plans.load(saved)
    forged = forged.model_copy(update={"allow_mass_delete": True})
    saved.write_text(forged.model_copy(update={"digest": forged.saved_digest()})
                     .model_dump_json())
    refused = project.run("apply", str(saved))
    assert refused.exit_code == ExitCode.ERROR and "apply refused: the plan deletes 2" in (
        refused.stderr)
    assert set(_scopes(project)) == {"a", "b", "c"}
    # PATHS outside the project are refused before any request
    outside = forged.model_copy(update={"paths": ("/etc",)})
    saved.write_text(outside.model_copy(update={"digest": outside.saved_digest()})
                     .model_dump_json())
    project.clear_stats()
    escaped = project.run("apply", str(saved))
    assert escaped.exit_code == ExitCode.ERROR and "names PATHS outside the project" in (
        escaped.stderr)
    assert project.requests() == {}
    # the command line may allow it
    assert project.run("plan", "--out", str(saved)).exit_code == ExitCode.OK
    allowed = project.run("apply", str(saved), "--allow-mass-delete")
    assert allowed.exit_code == ExitCode.OK, allowed.output
    assert set(_scopes(project)) == {"a"}


def test_the_workflow_pins_the_scope_and_the_delete_threshold(project: Project) -> None:
    _scope(project, "team-a")
    project.write({f"{n}.yaml": _assistant(n) for n in ("a", "b", "c")})
    _apply(project)
    pinned = project.run_env({"RECONCILER_SCOPE": "team-b"}, "plan")
    assert pinned.exit_code == ExitCode.ERROR
    assert "says scope team-a, but RECONCILER_SCOPE (set where this runs) pins team-b" in (
        pinned.stderr)
    assert "Scope: team-a (objects of other scopes are never touched)." in (
        project.run_env({"RECONCILER_SCOPE": "team-a"}, "plan").stdout)
    project.remove("c.yaml")  # 1 of 3: within reconciler.yaml's 50%, not the workflow's 10%
    strict = project.run_env({"RECONCILER_MAX_DELETE_PERCENT": "10"}, "apply",
                             "--auto-approve")
    assert strict.exit_code == ExitCode.ERROR and "(33%, more than 10%)" in strict.stderr
    _apply(project)


def test_an_environment_applies_with_its_scope_and_overlay(project: Project) -> None:
    (project.root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nenvironments:\n"
        "  dev: {scope: support-dev, overrides: [{selector: {matchLabels: {}}, "
        "spec: {instructions: Dev.}}]}\n"
        "  prod: {scope: support-prod}\n")
    project.write({"a.yaml": _assistant("alpha")})
    applied = project.run("--env", "dev", "apply", "--auto-approve")
    assert applied.exit_code == ExitCode.OK, applied.output
    assert "scope support-dev, environment dev" in applied.stderr  # the announce line
    [live] = project.live("Assistant")
    assert live["instructions"] == "Dev." and _scopes(project) == {"alpha": "support-dev"}
    # prod in the same OpenAI project may not claim dev's names: one project per environment
    prod = project.run_env({"RECONCILER_ENV": "prod"}, "plan")
    assert prod.exit_code == ExitCode.ERROR
    assert "Assistant/alpha is managed by scope 'support-dev'" in prod.stderr
