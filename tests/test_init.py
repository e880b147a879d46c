"""`reconciler init`: a commented reconciler.yaml that loads, never overwritten by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from reconciler.settings import load_settings


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_a_commented_config_that_loads(here: Path) -> None:
    result = run("init")
    assert result.exit_code == ExitCode.OK, result.output
    assert "wrote reconciler.yaml" in result.stdout
    assert "added .reconciler/ to .gitignore" in result.stdout
    assert "reconciler import --all" in result.stdout
    text = (here / "reconciler.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=schemas/reconciler-config.schema")
    assert "# connection:" in text and "api_key_env" in text
    settings = load_settings(start=here)
    assert settings.path == here / "reconciler.yaml"
    assert settings.config.manifests == ["manifests"]
    assert settings.config.connection.base_url is None, "the connection stays commented out"
    assert (here / ".gitignore").read_text().endswith("\n.reconciler/\n")
    assert "wrote manifests/agents/example.yaml" in result.stdout
    assert "reconciler emulator start" in result.stdout, "a way in without an account"
    for documented in ("# scope:", "# prune:", "# environments:",
                       "differing values are an error"):
        assert documented in text
    checked = run("validate")
    assert checked.exit_code == ExitCode.OK, checked.output
    assert "0 errors, 0 warnings in 2 documents (2 files)" in checked.stdout


def test_init_keeps_examples_that_exist(here: Path) -> None:
    (here / "manifests" / "agents").mkdir(parents=True)
    (here / "manifests" / "agents" / "example.yaml").write_text("# mine\n")
    result = run("init")
    assert result.exit_code == ExitCode.OK, result.output
    assert "kept manifests/agents/example.yaml (it exists)" in result.stdout
    assert (here / "manifests" / "agents" / "example.yaml").read_text() == "# mine\n"


def test_a_plan_of_a_project_without_manifests_says_so_before_the_api(
        here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    (here / "reconciler.yaml").write_text("manifests: [manifests]\n")
    for command in (["plan"], ["apply", "--auto-approve"]):
        missing = CliRunner().invoke(cli, command)
        assert missing.exit_code == ExitCode.ERROR
        assert "no such file or folder: manifests" in missing.output
        assert "no API to talk to" not in missing.output
    (here / "manifests").mkdir()
    empty = CliRunner().invoke(cli, ["plan"])
    assert "error[no-manifests] no YAML files found in manifests" in empty.output
    assert "no API to talk to" not in empty.output


def test_init_refuses_to_overwrite_without_force(here: Path) -> None:
    (here / "reconciler.yaml").write_text("manifests: [mine]\n")
    refused = run("init")
    assert refused.exit_code == ExitCode.ERROR
    assert "error: reconciler.yaml exists; nothing was written" in refused.stderr
    assert "hint: --force overwrites it" in refused.stderr
    assert (here / "reconciler.yaml").read_text() == "manifests: [mine]\n"
    assert not (here / ".gitignore").exists()
    forced = run("init", "--force", "--manifests", "deploy/assistants")
    assert forced.exit_code == ExitCode.OK, forced.output
    assert load_settings(start=here).config.manifests == ["deploy/assistants"]


def test_gitignore_is_appended_once_and_optional(here: Path) -> None:
    (here / ".gitignore").write_text("*.pyc")
    assert run("init").exit_code == ExitCode.OK
    assert (here / ".gitignore").read_text() == (
        "*.pyc\n# the local emulator's state (reconciler)\n.reconciler/\n")
    again = run("init", "--force")
    assert "already ignores .reconciler/" in again.stdout
    assert (here / ".gitignore").read_text().count(".reconciler/") == 1
    (here / ".gitignore").unlink()
    skipped = run("init", "--force", "--no-gitignore")
    assert skipped.exit_code == ExitCode.OK and not (here / ".gitignore").exists()


def test_init_at_config_path_and_bad_manifests_path(here: Path) -> None:
    (here / "infra").mkdir()
    result = run("--config", "infra/reconciler.yaml", "init")
    assert result.exit_code == ExitCode.OK, result.output
    assert (here / "infra/reconciler.yaml").is_file() and (here / "infra/.gitignore").is_file()
    for outside in ("../elsewhere", "/etc"):
        refused = run("init", "--force", "--manifests", outside)
        assert refused.exit_code == ExitCode.ERROR
        assert f"--manifests {outside}: must be a folder inside this one" in refused.stderr


def test_init_writes_through_no_symbolic_link(here: Path) -> None:
    outside = here / "outside"
    outside.mkdir()
    (outside / "profile").write_text("keep\n")
    (here / ".gitignore").symlink_to(outside / "profile")
    result = run("init")
    assert result.exit_code == ExitCode.ERROR
    assert ".gitignore: it is a symbolic link" in result.output
    assert (outside / "profile").read_text() == "keep\n"
    (here / "reconciler.yaml").unlink()
    (here / ".gitignore").unlink()
    (here / "reconciler.yaml").symlink_to(outside / "profile")
    result = run("init", "--force")
    assert result.exit_code == ExitCode.ERROR and "it is a symbolic link" in result.output
    assert (outside / "profile").read_text() == "keep\n"


def test_the_emulator_state_folder_is_never_a_link(here: Path) -> None:
    from reconciler import localemulator

    (here / "elsewhere").mkdir()
    (here / ".reconciler").symlink_to(here / "elsewhere")
    with pytest.raises(localemulator.EmulatorError, match="is a symbolic link"):
        localemulator.start(folder=here / ".reconciler", port=0,
                            db=here / ".reconciler" / "emulator.sqlite", index_delay=0)
    assert list((here / "elsewhere").iterdir()) == []
