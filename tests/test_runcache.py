"""`validate` replays an unchanged run, and checks afresh as soon as anything it read,
listed or depends on has changed (reconciler/runcache.py).

A replay is told from a fresh run by tampering with the stored output: a run that prints
the tampered text was replayed; one that prints the real output checked again.
"""

from __future__ import annotations

import json
import os
import stat
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
  model: gpt-4o
  instructions: Help.
  tools: [search]
  tool_resources:
    file_search:
      vector_stores: [kb]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small valid project (a store with globs, an agent), the cache turned on in a folder
    of this test's own; the working folder is the project."""
    root = tmp_path / "project"
    files = {"reconciler.yaml": "manifests: [manifests]\n",
             "manifests/store.yaml": STORE, "manifests/agent.yaml": AGENT,
             "manifests/docs/a.md": "A\n", "manifests/docs/deep/b.md": "B\n",
             "manifests/docs/drafts/c.md": "C\n"}
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
    assert first == (0, "valid: 0 errors, 0 warnings in 3 documents (2 files)\n", "")
    assert len(runs(project)) == 1
    assert reconciler(capsys, "validate") == first  # replayed: the same, byte for byte
    tamper(project)
    assert reconciler(capsys, "validate") == (0, MARK + "\n", "")


def test_an_invalid_project_is_replayed_with_its_errors_and_exit_1(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "manifests/agent.yaml").write_text(AGENT.replace("[search]", "[serch]"))
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
    assert reconciler(capsys, "validate", "--show") == again  # stored anew, replayed


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


def test_help_usage_errors_and_other_commands_are_never_stored(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert reconciler(capsys, "validate", "--help")[0] == 0
    assert reconciler(capsys, "validate", "--format", "yaml")[0] == 1
    assert reconciler(capsys, "render")[0] == 0
    assert runs(project) == []
    assert runcache.prepare("plan", ["plan"]) is None
    assert runcache.prepare("validate", ["validate", "--", "--no-cache"]) is not None


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


def test_a_torn_or_foreign_cache_file_is_checked_afresh(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = reconciler(capsys, "validate")
    [stored] = runs(project)
    stored.write_text(stored.read_text()[:100])
    assert reconciler(capsys, "validate") == first
    entry = json.loads(stored.read_text())
    entry["key"] = "0" * 64
    entry["output"] = [[False, True, MARK]]
    stored.write_text(json.dumps(entry))
    assert reconciler(capsys, "validate") == first


def test_a_file_changed_while_the_command_ran_is_not_stored(tmp_path: Path) -> None:
    manifest = tmp_path / "a.yaml"
    manifest.write_text("a: 1\n")
    recording = runcache.Recording(ignored=str(tmp_path / "cache"))
    with recording.watching():
        with open(manifest) as stream:
            stream.read()
        os.stat(tmp_path)
    assert recording.trace() is not None
    manifest.write_text("a: 2\n")
    assert recording.trace() is None


def test_the_runs_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runcache, "KEPT", 3)
    for index in range(5):
        path = tmp_path / f"{index}.json"
        path.write_text("{}")
        os.utime(path, ns=(index * 10**9, index * 10**9))
    runcache._prune(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.json", "3.json", "4.json"]


def test_this_python_lets_every_file_system_call_be_seen(tmp_path: Path) -> None:
    assert runcache._sees_everything(tmp_path)
