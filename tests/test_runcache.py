"""`validate` replays an unchanged run, and checks afresh as soon as anything it read,
listed or depends on has changed (reconciler/runcache.py).

A replay is told from a fresh run by tampering with the stored output: a run that prints
the tampered text was replayed; one that prints the real output checked again.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler import runcache
from reconciler.cli import main

MARK = "REPLAYED FROM THE CACHE"
STORE = """\
apiVersion: reconciler/v1
kind: VectorStore
metadata: {name: kb}
spec:
  files: ['docs/**/*.md']
  exclude: ['docs/drafts/**']
"""
AGENT = """\
apiVersion: reconciler/v1
kind: Tool
metadata: {name: search}
spec: {type: file_search}
---
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper}
spec:
  model: gpt-6-luna
  instructions: Help.
  tools: [search, {type: code_interpreter}]
  tool_resources:
    file_search:
      vector_stores: [kb]
    code_interpreter:
      files: [data/sales.csv]
"""
POLICY = """\
apiVersion: reconciler/v1
kind: Policy
metadata: {name: models}
spec:
  rules:
    - name: approved-model
      match: {kinds: [Assistant]}
      expression: resource.spec.model in ['gpt-6-luna']
      message: "{{ resource.spec.model }} is not approved"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small valid project (a store with globs, an agent), the cache turned on in a folder
    of this test's own; the working folder is the project."""
    root = tmp_path / "project"
    files = {"reconciler.yaml": "manifests: [manifests]\n",
             "manifests/store.yaml": STORE, "manifests/agent.yaml": AGENT,
             "manifests/docs/a.md": "A\n", "manifests/docs/deep/b.md": "B\n",
             "manifests/docs/drafts/c.md": "C\n", "manifests/policy.yaml": POLICY,
             "manifests/data/sales.csv": "region,total\nnorth,1\n"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "shared.md").write_text("S\n")
    (root / "manifests/docs/link.md").symlink_to(root / "shared.md")
    monkeypatch.chdir(root)
    monkeypatch.delenv("RECONCILER_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return root


def runs(project: Path) -> list[Path]:
    return sorted((project.parent / "cache" / "assistants-reconciler" / "runs").glob("*.json"))


def reconciler(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    printed = capsys.readouterr()
    return int(done.value.code or 0), printed.out, printed.err


def tamper(project: Path) -> None:
    """Make every stored run print MARK, so that a replay shows."""
    for path in runs(project):
        entry = json.loads(path.read_text())
        entry["output"] = [[False, True, MARK]]
        path.write_text(json.dumps(entry))


def test_an_unchanged_run_is_replayed_with_its_output_and_exit_code(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = reconciler(capsys, "validate")
    assert first == (0, "valid: 0 errors, 0 warnings in 4 documents (3 files)\n", "")
    assert len(runs(project)) == 1
    assert reconciler(capsys, "validate") == first  # replayed: the same, byte for byte
    tamper(project)
    assert reconciler(capsys, "validate") == (0, MARK + "\n", "")


def test_an_invalid_project_is_replayed_with_its_errors_and_exit_1(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "manifests/agent.yaml").write_text(AGENT.replace("[search,", "[serch,"))
    first = reconciler(capsys, "validate", "--format", "json")
    assert first[0] == 1 and "'serch'" in first[1]
    assert reconciler(capsys, "validate", "--format", "json") == first
    (project / "reconciler.yaml").write_text("manifests: [manifests]\nbogus: 1\n")
    error = reconciler(capsys, "validate")
    assert error[0] == 1 and "bogus" in error[2]  # a configuration error, on stderr
    assert reconciler(capsys, "validate") == error


def _edit_same_size(project: Path) -> None:
    path = project / "manifests/agent.yaml"
    path.write_text(path.read_text().replace("Help.", "Hel!."))


def _chmod(project: Path) -> None:
    (project / "manifests/docs/a.md").chmod(0o600)


def _symlink_out(project: Path) -> None:
    outside = project.parent / "secret.md"
    outside.write_text("S\n")
    (project / "manifests/docs/a.md").unlink()
    (project / "manifests/docs/a.md").symlink_to(outside)


def _link_retargeted(project: Path) -> None:
    """Only the link's target changes: the same content, size and listing."""
    outside = project.parent / "shared.md"
    outside.write_text("S\n")
    link = project / "manifests/docs/link.md"
    link.unlink()
    link.symlink_to(outside)


def _folder_to_file(project: Path) -> None:
    drafts = project / "manifests/docs/drafts"
    (drafts / "c.md").unlink()
    drafts.rmdir()
    drafts.write_text("")


def _fifo(project: Path) -> None:
    (project / "manifests/docs/a.md").unlink()
    os.mkfifo(project / "manifests/docs/a.md")


def _empty_file(project: Path) -> None:
    (project / "manifests/docs/deep/b.md").write_text("")


CHANGES: dict[str, Callable[[Path], object]] = {
    "a manifest edited (same size)": _edit_same_size,
    "a manifest added": lambda p: (p / "manifests/more.yaml").write_text(
        STORE.replace("name: kb", "name: kb2")),
    "a manifest removed": lambda p: (p / "manifests/store.yaml").unlink(),
    "reconciler.yaml edited": lambda p: (p / "reconciler.yaml").write_text(
        "manifests: [manifests/agent.yaml]\n"),
    "a file added that a glob matches": lambda p: (p / "manifests/docs/new.txt").write_text(
        "x"),
    "a file added below an excluded folder": lambda p: (
        p / "manifests/docs/drafts/d.md").write_text("D\n"),
    "a store file deleted": lambda p: (p / "manifests/docs/deep/b.md").unlink(),
    "a store file emptied": _empty_file,
    "a store file turned into a link out of the project": _symlink_out,
    "a store file's permissions changed": _chmod,
    "a link led out of the project (same content)": _link_retargeted,
    "a folder made a file": _folder_to_file,
    "a store file made a FIFO": _fifo,
    "a code_interpreter file edited": lambda p: (p / "manifests/data/sales.csv").write_text(
        "region,total\nsouth,2\n"),
    "a policy edited": lambda p: (p / "manifests/policy.yaml").write_text(
        POLICY.replace("['gpt-6-luna']", "['gpt-6.1-sol']")),
    "an environment declared": lambda p: (p / "reconciler.yaml").write_text(
        "manifests: [manifests]\nenvironments:\n  dev: {}\n  prod: {labels: {tier: prod}}\n"),
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_any_change_to_what_was_read_checks_again(
        project: Path, capsys: pytest.CaptureFixture[str], change: str) -> None:
    reconciler(capsys, "validate", "--show")
    tamper(project)
    CHANGES[change](project)
    again = reconciler(capsys, "validate", "--show")
    assert MARK not in again[1]
    assert again == reconciler(capsys, "validate", "--show", "--no-cache")
    tamper(project)  # the run after the change was stored: the next one replays it
    assert reconciler(capsys, "validate", "--show")[1] == MARK + "\n"


def test_the_command_line_environment_and_flags_are_part_of_the_key(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    reconciler(capsys, "validate")
    tamper(project)
    assert MARK not in reconciler(capsys, "validate", "--format", "json")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert MARK not in reconciler(capsys, "validate")[1]
    monkeypatch.delenv("NO_COLOR")
    assert reconciler(capsys, "validate")[1] == MARK + "\n"
    assert MARK not in reconciler(capsys, "validate", "--no-cache")[1]
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    assert MARK not in reconciler(capsys, "validate")[1]


def test_another_day_is_another_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project.parent / "cache"
    today = runcache.Run(folder, ["validate"]).key
    monkeypatch.setattr(runcache, "_today", lambda: "2099-01-01")
    assert runcache.Run(folder, ["validate"]).key != today


def test_changed_code_is_a_different_run(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("x = 1\n")
    status = module.stat()
    entry: dict[str, Any] = {"code": [[str(module), status.st_size, status.st_mtime_ns]],
                             "trace": []}
    assert runcache._holds(entry)
    os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns + 1))
    assert not runcache._holds(entry)
    module.unlink()
    assert not runcache._holds(entry)


def test_the_code_counts_every_package_folder_and_sys_path() -> None:
    """A module added to a package's folder (an optional accelerator, a plugin) could change
    what runs: the folders' times are part of the code."""
    import yaml

    recorded = {path for path, *_ in runcache._code()}
    assert str(Path(yaml.__file__).parent) in recorded
    assert str(Path(runcache.__file__)) in recorded
    assert os.path.abspath(sys.path[0] or ".") in recorded


def test_help_usage_errors_and_other_commands_are_never_stored(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert reconciler(capsys, "validate", "--help")[0] == 0
    assert reconciler(capsys, "validate", "--format", "yaml")[0] == 1
    assert reconciler(capsys, "render")[0] == 0
    assert runs(project) == []
    assert runcache.prepare("plan", ["plan"]) is None
    assert runcache.prepare("validate", ["validate", "--", "--no-cache"]) is not None
    assert runcache.prepare("validate", ["validate", "--no-cache"]) is None


def test_a_cache_folder_others_can_write_is_not_used(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = project.parent / "cache" / "assistants-reconciler"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert reconciler(capsys, "validate")[0] == 0
    assert runs(project) == []
    folder.chmod(0o700)
    reconciler(capsys, "validate")
    [stored] = runs(project)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700


def test_a_cache_below_a_folder_others_can_write_or_behind_a_link_is_not_used(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    shared = project.parent / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # no sticky bit: another user could swap the cache folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    assert reconciler(capsys, "validate")[0] == 0
    assert not list(shared.glob("assistants-reconciler/runs/*.json"))
    shared.chmod(0o1777)  # as /tmp: others cannot rename what is not theirs
    assert reconciler(capsys, "validate")[0] == 0
    assert len(list(shared.glob("assistants-reconciler/runs/*.json"))) == 1
    linked = project.parent / "linked"
    linked.mkdir()
    (linked / "assistants-reconciler").symlink_to(shared / "assistants-reconciler")
    monkeypatch.setenv("XDG_CACHE_HOME", str(linked))
    run = runcache.prepare("validate", ["validate"])  # used by its resolved path only
    assert run is not None and run.folder == shared / "assistants-reconciler" / "runs"
    shared.chmod(0o777)  # the link leads below a folder others can write
    assert runcache.prepare("validate", ["validate"]) is None


def test_a_cache_in_a_project_is_never_used(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout's files are the user's own and private-looking too (umask 077): a cache
    in the working folder, its git work tree, or below a folder holding `.git` or a
    reconciler.yaml (a project run with --config, or unpacked without git) is not used,
    so nothing a pull request put there is read."""
    from reconciler.usercache import private_cache

    elsewhere = project.parent / "checkout"
    (elsewhere / ".git").mkdir(parents=True)
    unpacked = project.parent / "unpacked"
    unpacked.mkdir()
    (unpacked / "reconciler.yaml").write_text("manifests: [.]\n")
    for home in (project / ".cache", elsewhere / ".cache", unpacked / "sub" / ".cache"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(home))
        assert private_cache() is None
        assert reconciler(capsys, "validate")[0] == 0
        assert not home.exists(), "nothing is made in a project either"
    (project.parent / ".git").mkdir()  # the working folder's work tree holds the cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(project.parent / "cache"))
    assert private_cache() is None


def test_a_home_kept_in_git_is_no_project_but_one_with_a_reconciler_yaml_is(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reconciler.usercache as usercache

    home = project.parent / "home"
    (home / ".git").mkdir(parents=True)
    (home / "work").mkdir()
    monkeypatch.setattr(usercache, "_account_home", lambda: str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.chdir(home / "work")  # a folder of the dotfiles' work tree
    assert usercache.private_cache() == home / ".cache" / "assistants-reconciler"
    (home / "reconciler.yaml").write_text("manifests: [.]\n")
    assert usercache.private_cache() is None


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0,
                    reason="needs a folder of another user")
def test_nothing_is_made_below_a_folder_of_another_user(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.usercache import private_cache

    theirs = project.parent / "theirs"
    theirs.mkdir()
    os.chown(theirs, 4242, 4242)
    monkeypatch.setenv("XDG_CACHE_HOME", str(theirs / "cache"))
    assert private_cache() is None
    assert not (theirs / "cache").exists()


def test_missing_cache_folders_are_made_private_whatever_the_umask(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.usercache import private_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(project.parent / "new" / "deeper"))
    before = os.umask(0o002)
    try:
        folder = private_cache("runs")
    finally:
        os.umask(before)
    assert folder == project.parent / "new" / "deeper" / "assistants-reconciler" / "runs"
    for path in (folder, *list(folder.parents)[:3]):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_the_python_path_is_part_of_the_key(project: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = project.parent / "cache"
    before = runcache.Run(folder, ["validate"]).key
    monkeypatch.setattr(sys, "path", [str(project.parent / "shadow"), *sys.path])
    assert runcache.Run(folder, ["validate"]).key != before


def test_without_pread_nothing_is_stored(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "pread")
    assert not runcache._sees_everything(tmp_path)


def test_a_relative_cache_home_is_ignored(project: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.usercache import user_cache

    monkeypatch.setenv("XDG_CACHE_HOME", ".cache")
    monkeypatch.setenv("HOME", str(project.parent / "home"))
    assert user_cache() == project.parent / "home" / ".cache" / "assistants-reconciler"
    monkeypatch.setenv("HOME", ".")
    found = user_cache()
    assert found is not None and found.is_absolute() and not found.is_relative_to(project)
    import reconciler.usercache as usercache

    monkeypatch.setattr(usercache, "_account_home", lambda: None)  # no passwd entry
    assert user_cache() is None


def test_a_torn_foreign_or_shared_cache_file_is_checked_afresh(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = reconciler(capsys, "validate")
    [stored] = runs(project)
    entry = json.loads(stored.read_text())
    stored.write_text(stored.read_text()[:100])
    assert reconciler(capsys, "validate") == first
    forged = {**entry, "key": "0" * 64, "output": [[False, True, MARK]]}
    stored.write_text(json.dumps(forged))
    assert reconciler(capsys, "validate") == first
    for changed in ({"code": []}, {"trace": [["read", "/nonexistent", ["x"]]]}):
        stored.write_text(json.dumps({**entry, **changed, "output": [[False, True, MARK]]}))
        assert reconciler(capsys, "validate") == first
    stored.write_text(json.dumps({**entry, "output": [[False, True, MARK]]}))
    stored.chmod(0o644)  # readable by others: not one of ours
    assert reconciler(capsys, "validate") == first
    stored.unlink()
    elsewhere = project.parent / "elsewhere.json"
    elsewhere.write_text(json.dumps({**entry, "output": [[False, True, MARK]]}))
    elsewhere.chmod(0o600)
    stored.symlink_to(elsewhere)
    assert reconciler(capsys, "validate") == first


def test_a_real_process_replays_and_survives_a_closed_stderr(project: Path) -> None:
    """What the in-process tests cannot show: modules imported lazily while the run is
    recorded, a process of its own, stderr closed."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "reconciler", "validate"]
    environment = {k: v for k, v in os.environ.items() if k != "RECONCILER_NO_CACHE"}
    first = subprocess.run(command, capture_output=True, text=True, env=environment,
                           check=False)
    assert (first.returncode, first.stdout) == (
        0, "valid: 0 errors, 0 warnings in 4 documents (3 files)\n")
    tamper(project)
    again = subprocess.run(command, capture_output=True, text=True, env=environment,
                           check=False)
    assert (again.returncode, again.stdout) == (0, MARK + "\n")
    closed = [" ".join(command) + " 2>&-"]  # a key of its own: a closed stream is no pipe
    assert subprocess.run(closed, shell=True, capture_output=True, text=True,
                          env=environment, check=False).stdout == first.stdout
    tamper(project)
    replayed = subprocess.run(closed, shell=True, capture_output=True, text=True,
                              env=environment, check=False)
    assert (replayed.returncode, replayed.stdout) == (0, MARK + "\n")
    closed_stdout = subprocess.run(" ".join(command) + " >&-", shell=True, capture_output=True,
                                   text=True, env=environment, check=False)
    assert (closed_stdout.returncode, closed_stdout.stderr) == (0, "")


def test_a_file_changed_while_the_command_ran_is_not_stored(tmp_path: Path) -> None:
    manifest = tmp_path / "a.yaml"
    manifest.write_text("a: 1\n")
    recording = runcache.Recording()
    with recording.watching():
        with open(manifest) as stream:
            stream.read()
        os.stat(tmp_path)
    assert recording.trace() is not None
    status = manifest.stat()
    manifest.write_text("a: 2\n")  # the same size, and the times put back
    os.utime(manifest, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert recording.trace() is None


def test_a_failed_open_is_an_answer_too(tmp_path: Path) -> None:
    """A file missing (or unreadable) when the command opened it is checked again like any
    other answer: gone the moment after, the run is not stored."""
    missing = tmp_path / "later.yaml"
    recording = runcache.Recording()
    with recording.watching(), pytest.raises(FileNotFoundError):
        os.open(missing, os.O_RDONLY)
    assert recording.trace() == [["read", str(missing), ["error", 2]]]
    missing.write_text("x")
    assert recording.trace() is None


def _write(path: Path) -> None:
    with open(path, "w") as stream:
        stream.write("x")


def _warn(path: Path) -> None:
    import warnings

    warnings.warn("something", UserWarning, stacklevel=1)


UNRECORDABLE: dict[str, Callable[[Path], object]] = {
    "a file written": _write,
    "a file created with os.open": lambda p: os.close(os.open(p, os.O_WRONLY | os.O_CREAT)),
    "a path given as bytes": lambda p: os.stat(bytes(p.parent)),
    "a path relative to a dir_fd": lambda p: os.stat(".", dir_fd=os.open(p.parent, 0)),
    "a Python warning shown": _warn,
    "a FIFO opened": lambda p: (os.mkfifo(p), os.close(os.open(p, os.O_RDONLY | os.O_NONBLOCK))),
}


@pytest.mark.parametrize("what", list(UNRECORDABLE), ids=list(UNRECORDABLE))
def test_what_cannot_be_replayed_is_not_stored(tmp_path: Path, what: str,
                                              recwarn: pytest.WarningsRecorder) -> None:
    recording = runcache.Recording()
    with recording.watching():
        UNRECORDABLE[what](tmp_path / "file")
    assert recording.unrecordable


def test_a_run_over_the_bounds_is_not_stored(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runcache, "MAX_READ_BYTES", 10)
    (tmp_path / "big").write_bytes(b"x" * 11)
    recording = runcache.Recording()
    with recording.watching():
        (tmp_path / "big").read_bytes()
    assert recording.unrecordable == "read more than 0 MiB"
    monkeypatch.setattr(runcache, "MAX_ANSWERS", 3)
    for index in range(3):
        (tmp_path / f"f{index}").write_text("")
    recording = runcache.Recording()
    with recording.watching():
        os.listdir(tmp_path)
    assert recording.unrecordable


def test_a_run_that_ends_on_another_day_or_without_the_probe_is_not_stored(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    days = iter(["2026-12-06", "2026-12-07"])
    monkeypatch.setattr(runcache, "_today", lambda: next(days))
    assert reconciler(capsys, "validate")[0] == 0
    assert runs(project) == []
    monkeypatch.setattr(runcache, "_today", lambda: "2026-12-06")
    monkeypatch.setattr(runcache, "_sees_everything", lambda folder: False)
    assert reconciler(capsys, "validate")[0] == 0
    assert runs(project) == []
    assert reconciler(capsys, "validate", "--no-cache")[0] == 0
    assert runs(project) == []


def test_a_reconciler_yaml_appearing_above_checks_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILER_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "repo" / "manifests"
    folder.mkdir(parents=True)
    (folder / "store.yaml").write_text(STORE)
    (folder / "docs").mkdir()
    (folder / "docs" / "a.md").write_text("A\n")
    monkeypatch.chdir(folder)
    first = reconciler(capsys, "validate", ".")
    assert first[0] == 0
    (tmp_path / "repo" / "reconciler.yaml").write_text("manifests: [.]\nbogus: 1\n")
    again = reconciler(capsys, "validate", ".")
    assert again[0] == 1 and "bogus" in again[2]
    assert again == reconciler(capsys, "validate", ".", "--no-cache")


def test_the_runs_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runcache, "KEPT", 3)
    for index in range(5):
        path = tmp_path / f"{index}.json"
        path.write_text("{}")
        os.utime(path, ns=(index * 10**9, index * 10**9))
    runcache._prune(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.json", "3.json", "4.json"]


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="Python 3.13's Path.glob holds "
                    "os.scandir from before it is wrapped: no run is stored there")
def test_this_python_lets_every_file_system_call_be_seen(tmp_path: Path) -> None:
    assert runcache._sees_everything(tmp_path)
