"""The git workflow end to end, on emulators and a fake GitHub: a repository with two
environments (each its own OpenAI project: its own emulator) and git history; a pull request
shown offline by `diff --base`; planned per environment and posted as one comment each;
a policy violation annotated on the pull request and blocking its plan and apply;
applied per environment; drift made by hand, reported by `drift` in an issue, and the issue
closed after the next apply."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from click.testing import CliRunner, Result

from openai_emulator.process import EmulatorProcess, spawn
from reconciler import ownership
from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import API_KEY
from tests.test_github import FakeGitHub, actions_env

SUPPORT = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {{name: support, labels: {{tier: cheap}}}}
spec: {{model: {model}, instructions: "{text} Be {{{{ tone }}}}."}}
"""
MODELS = """
apiVersion: reconciler/v1
kind: Policy
metadata: {name: models}
spec:
  rules:
    - name: prod-models
      match: {environments: [prod]}
      expression: resource.spec.model in ['gpt-6-luna', 'gpt-6-sol']
      message: prod uses an approved model, not {{ resource.spec.model }}
"""


@pytest.fixture
def second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    running = spawn(tmp_path_factory.mktemp("prod-emulator"), "--index-delay", "0")
    yield running
    running.stop()


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c",
                    "user.name=t", *args], check=True, capture_output=True)


def test_a_change_goes_from_pull_request_to_both_environments_and_drift_is_watched(
        emulator: EmulatorProcess, second: EmulatorProcess, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.reset()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text(f"""
manifests: [manifests]
environments:
  dev:
    scope: support-dev
    connection: {{base_url: "{emulator.url}"}}
    vars: {{tone: casual}}
    overrides: [{{selector: {{matchLabels: {{tier: cheap}}}}, spec: {{model: gpt-5.6-luna}}}}]
  prod:
    scope: support-prod
    connection: {{base_url: "{second.url}"}}
    vars: {{tone: formal}}
""")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "support.yaml").write_text(SUPPORT.format(text="Help.",
                                                                        model="gpt-6-luna"))
    (tmp_path / "manifests" / "models.yaml").write_text(MODELS)
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "support")

    with FakeGitHub() as github:
        base = {**actions_env(github, tmp_path), "OPENAI_API_KEY": API_KEY,
                "OPENAI_BASE_URL": None, "OPENAI_PROJECT_ID": None, "OPENAI_ORG_ID": None,
                "XDG_CACHE_HOME": str(tmp_path / ".cache")}

        def run(*args: str) -> Result:
            return CliRunner().invoke(cli, list(args), env=base, catch_exceptions=False)

        for env in ("dev", "prod"):  # what main holds, applied
            assert run("--env", env, "apply", "--auto-approve").exit_code == ExitCode.OK

        # the pull request's first push breaks a policy in prod: annotated, and blocking
        (tmp_path / "manifests" / "support.yaml").write_text(
            SUPPORT.format(text="Help with orders.", model="o3"))
        checked = run("validate", "--format", "github")
        assert checked.exit_code == ExitCode.ERROR
        assert checked.stdout.startswith(
            "::error file=manifests/support.yaml,line=5,col=8,title=reconciler "
            "policy-violation::spec.model: Assistant/support: prod uses an approved model, "
            "not o3 (in environment prod)")
        blocked = run("--env", "prod", "apply", "--auto-approve")
        assert blocked.exit_code == ExitCode.ERROR, blocked.output
        assert "error[policy-violation]" in blocked.output
        failed = run("--env", "prod", "plan", "--format", "markdown")  # the comment says why
        assert failed.exit_code == ExitCode.ERROR
        (tmp_path / "plan-prod.md").write_text(failed.stdout)
        assert run("--env", "prod", "comment", "github", "--file",
                   str(tmp_path / "plan-prod.md")).exit_code == ExitCode.OK
        [comment] = github.comments[7]
        assert comment["body"].startswith("<!-- reconciler plan: prod -->\n### The plan failed")
        assert "error[policy-violation] spec.model: Assistant/support: prod uses" in (
            comment["body"])
        assert _support(second)["model"] == "gpt-6-luna"  # nothing written
        assert run("--env", "dev", "plan").exit_code == ExitCode.OK  # dev has no such rule

        # the second push: shown offline, in both environments
        (tmp_path / "manifests" / "support.yaml").write_text(
            SUPPORT.format(text="Help with orders.", model="gpt-6-luna"))
        offline = run("diff", "--base", "main", "--format", "json")
        assert offline.exit_code == ExitCode.OK, offline.output
        changed = {c["environment"]: [d["address"] for d in c["differences"]]
                   for c in json.loads(offline.stdout)["comparisons"]}
        assert changed == {"dev": ["Assistant/support"], "prod": ["Assistant/support"]}

        # planned per environment, one comment each, updated in place on the next push
        for _ in range(2):
            for env in ("dev", "prod"):
                planned = run("--env", env, "plan", "--format", "markdown")
                assert planned.exit_code == ExitCode.OK, planned.output
                (tmp_path / f"plan-{env}.md").write_text(planned.stdout)
                posted = run("--env", env, "comment", "github", "--file",
                             str(tmp_path / f"plan-{env}.md"))
                assert posted.exit_code == ExitCode.OK, posted.output
        bodies = [c["body"] for c in github.comments[7]]
        assert len(bodies) == 2  # prod's report of the failure was replaced by its plan
        assert bodies[0].startswith("<!-- reconciler plan: prod -->")
        assert bodies[1].startswith("<!-- reconciler plan: dev -->")
        assert all("Assistant/support" in b and "1 to update" in b for b in bodies)

        # merged: applied per environment, each with its own values
        for env in ("dev", "prod"):
            assert run("--env", env, "apply", "--auto-approve").exit_code == ExitCode.OK
        dev, prod = (_support(e) for e in (emulator, second))
        assert (dev["model"], dev["instructions"]) == ("gpt-5.6-luna",
                                                       "Help with orders. Be casual.")
        assert (prod["model"], prod["instructions"]) == ("gpt-6-luna",
                                                         "Help with orders. Be formal.")
        assert ownership.owner_scope(prod["metadata"]) == "support-prod"

        # drift by hand in prod: reported in an issue, closed after the next apply
        _client(second).beta.assistants.update(prod["id"], instructions="Changed by hand.")
        drift = run("--env", "prod", "drift", "--open-issue", "github")
        assert drift.exit_code == ExitCode.CHANGES, drift.output
        [issue] = github.issues
        assert issue["state"] == "open" and issue["title"] == "Drift in prod"
        assert run("--env", "dev", "drift").exit_code == ExitCode.OK
        assert run("--env", "prod", "apply", "--auto-approve").exit_code == ExitCode.OK
        assert run("--env", "prod", "drift", "--open-issue", "github").exit_code == ExitCode.OK
        assert github.issues[0]["state"] == "closed"


def _client(running: EmulatorProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=running.url, api_key=API_KEY, max_retries=0)


def _support(running: EmulatorProcess) -> dict[str, object]:
    [support] = [a.model_dump(mode="json") for a in _client(running).beta.assistants.list()]
    return support
