"""Running the emulator: persistence, background start/stop, the packaged spec subset."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from openai_emulator.infra.openapi import extract, subset
from reconciler.cli import cli
from tests.emulator.harness import sdk_client, spec, start_emulator


def test_state_survives_a_restart(tmp_path: Path) -> None:
    first = start_emulator(tmp_path)
    client = sdk_client(first.url)
    assistant = client.beta.assistants.create(model="gpt-6-luna", name="kept")
    agent = client.beta.agents.create(model="gpt-6.1-sol", name="kept")
    upload = client.files.create(file=("a.md", io.BytesIO(b"# kept")), purpose="assistants")
    first.stop()
    second = start_emulator(tmp_path)
    try:
        client = sdk_client(second.url)
        assert client.beta.assistants.retrieve(assistant.id).name == "kept"
        assert client.beta.agents.retrieve(agent.id).name == "kept"
        assert client.files.content(upload.id).read() == b"# kept"
    finally:
        second.stop()


def test_two_clients_share_one_state(tmp_path: Path) -> None:
    running = start_emulator(tmp_path)
    try:
        one, two = sdk_client(running.url), sdk_client(running.url)
        made = one.beta.assistants.create(model="gpt-6-luna")
        assert two.beta.assistants.retrieve(made.id).id == made.id
    finally:
        running.stop()


def test_background_start_status_url_stop(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    started = runner.invoke(cli, ["emulator", "start", "--index-delay", "0"])
    assert started.exit_code == 0, started.output
    try:
        url = runner.invoke(cli, ["emulator", "url"]).stdout.strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert sdk_client(url).models.list().data
        again = runner.invoke(cli, ["emulator", "start"])
        assert url in again.stdout, "start is idempotent"
        assert "running at" in runner.invoke(cli, ["emulator", "status"]).stdout
    finally:
        stopped = runner.invoke(cli, ["emulator", "stop"])
    assert "stopped" in stopped.stdout
    status = runner.invoke(cli, ["emulator", "status"])
    assert status.exit_code == 1 and "no emulator running" in status.stderr
    assert (tmp_path / ".reconciler" / "emulator.sqlite").is_file()


def test_an_emulator_started_in_the_project_folder_is_found_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`emulator start --dir .` where there is no reconciler.yaml: the next commands in that
    folder find it (another --dir keeps one apart)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    started = runner.invoke(cli, ["emulator", "start", "--dir", ".", "--index-delay", "0"])
    assert started.exit_code == 0, started.output
    try:
        assert (tmp_path / "emulator.json").is_file()
        url = runner.invoke(cli, ["emulator", "url"])
        assert url.exit_code == 0 and url.stdout.strip().startswith("http://127.0.0.1:")
        found = runner.invoke(cli, ["inventory", "--emulator"], env={"OPENAI_API_KEY": None})
        assert found.exit_code == 0, found.output
        apart = runner.invoke(cli, ["emulator", "status", "--dir", "elsewhere"])
        assert apart.exit_code == 1
    finally:
        stopped = runner.invoke(cli, ["emulator", "stop"])
    assert "stopped" in stopped.stdout, stopped.output


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["emulator", "serve", "--port", str(port), "--db",
                                          str(tmp_path / "db.sqlite")])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another --port" in result.stderr
    assert not (tmp_path / "db.sqlite").exists(), "no state made for a server that never ran"


def test_a_bogus_host_is_a_clear_error_about_the_host(tmp_path: Path) -> None:
    for host in ("no-such-host.invalid", "203.0.113.7"):  # unresolvable; not this machine's
        result = CliRunner().invoke(cli, ["emulator", "serve", "--host", host, "--port", "0",
                                          "--db", str(tmp_path / "db.sqlite")])
        assert result.exit_code == 1, result.output
        assert f"cannot listen on {host}:0" in result.stderr
        assert "--host" in result.stderr and "--port" not in result.stderr
        assert "Traceback" not in result.output
        assert not (tmp_path / "db.sqlite").exists()


def test_packaged_subset_matches_the_spec() -> None:
    assert subset() == extract(spec()), (
        "run `python -m openai_emulator.infra.openapi tests/data/openai-openapi/openapi.yaml`")


def test_the_emulator_imports_nothing_from_the_reconciler() -> None:
    """A fake of OpenAI, not of the code under test: it cannot agree with it by construction."""
    import subprocess
    import sys

    probe = ("import sys, pkgutil, importlib, openai_emulator as e\n"
             "for m in pkgutil.walk_packages(e.__path__, 'openai_emulator.'):\n"
             "    importlib.import_module(m.name)\n"
             "assert 'openai_emulator.resources.agents' in sys.modules\n"
             "print(sorted(n for n in sys.modules if n.split('.')[0] == 'reconciler'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("record", [
    '{"pid": %(pid)d, "url": "http://127.0.0.1:1/v1", "db": "x", "log": "y"}',
    '{"pid": %(pid)d, "url": "http://collector.example/v1", "db": "x", "log": "y"}',
    '{"pid": "1", "url": 5}',
    "{not json",
])
def test_a_committed_emulator_record_is_not_believed(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    record: str) -> None:
    """A pull request could commit .reconciler/emulator.json: `stop` must never signal the
    process it names (here, this test's own), nor commands talk to its URL."""
    import os

    from click.testing import CliRunner

    from reconciler.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".reconciler").mkdir()
    (tmp_path / ".reconciler/emulator.json").write_text(record % {"pid": os.getpid()}
                                                         if "%(pid)" in record else record)
    stopped = CliRunner().invoke(cli, ["emulator", "stop"])
    assert stopped.exit_code == 0 and "no emulator running" in stopped.output
    status = CliRunner().invoke(cli, ["emulator", "status"])
    assert status.exit_code == 1 and "Traceback" not in status.output
