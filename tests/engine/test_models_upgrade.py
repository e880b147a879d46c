"""`reconciler models upgrade` on a frozen clock (the emulator's built-in models, judged on
2026-12-07: gpt-5 shuts down in 4 days, gpt-4.1 and gpt-4o in 38): it finds every place a
retiring model is set (templates, resources, environment overrides), proposes the
replacement, flags what the replacement does not accept, shows the plan per environment,
and with --write edits only the model's value (comments, quoting and layout kept)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from openai_emulator.process import EmulatorProcess, spawn
from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project

TODAY = "2026-12-07"

TEMPLATE = """\
apiVersion: reconciler/v1
kind: Template
metadata: {name: company-base}
spec:
  model: "gpt-4.1"      # our default since 2025
  instructions: You work for Acme.
"""
RESEARCH = """\
# The research agent.
apiVersion: reconciler/v1
kind: Agent
metadata: {name: research-agent, labels: {tier: deep}}
spec:
  model: gpt-5          # needs deep reasoning
  reasoning: {effort: minimal}
---
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper}
spec: {template: company-base, model: 'gpt-5', temperature: 0.3}
"""
CONFIG = """\
manifests: [manifests]
environments:
  dev:
    scope: dev
    overrides:
      - selector: {matchLabels: {tier: deep}}
        spec: {model: gpt-4o}     # cheaper in dev
  prod:
    scope: prod
"""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    running = spawn(tmp_path_factory.mktemp("emulator"), "--index-delay", "0",
                    "--today", TODAY)
    yield running
    running.stop()


@pytest.fixture
def retiring(project: Project) -> Project:
    project.write({"templates.yaml": TEMPLATE, "research.yaml": RESEARCH})
    (project.root / "reconciler.yaml").write_text(CONFIG)
    return project


def upgrade(project: Project, *args: str) -> tuple[int, str]:
    result = project.run_env({"RECONCILER_TODAY": TODAY}, "models", "upgrade", *args)
    return result.exit_code, result.output


def files(project: Project) -> dict[str, str]:
    found = {str(p.relative_to(project.root)): p.read_text(encoding="utf-8")
             for p in sorted((project.root / "manifests").rglob("*.yaml"))}
    return {**found, "reconciler.yaml": (project.root / "reconciler.yaml").read_text()}


def test_it_lists_every_place_templates_first_then_resources_then_overrides(
        retiring: Project) -> None:
    before = files(retiring)
    code, output = upgrade(retiring, "--no-plan")
    assert code == ExitCode.OK, output
    assert files(retiring) == before  # a preview writes nothing
    lines = [" ".join(line.split()) if line.startswith("  ") else line
             for line in output.splitlines()]
    four_one = lines.index("gpt-4.1 -> gpt-6-luna  shuts down on 2027-01-14 (in 38 days; this "
                           "release's model calendar says)")
    assert lines[four_one + 2] == "manifests/templates.yaml:5 Template/company-base"
    five = lines.index("gpt-5 -> gpt-6.1-sol  shuts down on 2026-12-11 (in 4 days; this "
                       "release's model calendar says)")
    assert lines[five + 1] == ("price per 1M tokens: input $1.25 -> $2.00, output $10.00 -> "
                               "$10.00")
    assert lines[five + 2:five + 4] == ["manifests/research.yaml:6 Agent/research-agent",
                                        "manifests/research.yaml:12 Assistant/helper"]
    four_o = lines.index("gpt-4o -> gpt-6-luna  shuts down on 2027-01-14 (in 38 days; this "
                         "release's model calendar says)")
    assert lines[four_o + 2] == "reconciler.yaml:7 environment dev, override 1"
    assert "3 file(s) would change; run again with --write to edit them." in lines


def test_it_flags_the_settings_the_replacement_does_not_accept(retiring: Project) -> None:
    _, output = upgrade(retiring, "--no-plan")
    assert ("  ! Agent/research-agent (manifests/research.yaml): reasoning.effort: minimal — "
            "gpt-6.1-sol accepts low, medium, high, xhigh, max") in output.splitlines()
    assert ("  ! Assistant/helper (manifests/research.yaml): temperature: 0.3 — gpt-6.1-sol is "
            "a reasoning model and does not accept temperature") in output.splitlines()
    # in dev the override moves research-agent from gpt-4o onto gpt-6-luna, which offers no
    # `minimal` either: the flag is said once per environment that has it
    assert "Settings the new model does not accept in environment dev:" in output
    assert "setting(s) flagged above: change them before merging." in output


def test_write_changes_only_the_model_values(retiring: Project) -> None:
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.OK, output
    after = files(retiring)
    assert after["manifests/templates.yaml"] == TEMPLATE.replace(
        '"gpt-4.1"      #', '"gpt-6-luna"   #')
    assert after["manifests/research.yaml"] == RESEARCH.replace(
        "gpt-5          #", "gpt-6.1-sol    #").replace("'gpt-5'", "'gpt-6.1-sol'")
    assert after["reconciler.yaml"] == CONFIG.replace("gpt-4o}     #", "gpt-6-luna} #")
    # the comment stays in its column
    assert "3 file(s) edited; review them (git diff), then open a pull request." in output
    again, output = upgrade(retiring, "--no-plan")
    assert (again, output.strip()) == (
        ExitCode.OK, "No model in use has an announced shutdown: nothing to upgrade.")


def test_check_is_a_gate_that_writes_nothing(retiring: Project) -> None:
    before = files(retiring)
    code, _ = upgrade(retiring, "--check", "--no-plan")
    assert code == ExitCode.CHANGES and files(retiring) == before
    upgrade(retiring, "--write", "--no-plan")
    code, _ = upgrade(retiring, "--check", "--no-plan")
    assert code == ExitCode.OK
    code, output = upgrade(retiring, "--check", "--write")
    assert code == ExitCode.ERROR and "--write and --check cannot be used together" in output


def test_from_and_to_name_the_move(retiring: Project) -> None:
    code, output = upgrade(retiring, "--from", "gpt-4.1", "--to", "gpt-6.1-terra", "--write",
                           "--no-plan")
    assert code == ExitCode.OK, output
    after = files(retiring)
    assert 'model: "gpt-6.1-terra"' in after["manifests/templates.yaml"]
    assert "gpt-5" in after["manifests/research.yaml"]  # not named: left alone
    code, output = upgrade(retiring, "--from", "gpt-3", "--no-plan")  # a typo in CI: an error
    assert code == ExitCode.ERROR
    assert "error: --from gpt-3: not set anywhere in the manifests or reconciler.yaml" in output
    for unknown in ("gpt-nonexistent-9", ""):  # never widens the catalog with a typo
        code, output = upgrade(retiring, "--to", unknown, "--write", "--no-plan")
        assert code == ExitCode.ERROR and "not in the model catalog, this release's model " \
            "calendar or the API's list of models" in output, output


@pytest.fixture
def prod_account(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """prod's own account (one project per environment, as the README advises)."""
    running = spawn(tmp_path / "prod-emulator", "--index-delay", "0", "--today", TODAY)
    yield running
    running.stop()


def test_the_plan_of_each_environment_is_shown_with_the_edits(
        retiring: Project, prod_account: EmulatorProcess) -> None:
    connections = {"dev": retiring.emulator.url, "prod": prod_account.url}
    config = CONFIG
    for name, url in connections.items():
        config = config.replace(f"    scope: {name}\n",
                                f"    scope: {name}\n    connection: {{base_url: {url}}}\n")
    (retiring.root / "reconciler.yaml").write_text(config)

    def run(day: str, *args: str) -> tuple[int, str]:
        env = {**retiring.env, "RECONCILER_TODAY": day}
        del env["OPENAI_BASE_URL"]  # each environment names its own account
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.output

    for environment in ("dev", "prod"):
        code, output = run("2026-11-01", "--env", environment, "apply", "--auto-approve")
        assert code == ExitCode.OK, output
    code, output = run(TODAY, "models", "upgrade")
    assert code == ExitCode.OK, output
    dev = output.index("== plan in environment dev with these edits")
    prod = output.index("== plan in environment prod with these edits")
    assert '~ model: "gpt-4o" -> "gpt-6-luna"' in output[dev:prod]
    assert '~ model: "gpt-5" -> "gpt-6.1-sol"' in output[prod:]
    assert "Plan: 0 to create, 2 to update, 0 to delete." in output[prod:]
    assert "(price per 1M tokens: input $1.25 -> $2.00, output $10.00 -> $10.00" in output
    live = [*retiring.live("Agent"), *retiring.live("Assistant")]
    assert sorted(obj["model"] for obj in live) == ["gpt-4o", "gpt-5"]  # it never applies


CATALOG = """\
# Our models.
apiVersion: reconciler/v1
kind: ModelCatalog
metadata: {name: models}
spec:
  models:
    - id: gpt-4.1    # the old default
      capabilities: [tools, vision]
      deprecation: {shutdown_on: 2027-01-14}
    - id: gpt-5
    - id: gpt-4o
"""


ADDED = """\
    - id: gpt-6-luna  # added by `reconciler models upgrade` on 2026-12-07, replacing gpt-4.1, \
gpt-4o
      capabilities: [tools, vision, reasoning]
      reasoning_efforts: [none, low, medium, high, xhigh, max]
      context_window: 1050000
      pricing:
        input_per_1m_tokens: 0.1
        cached_input_per_1m_tokens: 0.01
        output_per_1m_tokens: 0.5
    - id: gpt-6.1-sol  # added by `reconciler models upgrade` on 2026-12-07, replacing gpt-5
      capabilities: [reasoning]
      reasoning_efforts: [low, medium, high, xhigh, max]
      context_window: 1050000
      pricing:
        input_per_1m_tokens: 2.0
        cached_input_per_1m_tokens: 0.1
        output_per_1m_tokens: 10.0
"""


def test_a_replacement_the_catalog_lacks_is_added_to_it(retiring: Project) -> None:
    retiring.write({"catalog.yaml": CATALOG})
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.OK, output
    catalog = (retiring.root / "manifests/catalog.yaml").read_text()
    assert catalog == CATALOG + ADDED
    validated = retiring.run_env({"RECONCILER_TODAY": TODAY}, "--env", "prod", "validate")
    assert validated.exit_code == ExitCode.OK, validated.output
    assert "unknown-model" not in validated.output


def test_a_value_written_in_a_way_it_cannot_edit_is_left_to_a_person(
        retiring: Project) -> None:
    retiring.write({"research.yaml": textwrap.dedent("""\
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: research-agent}
        spec:
          model: >-
            gpt-5
        """)})
    before = files(retiring)
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.ERROR
    assert "manifests/research.yaml:5" in output and "edit it by hand" in output
    assert files(retiring) == before


def test_comments_survive(retiring: Project) -> None:
    upgrade(retiring, "--write", "--no-plan")
    text = files(retiring)
    assert "# our default since 2025" in text["manifests/templates.yaml"]
    assert text["manifests/research.yaml"].startswith("# The research agent.\n")
    assert "# cheaper in dev" in text["reconciler.yaml"]


def test_a_crlf_file_keeps_its_line_endings(retiring: Project) -> None:
    path = retiring.root / "manifests/research.yaml"
    path.write_bytes(RESEARCH.replace("\n", "\r\n").encode())
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.OK, output
    assert path.read_bytes() == RESEARCH.replace("gpt-5          #", "gpt-6.1-sol    #").replace(
        "'gpt-5'", "'gpt-6.1-sol'").replace("\n", "\r\n").encode()


@pytest.mark.parametrize("text", [
    "---\n---\n" + RESEARCH,  # empty documents before it
])
def test_empty_documents_do_not_shift_the_edit(retiring: Project, text: str) -> None:
    retiring.write({"research.yaml": text})
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.OK, output
    assert "model: gpt-6.1-sol" in (retiring.root / "manifests/research.yaml").read_text()


def test_what_it_cannot_edit_is_refused_and_nothing_is_written(retiring: Project) -> None:
    retiring.write({"research.yaml": 'apiVersion: reconciler/v1\nkind: Agent\n'
                                     'metadata: {name: research-agent}\n'
                                     'spec:\n  model: "gpt-\\\n    5"\n'})
    before = files(retiring)
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.ERROR and "Traceback" not in output
    assert "manifests/research.yaml:5" in output and "edit it by hand" in output
    assert files(retiring) == before  # the template's edit was not made either


def test_a_manifest_linked_from_outside_the_project_is_refused(retiring: Project,
                                                               tmp_path_factory: pytest.
                                                               TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "x.yaml"
    outside.write_text(RESEARCH.replace("research-agent", "elsewhere").replace("helper", "h2"))
    (retiring.root / "manifests/x.yaml").symlink_to(outside)
    before = files(retiring)
    code, output = upgrade(retiring, "--write", "--no-plan")
    assert code == ExitCode.ERROR and "Traceback" not in output
    assert "x.yaml lies outside the project" in output
    assert files(retiring) == before and "gpt-5" in outside.read_text()


def test_a_manifest_that_cannot_be_read_is_an_error_not_a_miss(retiring: Project) -> None:
    retiring.write({"broken.yaml": "kind: Agent\nspec: {model: gpt-5\n"})
    code, output = upgrade(retiring, "--check", "--no-plan")
    assert code == ExitCode.ERROR
    assert "manifests/broken.yaml" in output and "fix it first" in output


def test_check_is_due_when_a_model_must_move_even_without_a_replacement(
        retiring: Project) -> None:
    retiring.write({"templates.yaml": TEMPLATE.replace('"gpt-4.1"', "gpt-5.1"),
                    "research.yaml": RESEARCH.replace("gpt-5", "gpt-6.1-sol")})
    (retiring.root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    result = retiring.run_env({"RECONCILER_TODAY": "2027-05-01"}, "models", "upgrade",
                              "--check", "--no-plan")
    assert result.exit_code == ExitCode.CHANGES, result.output
    assert "no replacement is known for gpt-5.1: pass --to MODEL" in result.output


def test_adding_to_the_example_catalog_keeps_every_line_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from tests.conftest import EXAMPLES

    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    monkeypatch.chdir(tmp_path)
    support = tmp_path / "manifests/agents/support.yaml"
    support.write_text(support.read_text().replace("gpt-6.1-terra", "o4-mini"))
    catalog = tmp_path / "manifests/models/catalog.yaml"
    before = catalog.read_text()
    result = CliRunner().invoke(cli, ["models", "upgrade", "--write", "--no-plan"],
                                env={"RECONCILER_TODAY": TODAY, "NO_COLOR": "1"})
    assert result.exit_code == ExitCode.OK, result.output
    after = catalog.read_text()
    assert after.startswith(before) and "- id: gpt-5.6-terra  # added by" in after[len(before):]
