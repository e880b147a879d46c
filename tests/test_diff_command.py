"""`reconciler diff`: two git revisions or two environments compared without any API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.compare import Change, compare
from reconciler.exitcodes import ExitCode
from reconciler.manifests.project import load_manifest_set
from reconciler.render.compare import MARKER
from tests.conftest import WriteTree

CONFIG = """
manifests: [manifests]
environments:
  staging: {scope: s-staging, vars: {tone: casual}}
  prod:
    scope: s-prod
    vars: {tone: formal}
    overrides: [{selector: {matchLabels: {tier: cheap}}, spec: {model: gpt-5.6-luna}}]
"""
HELPER = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper, labels: {tier: cheap}}
spec: {model: gpt-6-luna, instructions: "Be {{ tone }}.", metadata: {team: a}}
"""
STORE = """
apiVersion: reconciler/v1
kind: VectorStore
metadata: {name: kb}
spec: {files: [docs/*.md]}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c",
                    "user.name=t", *args], check=True, capture_output=True)


def test_two_environments_are_compared_field_by_field(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": CONFIG, "manifests/a.yaml": HELPER})
    result = run("diff", "--env", "staging", "--env", "prod", "--detailed-exitcode")
    assert result.exit_code == ExitCode.CHANGES
    assert result.stdout.splitlines() == [
        "Comparing environment staging with environment prod:", "",
        "  ~ Assistant/helper", '      ~ model: "gpt-6-luna" -> "gpt-5.6-luna"',
        '      ~ instructions: "Be casual." -> "Be formal."', "",
        "0 to add, 1 to change, 0 to remove (0 the same)."]
    same = run("diff", "--env", "prod", "--env", "prod", "--detailed-exitcode")
    assert same.exit_code == ExitCode.OK and "No differences (1 resources the same)." in (
        same.stdout)
    usage = run("diff")
    assert usage.exit_code == ExitCode.ERROR
    assert "give --base REF (a git revision), or --env twice" in usage.stderr


def test_a_pull_request_is_compared_with_its_base_in_every_environment(
        write_tree: WriteTree) -> None:
    root = write_tree({"reconciler.yaml": CONFIG, "manifests/a.yaml": HELPER,
                       "manifests/kb.yaml": STORE, "manifests/docs/a.md": "# A\n"})
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    write_tree({"manifests/a.yaml": HELPER.replace("team: a", "team: b"),
                "manifests/docs/a.md": "# A, edited\n", "manifests/docs/b.md": "# B\n"})
    (root / "manifests/kb.yaml").unlink()
    write_tree({"manifests/kb2.yaml": STORE.replace("name: kb", "name: kb2")})
    result = run("diff", "--base", "main", "--format", "json")
    assert result.exit_code == ExitCode.OK, result.output
    data = json.loads(result.stdout)
    assert [c["environment"] for c in data["comparisons"]] == ["staging", "prod"]
    staging = data["comparisons"][0]
    assert staging["left"].startswith("base main (") and staging["right"] == "the working tree"
    assert {d["address"]: d["change"] for d in staging["differences"]} == {
        "Assistant/helper": "change", "VectorStore/kb": "remove", "VectorStore/kb2": "add"}
    helper = next(d for d in staging["differences"] if d["address"] == "Assistant/helper")
    assert [(f["path"], f["before"], f["after"]) for f in helper["fields"]] == [
        ("metadata.team", "a", "b")]
    added = next(d for d in staging["differences"] if d["address"] == "VectorStore/kb2")
    assert [(f["path"], f["change"]) for f in added["files"]] == [
        ("docs/a.md", "add"), ("docs/b.md", "add")]
    markdown = run("diff", "--base", "main", "--env", "prod", "--format", "markdown").stdout
    assert markdown.startswith(MARKER + "\n### Comparing base main (")
    assert ", environment prod: 1 to add, 1 to change, 1 to remove" in markdown
    # the working tree is committed: head and base compared as revisions
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "head")
    both = run("diff", "--base", "main~1", "--head", "main", "--env", "staging")
    assert "Comparing base main~1 (" in both.stdout and "with head main (" in both.stdout
    wrong = run("diff", "--base", "no-such-branch")
    assert wrong.exit_code == ExitCode.ERROR
    assert "'no-such-branch' names no commit" in wrong.stderr and "Traceback" not in (
        wrong.output)


def test_fields_added_removed_and_changed(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": HELPER.replace("{{ tone }}", "kind")})
    left = load_manifest_set(["a.yaml"]).resources
    write_tree({"a.yaml": HELPER.replace("{{ tone }}", "kind").replace(
        "metadata: {team: a}", "temperature: 0.5")})
    right = load_manifest_set(["a.yaml"]).resources
    [difference] = compare(left, right, left_name="l", right_name="r").differences
    assert difference.change is Change.CHANGE
    assert [(f.path, f.op) for f in difference.fields] == [("metadata", "remove"),
                                                          ("temperature", "add")]


def test_a_revision_with_a_link_out_of_the_repository_is_one_clear_error(
        write_tree: WriteTree) -> None:
    root = write_tree({"reconciler.yaml": CONFIG, "manifests/a.yaml": HELPER})
    (root / "manifests" / "secrets").symlink_to("/etc/passwd")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    result = run("diff", "--base", "main")
    assert result.exit_code == ExitCode.ERROR
    assert "Traceback" not in result.output
    assert "main holds manifests/secrets -> /etc/passwd, which points outside the " \
           "repository: the revision is not read (an absolute link)" in result.stderr


def test_a_change_to_the_policies_or_labels_is_said_first(write_tree: WriteTree) -> None:
    rule = ("apiVersion: reconciler/v1\nkind: Policy\nmetadata: {name: models}\nspec:\n"
            "  rules:\n    - {name: approved, expression: \"resource.spec.model == 'x'\", "
            "message: m}\n")
    root = write_tree({"reconciler.yaml": CONFIG, "manifests/a.yaml": HELPER,
                       "manifests/p.yaml": rule})
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    assert "policies changed" not in run("diff", "--base", "main").stdout
    write_tree({"manifests/p.yaml": rule.replace("== 'x'", "!= ''"),
                "reconciler.yaml": CONFIG.replace("staging: {scope: s-staging,",
                                                  "staging: {scope: s-staging, "
                                                  "labels: {allow-delete: 'yes'},")})
    text = run("diff", "--base", "main").stdout
    assert text.startswith("policies changed: Policy/models rules edited; environment "
                           "staging labels edited (they gate this change: review them first)")
    markdown = run("diff", "--base", "main", "--format", "markdown").stdout
    assert markdown.startswith("> **Policies changed:** Policy/models rules edited")
    (root / "manifests/p.yaml").unlink()
    data = json.loads(run("diff", "--base", "main", "--format", "json").stdout)
    assert data["policies_changed"][0] == "Policy/models removed"
