"""The command line: exit codes, output formats, configuration discovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from ruamel.yaml import YAML

from reconciler.cli import cli, hoist_global_options
from reconciler.exitcodes import ExitCode
from tests.conftest import EXAMPLES, REPO, WriteTree

BROKEN = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: broken}
spec:
  model: gpt-6-luna
  temprature: 0.2
"""
GOOD = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: good}
spec: {model: gpt-6-luna, instructions: "Line one.\\nLine two."}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_examples_exits_0() -> None:
    result = run("validate", str(EXAMPLES))
    assert result.exit_code == ExitCode.OK
    assert result.stdout.strip().startswith("valid: 0 errors, 0 warnings")


def test_validate_text_names_file_line_column_and_field(write_tree: WriteTree) -> None:
    write_tree({"m/a.yaml": BROKEN})
    result = run("validate", "m")
    assert result.exit_code == ExitCode.ERROR
    first = result.stdout.splitlines()[0]
    assert first == (f"{os.path.join('m', 'a.yaml')}:6:3: error[unknown-field] "
                     "spec.temprature: unknown field 'temprature'")
    assert "hint: did you mean 'temperature'?" in result.stdout
    assert "1 error, 0 warnings in 1 document (1 file)" in result.stdout


def test_validate_json_is_versioned_and_complete(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": BROKEN, "b.yaml": GOOD})
    result = run("validate", ".", "--format", "json")
    assert result.exit_code == ExitCode.ERROR
    payload = json.loads(result.stdout)
    assert payload["format_version"] == "1.0" and payload["valid"] is False
    assert payload["summary"] == {"errors": 1, "warnings": 0, "files": 2, "documents": 2}
    (item,) = payload["diagnostics"]
    assert item == {"severity": "error", "code": "unknown-field",
                    "message": "unknown field 'temprature'", "file": "a.yaml", "line": 6,
                    "column": 3, "path": "spec.temprature",
                    "hint": "did you mean 'temperature'?"}


def test_validate_github_annotations(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": BROKEN})
    result = run("validate", ".", "--format", "github")
    assert result.exit_code == ExitCode.ERROR
    assert result.stdout.strip() == (
        "::error file=a.yaml,line=6,col=3,title=reconciler unknown-field::spec.temprature: "
        "unknown field 'temprature' (hint: did you mean 'temperature'?)")


def test_warnings_do_not_fail(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": GOOD.replace("spec: {", "spec: {vars: {x: 1}, ")})
    result = run("validate", ".")
    assert result.exit_code == ExitCode.OK
    assert "warning[unused-variable]" in result.stdout


def test_validate_show_prints_resolved_documents(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": GOOD})
    result = run("validate", ".", "--show")
    assert result.exit_code == ExitCode.OK
    assert "instructions: |-\n    Line one.\n    Line two." in result.stdout
    payload = json.loads(run("validate", ".", "--show", "--format", "json").stdout)
    assert payload["resources"][0]["body"]["name"] == "good"


def test_render_filters_and_formats() -> None:
    result = run("render", str(EXAMPLES), "--kind", "Agent")
    docs = list(YAML(typ="safe").load_all(result.stdout))
    assert result.exit_code == ExitCode.OK
    assert {d["kind"] for d in docs} == {"Agent"} and len(docs) >= 2
    named = json.loads(run("render", str(EXAMPLES), "--name", "support-bot", "--format",
                           "json").stdout)
    assert [d["name"] for d in named] == ["support-bot"]
    assert named[0]["body"]["name"] == "Acme Store Support"


def test_render_unknown_name_is_an_error_with_did_you_mean() -> None:
    result = run("render", str(EXAMPLES), "--name", "support-bott")
    assert result.exit_code == ExitCode.ERROR and result.stdout == ""
    assert "error: --name support-bott: no VectorStore, Assistant or Agent manifest has this " \
           "name" in result.stderr
    assert "hint: did you mean 'support-bot'?" in result.stderr
    two = run("render", str(EXAMPLES), "--name", "support-agent", "--kind", "Agent",
              "--name", "nobody-at-all")
    assert two.exit_code == ExitCode.ERROR
    assert "--name nobody-at-all: no Agent manifest" in two.stderr
    assert "--name support-agent" not in two.stderr
    wrong_kind = run("render", str(EXAMPLES), "--name", "billing-assistant", "--kind", "Agent")
    assert wrong_kind.exit_code == ExitCode.ERROR
    assert "hint: there is Assistant/billing-assistant: add --kind Assistant" in (
        wrong_kind.stderr)


def test_render_kind_in_any_case() -> None:
    lower = run("render", str(EXAMPLES), "--kind", "agent", "--kind", "VECTORSTORE")
    assert lower.exit_code == ExitCode.OK, lower.output
    kinds = {d["kind"] for d in YAML(typ="safe").load_all(lower.stdout)}
    assert kinds == {"Agent", "VectorStore"}
    wrong = run("render", str(EXAMPLES), "--kind", "agnt")
    assert wrong.exit_code == ExitCode.ERROR
    assert ("'agnt' is not one of VectorStore, Assistant, Agent; did you mean 'Agent'?"
            in wrong.stderr)
    assert run("schema", "show", "tool").exit_code == ExitCode.OK


@pytest.mark.parametrize(("argv", "expected"), [
    (["plan", "--no-color"], ["--no-color", "plan"]),
    (["--debug", "models", "sync", "--config", "c.yaml", "--color"],
     ["--debug", "--config", "c.yaml", "--color", "models", "sync"]),
    (["--config", "c.yaml", "validate", "--config=d.yaml", "x"],
     ["--config", "c.yaml", "--config=d.yaml", "validate", "x"]),
    (["render", "--", "--debug"], ["render", "--", "--debug"]),
    (["--no-color"], ["--no-color"]),
])
def test_global_options_after_the_command_move_before_it(argv: list[str],
                                                          expected: list[str]) -> None:
    assert hoist_global_options(argv) == expected


def test_global_options_work_after_the_command(write_tree: WriteTree) -> None:
    root = write_tree({"elsewhere/reconciler.yaml": "manifests: [m]\n",
                       "elsewhere/m/a.yaml": BROKEN})
    result = CliRunner().invoke(cli, ["validate", "--color", "--config",
                                      str(root / "elsewhere/reconciler.yaml")], color=True)
    assert result.exit_code == ExitCode.ERROR
    assert "m/a.yaml:6:3" in result.stdout and "\x1b[" in result.stdout
    plain = CliRunner().invoke(cli, ["validate", str(root / "elsewhere/m"), "--no-color"],
                               color=True)
    assert plain.exit_code == ExitCode.ERROR and "\x1b[" not in plain.stdout
    assert "No such option" not in plain.output


def test_render_refuses_invalid_manifests(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": BROKEN, "b.yaml": GOOD})
    result = run("render", ".")
    assert result.exit_code == ExitCode.ERROR
    assert result.stdout == ""
    assert "a.yaml:6:3: error[unknown-field]" in result.stderr
    assert "error: 1 error(s) in the manifests" in result.stderr


def test_config_is_found_from_a_subfolder(write_tree: WriteTree,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree({
        "reconciler.yaml": "manifests: [defs]\nexclude: ['*draft*']\n",
        "defs/a.yaml": GOOD,
        "defs/b-draft.yaml": BROKEN,
        "docs/readme.md": "x",
    })
    monkeypatch.chdir(root / "docs")
    result = run("validate")
    assert result.exit_code == ExitCode.OK, result.output
    assert "1 document (1 file)" in result.stdout


def test_invalid_config_is_reported_with_its_location(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": "manifests: [m]\nmanifest_dirs: [x]\n", "m/a.yaml": GOOD})
    result = run("validate")
    assert result.exit_code == ExitCode.ERROR
    assert "reconciler.yaml:2:1: error[unknown-field] manifest_dirs" in result.stderr


def test_explicit_config_flag(write_tree: WriteTree) -> None:
    write_tree({"conf/project.yaml": "manifests: [m]\n", "conf/m/a.yaml": GOOD,
                "conf/outside.yaml": "manifests: [../m]\n"})
    assert run("--config", "conf/project.yaml", "validate").exit_code == ExitCode.OK
    outside = run("--config", "conf/outside.yaml", "validate")
    assert outside.exit_code == ExitCode.ERROR
    assert ("outside.yaml:1:13: error[path-outside-project] manifests[0]: '../m' is outside "
            "the project (the folder of outside.yaml)") in outside.stderr
    missing = run("--config", "nope.yaml", "validate")
    assert missing.exit_code == ExitCode.ERROR and "no such file" in missing.stderr


def test_no_manifests_is_an_error(write_tree: WriteTree) -> None:
    write_tree({"readme.md": "x"})
    result = run("validate")
    assert result.exit_code == ExitCode.ERROR
    assert "no-such" not in result.stdout and "manifests" in result.stdout


@pytest.mark.parametrize("args", [["validate", "--bogus"], ["nope"],
                                  ["validate", "--format", "xml"]])
def test_usage_errors_exit_1_not_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == ExitCode.ERROR


def test_help_teaches() -> None:
    top = run("--help")
    assert top.exit_code == 0
    for word in ("validate", "render", "schema", "Exit codes", "Examples"):
        assert word in top.stdout
    assert "Examples:" in run("validate", "--help").stdout


def test_schema_show_and_export(tmp_path: Path) -> None:
    shown = json.loads(run("schema", "show", "Agent").stdout)
    assert shown["title"] == "reconciler/v1 Agent"
    result = run("schema", "export", "--out", str(tmp_path))
    assert result.exit_code == 0
    for path in (REPO / "schemas").rglob("*.json"):
        relative = path.relative_to(REPO / "schemas")
        assert (tmp_path / relative).read_text() == path.read_text()


def test_python_dash_m_and_console_script_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    proc = subprocess.run([sys.executable, "-m", "reconciler", "validate", str(bad)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "unknown-field" in proc.stdout
    ok = subprocess.run([sys.executable, "-m", "reconciler", "validate", str(EXAMPLES)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0


def test_an_empty_config_means_the_defaults(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": "# nothing yet\n", "manifests/a.yaml": GOOD})
    result = run("validate")
    assert result.exit_code == ExitCode.OK, result.output


def test_the_command_table_shows_each_command_s_own_short_help() -> None:
    import importlib

    from reconciler.cli import COMMANDS

    for name, (where, short) in COMMANDS.items():
        module, _, attribute = where.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert command.get_short_help_str(limit=1000) == short, name


def test_help_and_validate_import_no_sdk_server_or_differ() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom reconciler.cli import main\ntry:\n    main(sys.argv[1:])\n"
             "except SystemExit:\n    pass\nprint(sorted(m for m in ('openai', 'starlette', "
             "'uvicorn', 'deepdiff') if m in sys.modules), file=sys.stderr)")
    for arguments in (["--help"], ["validate", str(EXAMPLES)]):
        done = subprocess.run([sys.executable, "-c", probe, *arguments], capture_output=True,
                              text=True, check=True)
        assert done.stderr.strip().splitlines()[-1] == "[]", (arguments, done.stderr)


def test_usage_errors_speak_as_every_other_error() -> None:
    result = run("validate", "--bogus")
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: No such option '--bogus'")
    assert result.stderr.endswith(" validate --help'\n")  # as the program is called
    assert "Usage:" not in result.output and "Error:" not in result.output
