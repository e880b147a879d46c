"""Where requests go is decided by one rule, never guessed, and said on a command's first
line (issue 12: an exported key silently beat a running emulator; an unset configured key
silently fell back to the emulator)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler import connection
from reconciler.cli import cli
from reconciler.errors import ConfigError
from reconciler.exitcodes import ExitCode
from reconciler.model.config import ConnectionConfig

EMULATOR = "http://127.0.0.1:41237/v1"


@pytest.fixture
def emulator_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_emulator_url", lambda: EMULATOR)


@pytest.fixture
def no_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_emulator_url", lambda: None)


def line(config: ConnectionConfig, env: dict[str, str], **flags: str) -> str:
    return connection.resolve(config, environ=env, **flags).announce()


def test_a_key_means_openai_and_says_so(no_emulator: None) -> None:
    assert line(ConnectionConfig(), {"OPENAI_API_KEY": "sk-x"}) == (
        "Using https://api.openai.com/v1 (OPENAI_API_KEY is set)")
    named = ConnectionConfig.model_validate({"api_key_env": "OPENAI_PROD_KEY"})
    assert line(named, {"OPENAI_PROD_KEY": "sk-x", "OPENAI_PROJECT_ID": "proj_1"}) == (
        "Using https://api.openai.com/v1, project proj_1 (OPENAI_PROD_KEY is set (named by "
        "connection.api_key_env))")


def test_the_emulator_only_when_nothing_is_configured(emulator_running: None) -> None:
    assert line(ConnectionConfig(), {}) == (
        f"Using the local emulator at {EMULATOR} (started by reconciler emulator start)")


def test_a_base_url_says_where_it_came_from(emulator_running: None) -> None:
    other = "http://127.0.0.1:9999/v1"
    assert line(ConnectionConfig(), {"OPENAI_BASE_URL": other, "OPENAI_API_KEY": "k"}) == (
        f"Using {other} (OPENAI_BASE_URL is set)")
    assert line(ConnectionConfig(base_url=other), {"OPENAI_API_KEY": "k"}) == (
        f"Using {other} (connection.base_url in reconciler.yaml)")
    assert line(ConnectionConfig(), {}, base_url=EMULATOR) == (
        f"Using the local emulator at {EMULATOR} (--base-url)")


def test_an_unset_configured_key_is_an_error_never_the_emulator(emulator_running: None) -> None:
    named = ConnectionConfig.model_validate({"api_key_env": "PROD_OPENAI_KEY"})
    with pytest.raises(ConfigError, match="PROD_OPENAI_KEY is not set"):
        connection.resolve(named, environ={"OPENAI_API_KEY": "sk-other"})


def test_a_key_and_a_running_emulator_are_an_error_naming_both(emulator_running: None) -> None:
    with pytest.raises(ConfigError) as raised:
        connection.resolve(ConnectionConfig(), environ={"OPENAI_API_KEY": "sk-x"})
    assert "OPENAI_API_KEY is set and the local emulator is running" in raised.value.message
    assert raised.value.hint is not None and "--base-url" in raised.value.hint
    assert "sk-x" not in raised.value.message + raised.value.hint


def test_the_cli_refuses_an_unset_configured_key_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path
    (root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nconnection: {api_key_env: PROD_OPENAI_KEY}\n")
    (root / "manifests").mkdir()
    result = CliRunner().invoke(cli, ["plan"], env={"PROD_OPENAI_KEY": None,
                                                    "OPENAI_API_KEY": "sk-x",
                                                    "OPENAI_BASE_URL": None})
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: PROD_OPENAI_KEY is not set")
    assert "Traceback" not in result.output and "sk-x" not in result.output
