"""`reconciler drift` against the emulator: exit 0 in sync, 2 after a change by hand, and
the drift kept in one GitHub issue (a fake GitHub) that is opened, updated and closed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project
from tests.test_github import REPOSITORY, TOKEN, FakeGitHub

HELPER = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper}
spec: {model: gpt-6-luna, instructions: Help with orders.}
"""


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def _apply(project: Project) -> None:
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == ExitCode.OK, result.output


def _by_hand(project: Project, instructions: str) -> None:
    [helper] = project.live("Assistant")
    project.client.beta.assistants.update(helper["id"], instructions=instructions)


def test_drift_exits_0_in_sync_and_2_after_a_change_by_hand(project: Project) -> None:
    project.write({"helper.yaml": HELPER})
    _apply(project)
    clean = project.run("drift")
    assert clean.exit_code == ExitCode.OK, clean.output
    assert "No changes. The live state matches the manifests." in clean.stdout
    _by_hand(project, "Changed in the dashboard.")
    found = project.run("drift", "--format", "markdown")
    assert found.exit_code == ExitCode.CHANGES, found.output
    assert found.stdout.startswith("### Plan: 0 to create, 1 to update, 0 to delete.")
    assert "| `~` | `Assistant/helper` | update |" in found.stdout
    assert '! instructions: "Changed in the dashboard." -> "Help with orders."' in (
        found.stdout)
    assert found.stderr.endswith("Drift found: 1 change would make the live account match "
                                 "the manifests again (exit 2): `reconciler apply "
                                 "--refresh=full` makes them.\n")
    data = json.loads(project.run("drift", "--format", "json").stdout)
    assert data["refresh_full"] is True and data["summary"]["update"] == 1
    broken = project.run("drift", "--base-url", "http://127.0.0.1:9/v1")
    assert broken.exit_code == ExitCode.ERROR and "Traceback" not in broken.output


def test_drift_keeps_one_issue_per_environment_and_closes_it(project: Project,
                                                             fake: FakeGitHub) -> None:
    (project.root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nenvironments:\n  dev: {scope: s-dev}\n")
    project.write({"helper.yaml": HELPER})
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_API_URL": fake.url,
           "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "77"}
    unrelated = {"number": 3, "title": "Drift in dev", "body": "by a person", "state": "open",
                 "labels": [{"name": "reconciler-drift"}], "html_url": ""}
    fake.issues.append(unrelated)

    said: list[str] = []

    def drift() -> int:
        result = project.run_env(env, "drift", "--env", "dev", "--open-issue", "github")
        assert TOKEN not in result.output
        said.extend(line for line in result.stderr.splitlines() if "issue #" in line)
        return result.exit_code

    _apply_env = project.run("--env", "dev", "apply", "--auto-approve")
    assert _apply_env.exit_code == ExitCode.OK, _apply_env.output
    assert drift() == ExitCode.OK
    assert fake.issues == [unrelated] and not [m for m, _ in fake.sent if m != "GET"]
    _by_hand(project, "Changed in the dashboard.")
    assert drift() == ExitCode.CHANGES
    [issue] = [i for i in fake.issues if i is not unrelated]
    assert issue["title"] == "Drift in dev" and issue["labels"] == [{"name": "reconciler-drift"}]
    assert issue["body"].startswith("<!-- reconciler drift: dev -->\n**The live account "
                                    "differs from the manifests** (environment dev, scope "
                                    "s-dev): found by `reconciler drift` at ")
    assert "([run](https://github.example/octo/app/actions/runs/77))" in issue["body"]
    assert "`Assistant/helper`" in issue["body"] and (
        "reconciler apply --refresh=full --env dev" in issue["body"])
    _by_hand(project, "Changed again.")
    assert drift() == ExitCode.CHANGES
    assert [i["number"] for i in fake.issues] == [3, issue["number"]]  # updated, not duplicated
    assert "Changed again." in issue["body"]
    _apply_env = project.run("--env", "dev", "apply", "--auto-approve")
    assert _apply_env.exit_code == ExitCode.OK, _apply_env.output
    assert drift() == ExitCode.OK
    assert issue["state"] == "closed" and unrelated["state"] == "open"
    [closing] = fake.comments[issue["number"]]
    assert closing["body"].startswith("No drift left: the live account matches the manifests")
    writes = [(m, p.removeprefix(f"/repos/{REPOSITORY}")) for m, p in fake.sent if m != "GET"]
    number = issue["number"]
    assert writes == [("POST", "/issues"), ("PATCH", f"/issues/{number}"),
                      ("POST", f"/issues/{number}/comments"), ("PATCH", f"/issues/{number}")]
    assert drift() == ExitCode.OK  # nothing more to do: one more read
    assert len([s for s in fake.sent if s != ("GET", "/user")]) == len(writes) + 5
    url = f"in {REPOSITORY}: https://github.example/{REPOSITORY}/issues/{number}"
    assert said == [f"Opened issue #{number} (Drift in dev) {url}",
                    f"Updated issue #{number} (Drift in dev) {url}",
                    f"Closed issue #{number} (Drift in dev) {url}"]


def test_drift_with_open_issue_needs_github_before_any_request(project: Project,
                                                               tmp_path: Path) -> None:
    project.write({"helper.yaml": HELPER})
    project.clear_stats()
    result = project.run_env({"GITHUB_TOKEN": "", "GITHUB_REPOSITORY": REPOSITORY},
                             "drift", "--open-issue", "github")
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: GITHUB_TOKEN is not set")
    assert project.requests() == {}
