"""Where requests go is decided by one rule, never guessed, and said on a command's first
line (issue 12: an exported key silently beat a running emulator; an unset configured key
silently fell back to the emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    monkeypatch.setattr(connection, "_emulator_url", lambda root: EMULATOR)


@pytest.fixture
def no_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_emulator_url", lambda root: None)


def line(config: ConnectionConfig, env: dict[str, str], **flags: Any) -> str:
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


# --- --emulator and connection.emulator: the local emulator and nothing else -----------------

EVERYTHING = {"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "https://api.openai.com/v1",
              "OPENAI_PROJECT_ID": "proj_env", "OPENAI_ORG_ID": "org_env"}
"""An environment that, without --emulator, would send the key to OpenAI."""


def test_the_emulator_flag_ignores_the_environment(emulator_running: None) -> None:
    chosen = connection.resolve(ConnectionConfig(), emulator=True, environ=EVERYTHING)
    assert chosen.announce() == f"Using the local emulator at {EMULATOR} (--emulator)"
    assert chosen.api_key == "emulator" and chosen.is_emulator and chosen.is_local


def test_connection_emulator_in_reconciler_yaml_ignores_the_environment(
        emulator_running: None) -> None:
    config = ConnectionConfig.model_validate({"emulator": True, "project": "proj_yaml",
                                              "api_key_env": "OPENAI_PROD_KEY"})
    chosen = connection.resolve(config, environ=EVERYTHING)
    assert chosen.announce() == (f"Using the local emulator at {EMULATOR}, project proj_yaml "
                                 "(connection.emulator in reconciler.yaml)")
    assert chosen.api_key == "emulator", "the named key is not needed, nor the exported one"


def test_base_url_flag_beats_connection_emulator(emulator_running: None) -> None:
    other = "http://127.0.0.1:9999/v1"
    chosen = connection.resolve(ConnectionConfig(emulator=True), base_url=other,
                                environ={"OPENAI_API_KEY": "k"})
    assert chosen.announce() == f"Using {other} (--base-url)"


def test_the_emulator_flag_beats_connection_base_url(emulator_running: None) -> None:
    config = ConnectionConfig(base_url="http://127.0.0.1:9999/v1")
    assert line(config, {}, emulator=True) == (
        f"Using the local emulator at {EMULATOR} (--emulator)")


@pytest.mark.parametrize(("config", "flags", "message"), [
    (ConnectionConfig(), {"emulator": True, "base_url": EMULATOR},
     "--emulator and --base-url cannot be used together"),
    (ConnectionConfig(emulator=True, base_url=EMULATOR), {},
     "reconciler.yaml sets both connection.emulator and connection.base_url"),
])
def test_the_emulator_and_a_base_url_contradict(emulator_running: None, config: ConnectionConfig,
                                                flags: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        connection.resolve(config, environ={}, **flags)


@pytest.mark.parametrize(("config", "flag", "why", "undo"), [
    (ConnectionConfig(), True, "--emulator", "drop --emulator"),
    (ConnectionConfig(emulator=True), False, "connection.emulator in reconciler.yaml",
     "remove connection.emulator from reconciler.yaml"),
])
def test_asking_for_the_emulator_when_none_runs_says_how_to_start_one(
        no_emulator: None, config: ConnectionConfig, flag: bool, why: str, undo: str) -> None:
    with pytest.raises(ConfigError) as raised:
        connection.resolve(config, emulator=flag, environ=EVERYTHING)
    assert raised.value.message == (f"{why} asks for the local emulator, but none is running "
                                    "for this project")
    assert raised.value.hint == f"start it: reconciler emulator start (or {undo})"


def test_a_key_and_a_running_emulator_suggest_the_emulator_flag(emulator_running: None) -> None:
    with pytest.raises(ConfigError) as raised:
        connection.resolve(ConnectionConfig(), environ={"OPENAI_API_KEY": "sk-x"})
    assert raised.value.hint is not None and "for the emulator: --emulator" in raised.value.hint


# --- the announce line: host, project and scope, never the key --------------------------------

def test_the_announce_line_names_project_and_scope_never_the_key() -> None:
    chosen = connection.Connection(connection.OPENAI_URL, "sk-secret", project="proj_1",
                                   source="default", reason="OPENAI_API_KEY is set",
                                   scope="support-prod")
    assert chosen.announce() == ("Using https://api.openai.com/v1, project proj_1, scope "
                                 "support-prod (OPENAI_API_KEY is set)")
    assert not chosen.is_local


def test_connect_announces_the_scope_of_reconciler_yaml(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        emulator_running: None) -> None:
    from reconciler.commands.connecting import connect
    from reconciler.commands.context import AppContext

    (tmp_path / "reconciler.yaml").write_text("scope: support-prod\n")
    monkeypatch.chdir(tmp_path)
    chosen = connect(AppContext(config=None, color=False, debug=False), None, None, None,
                     emulator=True)
    assert chosen.scope == "support-prod"
    assert capsys.readouterr().err == (
        f"Using the local emulator at {EMULATOR}, scope support-prod (--emulator)\n")


# --- the command line ------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["plan"], ["apply"], ["inventory"], ["import"],
                                     ["models", "sync"]])
def test_emulator_with_base_url_is_a_usage_error(command: list[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*command, "--emulator", "--base-url", EMULATOR])
    assert result.exit_code == ExitCode.ERROR, result.output
    assert "--emulator and --base-url cannot be used together" in result.stderr
    assert "Traceback" not in result.output


def test_the_cli_says_how_to_start_the_emulator_it_was_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("connection: {emulator: true}\n")
    result = CliRunner().invoke(cli, ["plan"], env={"OPENAI_API_KEY": "sk-x"})
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: connection.emulator in reconciler.yaml asks for "
                                    "the local emulator, but none is running for this project")
    assert "reconciler emulator start" in result.stderr
    assert "Traceback" not in result.output and "sk-x" not in result.output


def test_reconciler_yaml_and_the_environment_may_not_disagree(no_emulator: None) -> None:
    """A pull request's reconciler.yaml does not quietly beat the workflow's variables."""
    env = {"OPENAI_API_KEY": "sk-x", "OPENAI_PROJECT_ID": "proj_staging",
           "OPENAI_BASE_URL": "https://proxy.example/v1"}
    for config, setting in ((ConnectionConfig(project="proj_prod"), "connection.project"),
                            (ConnectionConfig(base_url="http://127.0.0.1:9/v1"),
                             "connection.base_url")):
        with pytest.raises(ConfigError, match=f"{setting} in reconciler.yaml and OPENAI_"):
            connection.resolve(config, environ=env)
    same = connection.resolve(ConnectionConfig(project="proj_staging"), environ=env)
    assert same.project == "proj_staging"
    flag = connection.resolve(ConnectionConfig(project="proj_prod"), project="proj_x",
                              base_url="https://proxy.example/v1", environ=env)
    assert flag.project == "proj_x"  # a flag, from the workflow, beats both
