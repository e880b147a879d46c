"""Model retirement end to end, on a frozen clock: the emulator judges shutdowns by
`--today`, the CLI by RECONCILER_TODAY, so these tests never age.

The emulator lists four models: one current, one shutting down in 9 days (inside the
default 14-day block window), one in 59 days (inside the 90-day warn window; the catalog
says otherwise, and the API's word wins), and one already shut down (so not listed)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_emulator.process import EmulatorProcess, spawn
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project

TODAY = "2030-01-01"
MODELS = [
    {"id": "m-current", "object": "model", "created": 1, "owned_by": "system"},
    {"id": "m-soon", "object": "model", "created": 1, "owned_by": "system",
     "shutdown_date": "2030-01-10"},
    {"id": "m-later", "object": "model", "created": 1, "owned_by": "system",
     "shutdown_date": "2030-03-01"},
    {"id": "m-gone", "object": "model", "created": 1, "owned_by": "system",
     "shutdown_date": "2029-12-01"},
]
CATALOG = """
apiVersion: reconciler/v1
kind: ModelCatalog
metadata: {name: models}
spec:
  models:
    - id: m-current
    - id: m-soon
      deprecation: {replacement: m-current}
    - id: m-later
      deprecation: {shutdown_on: 2030-06-01, replacement: m-current}
    - id: m-gone
      deprecation: {shutdown_on: 2029-12-01, replacement: m-current}
"""


def agent(name: str, model: str, instructions: str = "Help.") -> str:
    return f"""
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {{name: {name}}}
        spec:
          model: {model}
          instructions: {instructions}
        """


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("emulator")
    (folder / "models.json").write_text(json.dumps(MODELS))
    running = spawn(folder, "--index-delay", "0", "--models", str(folder / "models.json"),
                    "--today", TODAY)
    yield running
    running.stop()


def at(project: Project, day: str, *args: str) -> tuple[int, str]:
    result = project.run_env({"RECONCILER_TODAY": day}, *args)
    return result.exit_code, result.output


def test_the_emulator_no_longer_lists_a_shut_down_model(project: Project) -> None:
    listed = {m.id for m in project.client.models.list()}
    assert listed == {"m-current", "m-soon", "m-later"}


def test_creating_onto_a_model_within_the_block_window_is_refused(project: Project) -> None:
    project.write({"models.yaml": CATALOG, "a.yaml": agent("soon", "m-soon")})
    code, output = at(project, TODAY, "plan")
    assert code == ExitCode.ERROR
    assert ("manifests/a.yaml:5:3: error[model-shut-down] spec.model: Agent/soon: model "
            "'m-soon' shuts down on 2030-01-10, in 9 days (the API says): within "
            "models.block_within_days (14), no resource is created on it or moved onto it"
            ) in output
    assert "hint: move to m-current: reconciler models upgrade --from m-soon" in output
    assert "the plan fails the model retirement gate (1 error(s)): nothing was written" in output
    code, _ = at(project, TODAY, "apply", "--auto-approve")
    assert code == ExitCode.ERROR and project.live("Agent") == []


def test_an_existing_resource_is_warned_and_may_change_but_not_move_onto_it(
        project: Project) -> None:
    project.write({"models.yaml": CATALOG, "a.yaml": agent("soon", "m-soon")})
    code, output = at(project, "2029-11-01", "apply", "--auto-approve")
    assert code == ExitCode.OK, output  # 70 days ahead: a warning only
    assert "warning: manifests/a.yaml:5:3: spec.model: Agent/soon: model 'm-soon' shuts down on " \
           "2030-01-10, in 70 days (the API says); move to m-current" in output
    project.write({"a.yaml": agent("soon", "m-soon", "Help more.")})
    code, output = at(project, TODAY, "apply", "--auto-approve")
    assert code == ExitCode.OK, output
    assert "in 9 days (the API says); move to m-current" in output
    assert project.managed("Agent")["soon"]["instructions"] == "Help more."
    project.write({"b.yaml": agent("other", "m-current")})
    assert at(project, TODAY, "apply", "--auto-approve")[0] == ExitCode.OK
    project.write({"b.yaml": agent("other", "m-soon")})
    code, output = at(project, TODAY, "plan")
    assert code == ExitCode.ERROR and "Agent/other: model 'm-soon' shuts down" in output
    assert "error[model-shut-down] spec.model: Agent/soon" not in output, \
        "the resource already on it is not refused"
    assert "warning[deprecated-model] spec.model: Agent/soon" in output


def test_the_api_date_beats_the_catalog_and_the_plan_says_so(project: Project) -> None:
    project.write({"models.yaml": CATALOG, "a.yaml": agent("later", "m-later")})
    code, output = at(project, TODAY, "validate")
    assert code == ExitCode.OK and "m-later" not in output, "the catalog says 151 days"
    code, output = at(project, TODAY, "plan")
    assert code == ExitCode.OK, output
    assert ("warning: the catalog says model 'm-later' shuts down on 2030-06-01, the API says "
            "it shuts down on 2030-03-01: the API's word is used (reconciler models sync "
            "corrects the catalog)") in output
    assert "Agent/later: model 'm-later' shuts down on 2030-03-01, in 59 days (the API says)" \
        in output


def test_a_model_past_its_shutdown_is_an_error_naming_the_replacement(project: Project) -> None:
    project.write({"models.yaml": CATALOG, "a.yaml": agent("gone", "m-gone")})
    code, output = at(project, TODAY, "validate")
    assert code == ExitCode.ERROR
    assert ("manifests/a.yaml:5:3: error[model-shut-down] spec.model: model 'm-gone' was shut "
            "down on 2029-12-01 (the catalog says)") in output
    code, output = at(project, TODAY, "plan")
    assert code == ExitCode.ERROR
    assert ("manifests/a.yaml:5:3: error[model-shut-down] spec.model: Agent/gone: model "
            "'m-gone' was shut down on 2029-12-01 and is no longer listed by the API") in output
    assert "hint: move to m-current: reconciler models upgrade --from m-gone" in output


def test_a_model_the_account_lacks_points_at_its_line(project: Project) -> None:
    project.write({"a.yaml": agent("typo", "m-currnet")})
    code, output = at(project, TODAY, "plan")
    assert code == ExitCode.ERROR
    assert ("manifests/a.yaml:5:3: error[unknown-model] spec.model: Agent/typo: model "
            "'m-currnet' is not available on this account (not in GET /v1/models)") in output
    assert "hint: `reconciler models sync` shows what the account lists" in output


def test_windows_are_set_per_environment(project: Project) -> None:
    (project.root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nmodels: {warn_within_days: 30}\nenvironments:\n"
        "  dev: {scope: dev}\n  prod: {scope: prod, models: {block_within_days: 60}}\n")
    project.write({"models.yaml": CATALOG, "a.yaml": agent("later", "m-later")})
    code, output = at(project, TODAY, "--env", "dev", "plan")
    assert code == ExitCode.OK and "in 59 days" not in output, "outside dev's 30-day window"
    code, output = at(project, TODAY, "--env", "prod", "plan")
    assert code == ExitCode.ERROR
    assert "within models.block_within_days (60)" in output


def test_policies_see_the_model_and_the_api_word(project: Project) -> None:
    project.write({"models.yaml": CATALOG, "a.yaml": agent("later", "m-later"), "p.yaml": """
        apiVersion: reconciler/v1
        kind: Policy
        metadata: {name: retiring}
        spec:
          rules:
            - name: not-soon
              expression: "!model.retiring || model.days_to_shutdown > 60"
              message: >-
                {{ model.id }} shuts down on {{ model.shutdown_date }}: move to
                {{ model.replacement }}
        """})
    code, output = at(project, TODAY, "validate")
    assert code == ExitCode.OK, output  # the catalog: 151 days
    code, output = at(project, TODAY, "plan")
    assert code == ExitCode.ERROR
    assert re.search(r"manifests/a\.yaml:5:3: error\[policy-violation\] spec\.model: Agent/later: "
                     r"m-later shuts down on 2030-03-01: move to m-current", output), output


def test_an_unset_or_bad_clock(project: Project, tmp_path: Path) -> None:
    project.write({"a.yaml": agent("now", "m-current")})
    code, output = at(project, "next tuesday", "validate")
    assert code == ExitCode.ERROR
    assert "RECONCILER_TODAY must be a date such as 2027-01-14, not 'next tuesday'" in output
