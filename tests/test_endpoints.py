"""The emulator `reconciler emulator start` runs belongs to the project: it is found from any
subfolder (by `emulator url/status/stop`, `--emulator` and the default rule alike), and one
started with `--dir` (as `make demo` does) is kept apart from it."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler import connection
from reconciler import localemulator as server
from reconciler.cli import cli
from reconciler.model.config import ConnectionConfig


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project (reconciler.yaml) with a subfolder; its emulators are reaped afterwards."""
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    (tmp_path / "manifests" / "team").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for folder in (tmp_path / ".reconciler", tmp_path / "apart"):
        record = server.running(folder)
        if record is not None:  # a failed test's child: stop it, and reap it
            os.kill(record.pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(record.pid, 0)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"OPENAI_API_KEY": None,
                                                    "OPENAI_BASE_URL": None})


def test_started_in_the_root_it_is_found_from_a_subfolder(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = run("emulator", "start", "--index-delay", "0")
    assert started.exit_code == 0, started.output
    assert "state .reconciler/emulator.sqlite" in started.stdout
    monkeypatch.chdir(project / "manifests" / "team")
    url = run("emulator", "url").stdout.strip()
    assert url.startswith("http://127.0.0.1:") and url in started.stdout
    assert f"running at {url}" in run("emulator", "status").stdout
    for chosen in (connection.resolve(ConnectionConfig(), environ={}),
                   connection.resolve(ConnectionConfig(), emulator=True,
                                      environ={"OPENAI_API_KEY": "sk-x"})):
        assert chosen.url == url and chosen.is_emulator
    assert run("emulator", "stop").stdout.strip() == f"stopped the emulator at {url}"
    assert not (project / ".reconciler" / "emulator.json").exists()
    assert not (project / "manifests" / "team" / ".reconciler").exists()


def test_an_emulator_with_its_own_dir_is_kept_apart(project: Path) -> None:
    """`make demo`'s emulator neither stops nor replaces the user's."""
    mine = run("emulator", "start", "--index-delay", "0")
    assert mine.exit_code == 0, mine.output
    url = run("emulator", "url").stdout.strip()
    apart = run("emulator", "start", "--dir", "apart", "--index-delay", "0")
    assert apart.exit_code == 0, apart.output
    assert "state apart/emulator.sqlite" in apart.stdout
    other = run("emulator", "url", "--dir", "apart").stdout.strip()
    assert other != url
    assert run("emulator", "url").stdout.strip() == url
    assert connection.resolve(ConnectionConfig(), emulator=True, environ={}).url == url
    assert run("emulator", "stop", "--dir", "apart").stdout.strip() == (
        f"stopped the emulator at {other}")
    assert run("emulator", "url").stdout.strip() == url, "the project's still runs"
    assert run("emulator", "stop").exit_code == 0
    gone = run("emulator", "status", "--dir", "apart")
    assert gone.exit_code == 1 and "hint: reconciler emulator start --dir apart" in gone.stderr


def test_the_project_root_is_the_nearest_reconciler_yaml_s_folder_else_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    assert server.project_root(tmp_path / "sub") == tmp_path / "sub"
    (tmp_path / "reconciler.yaml").write_text("{}\n")
    assert server.project_root(tmp_path / "sub") == tmp_path
    monkeypatch.chdir(tmp_path / "sub")
    seen: list[Path | None] = []
    monkeypatch.setattr(server, "running", lambda folder: seen.append(folder))
    connection._emulator_url(None)
    # the project root's .reconciler first, then the root itself (`start --dir .`)
    assert seen[0] == tmp_path / ".reconciler" and set(seen) == {tmp_path / ".reconciler",
                                                                  tmp_path}
