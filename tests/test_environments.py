"""Environments in reconciler.yaml: chosen with --env or RECONCILER_ENV, each with its scope,
connection and overlay (labels, variables, overrides by selector); validate checks them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from tests.conftest import WriteTree

CONFIG = """
manifests: [manifests]
environments:
  dev:
    scope: support-dev
    vars: {tone: casual}
    labels: {stage: dev}
    overrides:
      - selector: {matchLabels: {tier: cheap}}
        spec: {model: gpt-5.6-luna, temperature: 0.2}
  prod:
    scope: support-prod
    vars: {tone: formal}
"""
CHEAP = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper, labels: {tier: cheap}}
spec: {model: gpt-6-luna, instructions: "Be {{ tone }}."}
"""
PLAIN = """
apiVersion: reconciler/v1
kind: Agent
metadata: {name: writer}
spec: {model: gpt-6.1-sol}
"""


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _render(*args: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    result = run(*args, "render", "--format", "json", env=env)
    assert result.exit_code == ExitCode.OK, result.output
    return {r["name"]: r["body"] for r in json.loads(result.stdout)}


def test_each_environment_resolves_its_own_values(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": CONFIG, "manifests/a.yaml": CHEAP,
                "manifests/b.yaml": PLAIN})
    dev = _render("--env", "dev")
    assert dev["helper"]["model"] == "gpt-5.6-luna" and dev["helper"]["temperature"] == 0.2
    assert dev["helper"]["instructions"] == "Be casual."
    assert dev["writer"]["model"] == "gpt-6.1-sol"  # the selector does not pick it
    prod = _render(env={"RECONCILER_ENV": "prod"})
    assert prod["helper"]["model"] == "gpt-6-luna" and "temperature" not in prod["helper"]
    assert prod["helper"]["instructions"] == "Be formal."
    assert run("render", "--env", "dev", "--kind", "Agent").exit_code == ExitCode.OK


def test_an_environment_must_be_chosen_and_must_exist(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": CONFIG, "manifests/a.yaml": CHEAP})
    missing = run("render")
    assert missing.exit_code == ExitCode.ERROR
    assert "reconciler.yaml declares environments (dev, prod): say which one" in missing.stderr
    assert "hint: --env NAME, or RECONCILER_ENV=NAME" in missing.stderr
    typo = run("--env", "prd", "render")
    assert typo.exit_code == ExitCode.ERROR
    assert "no environment 'prd' in reconciler.yaml: dev, prod" in typo.stderr
    assert "did you mean 'prod'?" in typo.stderr
    plan = run("plan", env={"OPENAI_API_KEY": "sk-x"})
    assert plan.exit_code == ExitCode.ERROR and "say which one" in plan.stderr
    write_tree({"reconciler.yaml": "manifests: [manifests]\n"})
    none = run("--env", "dev", "validate")
    assert none.exit_code == ExitCode.ERROR and "declares no environments" in none.stderr


def test_validate_checks_every_environment_and_says_where_a_problem_is(
        write_tree: WriteTree) -> None:
    broken = CONFIG.replace("vars: {tone: formal}", "vars: {}").replace(
        "spec: {model: gpt-5.6-luna, temperature: 0.2}", "spec: {temprature: 0.2}")
    write_tree({"reconciler.yaml": broken, "manifests/a.yaml": CHEAP})
    result = run("validate")
    assert result.exit_code == ExitCode.ERROR
    lines = result.stdout.splitlines()
    assert ("manifests/a.yaml:4:27: error[missing-variable] spec.instructions: instructions "
            "uses variable 'tone' with no value (in environment prod)") in lines
    assert ("reconciler.yaml:9:16: error[unknown-field] environments.dev.overrides[0].spec."
            "temprature: environment 'dev' overrides 'temprature', which Assistant does not "
            "support (in environment dev)") in lines
    assert "2 errors, 0 warnings in 1 document (1 file)" in result.stdout
    only = run("--env", "dev", "validate")  # one environment: no need to say which
    assert only.exit_code == ExitCode.ERROR and "(in environment" not in only.stdout


def test_an_invalid_environment_name_is_one_located_error(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from reconciler.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("manifests: [m]\nenvironments: {Bad_Name: {}}\n")
    (tmp_path / "m").mkdir()
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "reconciler.yaml:2:16: error[invalid-value] environments.Bad_Name: environment " \
           "name 'Bad_Name' is not valid" in result.output
