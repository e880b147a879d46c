"""`reconciler models sync`: in-place edits that keep comments and hand-filled facts."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from openai_emulator.process import spawn
from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from reconciler.models_sync import sync_text
from tests.conftest import CASES

CASE = CASES / "models_sync"
TODAY = dt.date(2026, 11, 25)


def test_golden_sync_keeps_comments_and_facts() -> None:
    import json

    text, report = sync_text((CASE / "catalog.yaml").read_text(),
                             json.loads((CASE / "models.json").read_text()), today=TODAY,
                             include=("gpt-*",))
    expected = CASE / "expected.yaml"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(text)
    assert text == expected.read_text()
    assert report.added == ["gpt-5", "gpt-3.5-turbo"]
    assert report.unavailable == ["text-davinci-003"]
    assert report.available_again == ["o1"]
    assert report.shutdown_noted == ["gpt-3.5-turbo: shuts down on 2026-12-31 (the API says)"]
    assert report.shutdown_corrected == [
        "gpt-4-turbo: shuts down on 2027-06-10, not 2027-01-01 (the API says)"], \
        "the API's date beats the one written by hand; its comment stays"
    assert report.replacement_noted == [
        "gpt-3.5-turbo: replaced by gpt-5.6-terra (OpenAI's deprecations page, as this "
        "release knows it)"]


def test_a_synced_catalog_is_current() -> None:
    import json

    models = json.loads((CASE / "models.json").read_text())
    once, _ = sync_text((CASE / "catalog.yaml").read_text(), models, today=TODAY)
    twice, report = sync_text(once, models, today=TODAY)
    assert twice == once and not report.changed


def test_sync_never_widens_the_catalog_without_include() -> None:
    import json

    models = json.loads((CASE / "models.json").read_text())
    text, report = sync_text((CASE / "catalog.yaml").read_text(), models, today=TODAY)
    assert report.added == []
    assert report.not_added == ["gpt-5", "gpt-3.5-turbo", "whisper-1"]
    assert "whisper-1" not in text and "gpt-5" not in text
    assert report.unavailable == ["text-davinci-003"], "narrowing is always done"
    note = report.not_added_note(limit=2)
    assert note is not None and "gpt-5, gpt-3.5-turbo and 1 more" in note
    assert "--include" in note
    _, only_new = sync_text(text, models, today=TODAY)
    assert not only_new.changed, "models merely offered do not make the catalog out of date"
    widened, chosen = sync_text(text, models, today=TODAY, include=("whisper-*",))
    assert chosen.added == ["whisper-1"] and "- id: whisper-1" in widened


def _run(root: Path, url: str, *args: str) -> Result:
    cache = root.parent / f"{root.name}-cache"  # the user's cache is never in the project
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "k", "XDG_CACHE_HOME": str(cache)}
    old = Path.cwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, ["models", "sync", *args], env=env)
    finally:
        os.chdir(old)


def test_cli_check_cache_and_refresh(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    shutil.copy(CASE / "catalog.yaml", tmp_path / "manifests" / "catalog.yaml")
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    emulator = spawn(tmp_path / "emu", "--models", str(CASE / "models.json"))
    try:
        stale = _run(tmp_path, emulator.url, "--check")
        assert stale.exit_code == ExitCode.CHANGES, stale.output
        assert "is out of date" in stale.stdout
        synced = _run(tmp_path, emulator.url, "--include", "gpt-*")
        assert synced.exit_code == ExitCode.OK, synced.output
        assert "2 added, 1 marked unavailable, 1 available again" in synced.stdout
        current = _run(tmp_path, emulator.url, "--check", "--include", "gpt-*")
        assert current.exit_code == ExitCode.OK and "is current" in current.stdout
        assert emulator.stats()["requests"] == {"GET /v1/models": 1}, "the list was cached"
    finally:
        emulator.stop()
    cached = _run(tmp_path, emulator.url, "--check", "--include", "gpt-*")
    assert cached.exit_code == ExitCode.OK, "the cache answers while the API is away"
    refreshed = _run(tmp_path, emulator.url, "--check", "--refresh")
    assert refreshed.exit_code == ExitCode.ERROR and "connection failed" in refreshed.stderr


def test_no_catalog_is_a_clear_error_and_catalog_creates(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    emulator = spawn(tmp_path / "emu", "--models", str(CASE / "models.json"))
    try:
        missing = _run(tmp_path, emulator.url)
        assert missing.exit_code == ExitCode.ERROR
        assert "no ModelCatalog manifest" in missing.stderr
        would = _run(tmp_path, emulator.url, "--catalog", "manifests/models.yaml", "--check")
        assert would.exit_code == ExitCode.CHANGES and "does not exist" in would.stdout
        assert not (tmp_path / "manifests/models.yaml").exists()
        created = _run(tmp_path, emulator.url, "--catalog", "manifests/models.yaml",
                       "--include", "gpt-4*")
        assert created.exit_code == ExitCode.OK, created.output
        assert "created manifests/models.yaml: 2 added" in created.stdout
    finally:
        emulator.stop()
    validated = CliRunner().invoke(cli, ["validate", str(tmp_path / "manifests")])
    assert validated.exit_code == ExitCode.OK, validated.output


@pytest.mark.parametrize("name", ["catalog.yaml"])
def test_the_case_input_is_a_valid_manifest(name: str) -> None:
    result = CliRunner().invoke(cli, ["validate", str(CASE / name)])
    assert result.exit_code == ExitCode.OK, result.output
