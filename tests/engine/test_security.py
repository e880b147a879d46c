"""Hostile input, as a pull request author would write it: files named outside the project,
edited saved plans, keys placed where they could be printed, output paths that cannot be
written. Each must be one clear error with nothing changed on the live side and nothing read
or printed that should not be."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project
from tests.engine.test_files import docs, uploads

STORE = """
apiVersion: reconciler/v1
kind: VectorStore
metadata:
  name: kb
spec:
  files:
    - {pattern}
"""

CODE = """
apiVersion: reconciler/v1
kind: Assistant
metadata:
  name: analyst
spec:
  model: gpt-6-luna
  tools: [{{type: code_interpreter}}]
  tool_resources:
    code_interpreter:
      files: [{path}]
"""


@pytest.fixture
def outside(project: Project) -> Path:
    """A folder beside the project holding a secret."""
    folder = project.root.parent / f"{project.root.name}-outside"
    folder.mkdir(exist_ok=True)
    (folder / "secret.md").write_text("# the CI runner's secret\n")
    (folder / "deep").mkdir(exist_ok=True)
    (folder / "deep" / "secret.md").write_text("# another\n")
    return folder


def refused(project: Project, line: int, what: str, column: int = 7) -> None:
    """validate and apply both refuse at `line` of the manifest; nothing is uploaded."""
    checked = project.run("validate")
    assert checked.exit_code == ExitCode.ERROR, checked.output
    assert f":{line}:{column}: error[path-outside-project]" in checked.output, checked.output
    assert what in checked.output
    applied = project.run("apply", "--auto-approve")
    assert applied.exit_code == ExitCode.ERROR
    assert project.writes() == 0 and uploads(project) == {}


def planned_files(project: Project) -> list[str]:
    """The repository files the plan would upload."""
    plan = project.run("plan", "--format", "json")
    assert plan.exit_code == ExitCode.OK, plan.output
    return [f["path"] for c in json.loads(plan.stdout)["changes"] for f in c["files"]]


def test_a_store_file_named_through_dotdot_is_refused(project: Project, outside: Path) -> None:
    project.write({"kb.yaml": STORE.format(pattern=f"../../{outside.name}/secret.md")})
    refused(project, 7, "leads outside the project")


def test_a_glob_through_dotdot_is_refused(project: Project, outside: Path) -> None:
    project.write({"kb.yaml": STORE.format(pattern=f"'../../{outside.name}/**/*.md'")})
    refused(project, 7, "leads outside the project")


def test_an_absolute_path_is_refused(project: Project, outside: Path) -> None:
    project.write({"kb.yaml": STORE.format(pattern=str(outside / "secret.md"))})
    refused(project, 7, "is an absolute path")


def test_a_symlink_to_a_file_outside_is_refused(project: Project, outside: Path) -> None:
    docs(project, {"docs/real.md": "# real\n"})
    os.symlink(outside / "secret.md", project.root / "manifests/docs/link.md")
    project.write({"kb.yaml": STORE.format(pattern="'docs/*.md'")})
    refused(project, 7, "'docs/link.md' is a symbolic link to a place outside the project")


def test_a_symlinked_folder_outside_is_not_entered(project: Project, outside: Path) -> None:
    docs(project, {"docs/real.md": "# real\n"})
    os.symlink(outside, project.root / "manifests/docs/shared")
    project.write({"kb.yaml": STORE.format(pattern="'docs/*/*.md'")})
    refused(project, 7, "'docs/shared' is a symbolic link to a place outside the project")
    # `**` never follows a symbolic link to a folder: the link is not even seen
    project.write({"kb.yaml": STORE.format(pattern="'docs/**/*.md'")})
    assert planned_files(project) == ["docs/real.md"]


def test_proc_self_environ_is_refused(project: Project) -> None:
    project.write({"kb.yaml": STORE.format(pattern="/proc/self/environ")})
    refused(project, 7, "is an absolute path")
    os.symlink("/proc/self/environ", project.root / "manifests/environ.txt")
    project.write({"kb.yaml": STORE.format(pattern="environ.txt")})
    refused(project, 7, "is a symbolic link to a place outside the project")


def test_code_interpreter_files_stay_inside(project: Project) -> None:
    project.write({"a.yaml": CODE.format(path="../../../../etc/passwd")})
    refused(project, 10, "'../../../../etc/passwd' leads outside the project", column=15)


def test_code_interpreter_files_get_the_type_check(project: Project) -> None:
    docs(project, {"data/tool.exe": "MZ"})
    project.write({"a.yaml": CODE.format(path="data/tool.exe")})
    checked = project.run("validate")
    assert checked.exit_code == ExitCode.ERROR
    assert ":10:15: error[unsupported-file-type]" in checked.output
    assert "code_interpreter does not accept .exe" in checked.output


def test_a_fifo_is_refused_without_being_opened(project: Project) -> None:
    docs(project, {"docs/a.md": "# a\n"})
    os.mkfifo(project.root / "manifests/docs/pipe.md")
    project.write({"kb.yaml": STORE.format(pattern="'docs/*.md'")})
    checked = project.run("validate")  # opening the FIFO would block for ever
    assert checked.exit_code == ExitCode.ERROR
    assert "error[not-a-regular-file] spec.files[0]: 'docs/pipe.md' is a FIFO" in checked.output


def test_symlink_loops_are_harmless(project: Project) -> None:
    docs(project, {"docs/a.md": "# a\n"})
    os.symlink(".", project.root / "manifests/docs/loop")
    project.write({"kb.yaml": STORE.format(pattern="'docs/**/*.md'")})
    assert planned_files(project) == ["docs/a.md"]


def test_a_symlink_inside_the_project_is_followed(project: Project) -> None:
    docs(project, {"shared/faq.md": "# faq\n"})
    os.symlink("shared", project.root / "manifests/docs")
    project.write({"kb.yaml": STORE.format(pattern="'docs/*.md'")})
    assert planned_files(project) == ["docs/faq.md"]


def test_manifest_files_linked_from_outside_are_not_read(project: Project,
                                                         outside: Path) -> None:
    (outside / "kube.yaml").write_text("apiVersion: v1\nclusters: [{token: hunter2}]\n")
    project.write({"kb.yaml": STORE.format(pattern="'*.md'")})
    os.symlink(outside / "kube.yaml", project.root / "manifests/kube.yaml")
    checked = project.run("validate")
    assert checked.exit_code == ExitCode.ERROR
    assert "error[path-outside-project] the manifest file" in checked.output
    assert "hunter2" not in checked.output and "clusters" not in checked.output


def test_configured_manifest_paths_stay_inside(project: Project) -> None:
    (project.root / "reconciler.yaml").write_text("manifests: [manifests, ../..]\n")
    checked = project.run("validate")
    assert checked.exit_code == ExitCode.ERROR
    assert "reconciler.yaml:1:24: error[path-outside-project] manifests[1]: '../..'" in (
        checked.output)


def test_an_edited_saved_plan_cannot_read_outside(project: Project, outside: Path) -> None:
    docs(project, {"docs/a.md": "# a\n"})
    project.write({"kb.yaml": STORE.format(pattern="docs/a.md")})
    assert project.run("plan", "--out", "plan.json").exit_code == ExitCode.OK
    saved = json.loads((project.root / "plan.json").read_text())
    for target in ("/etc/passwd", f"../{outside.name}/secret.md"):
        saved["changes"][0]["files"][0]["local"] = target
        (project.root / "edited.json").write_text(json.dumps(saved))
        project.clear_stats()
        result = project.run("apply", "edited.json")
        assert result.exit_code == ExitCode.ERROR
        assert f"{target} " in result.stderr and "nothing was changed" in result.stderr
        assert project.requests() == {}, "refused before anything is read or sent"


@pytest.mark.parametrize("name", ["../../x", "a/b", "UPPER", "-x"])
def test_import_names_must_be_manifest_names(project: Project, name: str) -> None:
    created = project.client.beta.assistants.create(model="gpt-6-luna", name="Helper")
    result = project.run("import", "Assistant", created.id, "--name", name)
    assert result.exit_code == ExitCode.ERROR
    assert "is not a manifest name" in result.output
    assert not list(project.root.rglob("*.yaml"))[1:], "nothing written but reconciler.yaml"


def test_import_writes_only_inside_the_chosen_folder(project: Project) -> None:
    project.client.beta.assistants.create(model="gpt-6-luna", name="../../../escape")
    result = project.run("import", "--all", "--dir", "imported")
    assert result.exit_code == ExitCode.OK, result.output
    written = sorted(p.relative_to(project.root).as_posix()
                     for p in project.root.rglob("*.yaml") if "schemas" not in p.parts)
    assert written == ["imported/assistants/escape.yaml", "reconciler.yaml"]
    assert not (project.root.parent / "escape.yaml").exists()


# -- keys never appear ------------------------------------------------------------------

KEY = "sk-proj-DISTINCTIVE-7f3a9c1e5b"


def _key_places(project: Project) -> list[tuple[dict[str, str], list[str], str]]:
    """(environment, extra arguments, reconciler.yaml) for each way a key can be given: the
    key variables, and a base URL's userinfo, query, `;` parameters and fragment."""
    url = project.emulator.url
    userinfo = url.replace("http://", f"http://user:{KEY}@")
    query = f"{url}?api-key={KEY}"
    config = "manifests: [manifests]\n"
    return [
        ({"OPENAI_API_KEY": KEY}, [], config),
        ({"OPENAI_API_KEY": "", "OPENAI_PROD_KEY": KEY}, [],
         config + "connection: {api_key_env: OPENAI_PROD_KEY}\n"),
        ({}, ["--base-url", userinfo], config),
        ({}, ["--base-url", query], config),
        ({"OPENAI_BASE_URL": userinfo}, [], config),
        ({"OPENAI_BASE_URL": query}, [], config),
        ({}, [], config + f"connection: {{base_url: '{userinfo}'}}\n"),
        ({}, [], config + f"connection: {{base_url: '{query}'}}\n"),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": KEY}, [], config),
        ({}, ["--base-url", f"{url};key={KEY}"], config),
        ({"OPENAI_BASE_URL": f"{url}#{KEY}"}, [], config),
    ]


COMMANDS: list[list[str]] = [
    ["validate"], ["render"],
    ["plan"], ["plan", "--format", "json"], ["plan", "--format", "markdown"],
    ["plan", "--out", "saved.json"], ["apply", "--auto-approve"], ["apply", "saved.json"],
    ["inventory"], ["inventory", "--format", "json"], ["import", "--all", "--dry-run"],
    ["import", "--all", "--dir", "imported"], ["models", "sync", "--check"],
    ["migrate", "assistants-to-agents"],
]


def test_a_key_appears_in_no_output_and_no_file(project: Project) -> None:
    project.write({"a.yaml": CODE.format(path="data/sales.csv").replace(
        "code_interpreter:\n      files: [data/sales.csv]", "code_interpreter: {}")})
    docs(project, {"data/sales.csv": "region,total\n"})
    project.client.beta.assistants.create(model="gpt-6-luna", name="by hand")
    (project.root / "manifests/models.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: ModelCatalog\nmetadata: {name: models}\n"
        "spec:\n  models:\n    - {id: gpt-6-luna}\n")
    runs = succeeded = 0
    for env, extra, config in _key_places(project):
        (project.root / "reconciler.yaml").write_text(config)
        for command in COMMANDS:
            for debug in ([], ["--debug"]):
                connects = command[0] not in ("validate", "render", "migrate")
                result = project.run_env(env, *debug, *command, *(extra if connects else []))
                runs += 1
                succeeded += result.exit_code == ExitCode.OK
                shown = result.stdout + result.stderr
                assert KEY not in shown, (env, command, shown)
                assert "Traceback" not in shown or debug, (env, command, shown)
    written = [p for p in project.root.rglob("*") if p.is_file()]
    assert runs == 11 * len(COMMANDS) * 2 and succeeded > 3 * len(COMMANDS)
    assert {"saved.json", "imported"} <= {p.relative_to(project.root).parts[0] for p in written}
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path


# -- the CLI never shows a traceback for bad input --------------------------------------

BAD_INPUT: list[tuple[list[str], str]] = [
    (["--config", "binary.dat", "validate"], "binary.dat"),
    (["plan", "--out", "missing/plan.json"], "--out missing/plan.json: the folder missing"),
    (["plan", "--out", "manifests"], "Invalid value for '--out': File 'manifests' is a dir"),
    (["plan", "--base-url", "ht!tp://[bad"], "--base-url is not a valid URL"),
    (["plan", "--base-url", "no-scheme.example/v1"], "--base-url is not a valid URL"),
    (["plan", "--base-url", "http://host:port/v1"], "--base-url is not a valid URL"),
    (["schema", "export", "--out", "afile/schemas"], "afile is a file, not a folder"),
    (["import", "--all", "--dir", "afile/imported"], "afile is a file, not a folder"),
    (["validate", "empty"], "error[no-manifests] no YAML files found in empty"),
    (["validate", "/dev/null"], "dev/null is a device, not a regular file"),
    (["plan", "empty"], "error[no-manifests]"),
    (["apply", "--auto-approve", "/dev/null"], "error[not-a-regular-file]"),
    (["apply", "afile.json"], "afile.json is not a plan saved by `reconciler plan --out`"),
    (["validate", "--bogus"], "No such option"),
    # PATHS that declare nothing are the empty folder's error, for every command
    (["validate", "blank.yaml"], "error[no-manifests] no manifest in blank.yaml"),
    (["plan", "blank.yaml"], "error[no-manifests]"),
    (["apply", "--auto-approve", "blank.yaml"], "error[no-manifests]"),
    (["render", "blank.yaml"], "error[no-manifests]"),
    (["validate", "missing.yaml"], "missing.yaml"),
    (["plan", "../outside"], "outside"),
    # numbers
    (["apply", "--parallelism", "0"], "Invalid value for '--parallelism'"),
    (["apply", "--parallelism", "many"], "Invalid value for '--parallelism'"),
    (["apply", "--lock-timeout", "-1"], "Invalid value for '--lock-timeout'"),
    (["apply", "--index-timeout", "nan"], "'nan' is not a finite number"),
    (["plan", "--retry-timeout", "-5"], "Invalid value for '--retry-timeout'"),
    (["plan", "--retry-timeout", "inf"], "'inf' is not a finite number"),
    (["emulator", "seed-usage", "--failure-share", "nan"], "'nan' is not a finite number"),
    (["usage", "--since", "forever"], "--since"),
    (["usage", "--since", "0d"], "--since"),
    (["usage", "--unused", "-3d"], "--unused"),
    (["usage", "--parallelism", "0"], "Invalid value for '--parallelism'"),
    (["ui", "--port", "80"], "Invalid value for '--port'"),
    (["ui", "--port", "70000"], "Invalid value for '--port'"),
    (["emulator", "serve", "--port", "70000"], "--port"),
    (["emulator", "start", "--port", "-1"], "--port"),
    (["emulator", "serve", "--index-delay", "-1"], "--index-delay"),
    # names and addresses
    (["plan", "--target", "Assistant/nobody"], "no resource Assistant/nobody"),
    (["plan", "--target", "nonsense"], "nonsense"),
    (["plan", "--replace", "Agent/nobody"], "no resource Agent/nobody"),
    (["--env", "nosuch", "plan"], "nosuch"),
    (["import", "Assistant", "asst_nobody"], "no unmanaged Assistant has the id asst_nobody"),
    (["import", "Assistant", "asst_x", "--name", "../escape"], "is not a manifest name"),
    (["import", "Bogus", "x"], "'Bogus' is not one of 'Assistant', 'Agent'"),
    (["force-unlock", "vs_nobody", "--yes"], "there is no lock vs_nobody"),
    (["force-unlock", "--yes", "../../etc"], "there is no lock"),
    (["schema", "show", "bogus"], "bogus"),
    (["render", "--kind", "bogus"], "Invalid value for '--kind'"),
    (["lock", "status", "--format", "xml"], "Invalid value for '--format'"),
    (["diff", "--base", "no-such-ref"], "no-such-ref"),
    (["diff", "--env", "only-one"], "or --env twice to compare two environments"),
    (["init", "--manifests", "../up"], "--manifests ../up: must be a folder inside this one"),
    (["init", "--manifests", "/abs"], "--manifests /abs: must be a folder inside this one"),
    # files and URLs
    (["migrate", "assistants-to-agents", "--from-export", "afile.json"],
     "is not a list of assistant objects"),
    (["migrate", "assistants-to-agents", "--from-export", "binary.dat"], "is not JSON"),
    (["migrate", "assistants-to-agents", "--from-export", "missing.json"], "missing.json"),
    (["migrate", "assistants-to-agents", "--from-base-url", "ftp://x"], "is not a valid URL"),
    (["comment", "github", "--file", "missing.md"], "missing.md"),
    (["comment", "github", "--file", "binary.dat", "--dry-run", "--pr", "1", "--repo", "o/r"],
     "binary.dat"),
    (["comment", "github", "--file", "afile", "--pr", "0", "--repo", "o/r", "--dry-run"],
     "--pr"),
    (["comment", "github", "--file", "afile", "--pr", "1", "--repo", "not a repo",
      "--dry-run"], "--repo"),
    (["apply", "--emulator", "--base-url", "https://api.openai.com/v1"], "--emulator"),
]


@pytest.mark.parametrize(("args", "says"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_is_one_clear_error(project: Project, args: list[str], says: str) -> None:
    project.write({"kb.yaml": STORE.format(pattern="'*.md'")})
    (project.root / "binary.dat").write_bytes(bytes(range(256)) * 8)
    (project.root / "afile").write_text("x")
    (project.root / "afile.json").write_text('{"endpoint": 1}')
    (project.root / "empty").mkdir()
    (project.root / "blank.yaml").write_text("# nothing declared yet\n")
    before = sorted(p for p in project.root.rglob("*"))
    project.clear_stats()
    result = project.run(*args)
    assert result.exit_code == ExitCode.ERROR, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert sorted(p for p in project.root.rglob("*")) == before, "nothing written"
    assert project.writes() == 0


def test_live_names_cannot_inject_workflow_commands(project: Project) -> None:
    project.client.beta.assistants.create(model="gpt-6-luna", name="evil\n::add-mask::x\r::y::z")
    project.write({"kb.yaml": STORE.format(pattern="'*.md'")})
    for command in (["inventory"], ["inventory", "--format", "csv"],
                    ["import", "--all", "--dry-run"], ["migrate", "assistants-to-agents"]):
        result = project.run(*command)
        lines = result.output.replace("\r", "\n").split("\n")
        assert [line for line in lines if line.lstrip().startswith("::")] == [], command


@pytest.mark.parametrize(("config", "env", "says"), [
    ("connection: {base_url: 'https://collector.example/v1'}", {},
     "points at collector.example, which is not OpenAI's API"),
    ("connection: {base_url: 'https://10.1.2.3/v1'}", {}, "points at 10.1.2.3"),
    ("connection: {base_url: 'http://api.openai.com/v1'}", {},
     "sends the key to api.openai.com over http://, unencrypted: refused"),
    ("connection: {base_url: 'http://proxy.invalid/v1'}",
     {"RECONCILER_TRUSTED_HOSTS": "proxy.invalid"}, "over http://, unencrypted"),
    ("connection: {api_key_env: GITHUB_TOKEN}", {"GITHUB_TOKEN": "ghp_x"},
     "'GITHUB_TOKEN' does not name an OpenAI key variable"),
    ("connection: {}", {"OPENAI_API_KEY": "sk-abcdef0123456789\n"},
     "OPENAI_API_KEY holds a control character"),
])
def test_the_configuration_cannot_send_a_key_elsewhere(project: Project, config: str,
                                                       env: dict[str, str], says: str) -> None:
    """reconciler.yaml can come from a pull request: it may not choose where the key goes,
    nor which of the runner's secrets is sent."""
    (project.root / "reconciler.yaml").write_text(f"manifests: [manifests]\n{config}\n")
    project.write({"kb.yaml": STORE.format(pattern="'*.md'")})
    result = project.run_env({"OPENAI_BASE_URL": "", **env}, "plan")
    assert result.exit_code == ExitCode.ERROR
    assert says in result.stderr, result.stderr
    assert "ghp_x" not in result.output and "0123456789" not in result.output


def test_a_host_the_environment_trusts_may_be_configured(project: Project) -> None:
    (project.root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nconnection: {base_url: 'https://proxy.invalid:9/v1'}\n")
    project.write({"kb.yaml": STORE.format(pattern="'*.md'")})
    result = project.run_env({"OPENAI_BASE_URL": "", "RECONCILER_TRUSTED_HOSTS": "proxy.invalid"},
                             "plan")
    assert result.exit_code == ExitCode.ERROR and "not OpenAI's API" not in result.stderr
    assert "unencrypted" not in result.stderr and "proxy.invalid" in result.stderr


@pytest.mark.parametrize(("path", "code"), [
    ('"docs/a\\0b.md"', "invalid-value"),
    ("docs/" + "x" * 300 + "/a.md", "missing-file"),
    ("/".join(["d"] * 3000) + "/a.md", "invalid-value"),
])
def test_paths_the_system_cannot_take_are_errors(project: Project, path: str,
                                                 code: str) -> None:
    project.write({"kb.yaml": STORE.format(pattern=path),
                   "a.yaml": CODE.format(path=path)})
    checked = project.run("validate")
    assert checked.exit_code == ExitCode.ERROR
    assert checked.output.count(f"error[{code}]") == 2, checked.output
    assert "Traceback" not in checked.output


def test_configured_globs_do_not_walk_or_name_what_is_outside(project: Project,
                                                             outside: Path) -> None:
    (outside / "kube.yaml").write_text("clusters: [{token: hunter2}]\n")
    os.symlink(outside, project.root / "link")
    project.write({"kb.yaml": STORE.format(pattern="'*.md'")})
    (project.root / "reconciler.yaml").write_text("manifests: [manifests, '*/secr*', '*']\n")
    checked = project.run("validate")
    assert checked.exit_code == ExitCode.ERROR
    assert "*/secr*: 1 of its matches lie outside the project" in checked.output
    assert "secret.md" not in checked.output and "kube" not in checked.output
    assert "hunter2" not in checked.output
