"""The console examples of the README and of every page of docs/ are run, and their output
compared with what they show.

Convention (in README.md and docs/*.md): every ```console block is preceded by a marker line:

    <!-- example: NAME -->          run it: SCENARIOS[NAME] prepares a folder (and an
                                    emulator if needed), then each `$ reconciler ...` line
                                    runs there and its output (stdout and stderr, as a
                                    terminal shows them) must be the lines that follow it
    <!-- example: unchecked: WHY --> shown, not run (WHY says why)

In the expected output a line `...` stands for any number of lines. Before comparing, both
sides are normalised only where a value must vary between runs: object ids, loopback ports,
pids, durations, and runs of spaces inside a line (table columns follow id widths).
A block without a marker, a marker without a block, and a scenario no block uses all fail;
each scenario is used by one block.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest
from click.testing import CliRunner

from reconciler import localemulator as server
from reconciler.cli import cli
from tests.conftest import EXAMPLES, REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
"""Where console examples are: the README and the documentation's pages."""
MARKER = re.compile(r"^<!-- example: (?P<name>[a-z0-9-]+|unchecked: [^>]+) -->$")
NORMALISE = [
    (re.compile(r"\b(asst|agent|vs|vsfb|batch)_[A-Za-z0-9]+"), r"\1_<id>"),
    (re.compile(r"\bfile-[A-Za-z0-9]+"), "file-<id>"),
    (re.compile(r"\b(127\.0\.0\.1|localhost):\d+"), r"\1:<port>"),
    (re.compile(r"\bpid \d+"), "pid <pid>"),
    (re.compile(r"\(\d+(\.\d+)?s\)"), "(<t>s)"),
    (re.compile(r"(?<=\S) {2,}"), "  "),
]


@dataclass
class Example:
    name: str
    line: int
    file: str = "README.md"
    commands: list[tuple[str, list[str]]] = field(default_factory=list)
    """Each command line, and the output lines shown after it."""


def examples(text: str, file: str = "README.md") -> tuple[list[Example], list[str]]:
    """The marked console blocks of a page (unchecked ones left out), and the problems with
    markers: a block without one, or one without a block."""
    lines = text.splitlines()
    found: list[Example] = []
    problems: list[str] = []
    for index, line in enumerate(lines):
        marker = MARKER.match(line)
        if line.startswith("<!-- example") and not marker:
            problems.append(f"{file}:{index + 1}: malformed marker: {line}")
        if marker and not (index + 1 < len(lines) and lines[index + 1] == "```console"):
            problems.append(f"{file}:{index + 1}: the marker is not followed by ```console")
        if line != "```console":
            continue
        above = MARKER.match(lines[index - 1]) if index else None
        if above is None:
            problems.append(f"{file}:{index + 1}: a console example without a marker "
                            "(<!-- example: NAME --> or <!-- example: unchecked: WHY -->)")
            continue
        if above["name"].startswith("unchecked"):
            continue
        example = Example(above["name"], index + 1, file)
        for body in lines[index + 1:]:
            if body.startswith("```"):
                break
            if body.startswith("$ "):
                example.commands.append((body[2:], []))
            elif example.commands:
                example.commands[-1][1].append(body)
        found.append(example)
    return found, problems


def normalise(text: str, root: Path) -> list[str]:
    text = text.replace(str(root) + "/", "").replace(str(root), ".")
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def assignments(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """The leading `NAME=VALUE` words of a command line (set for that command, as a shell
    does), and the rest."""
    variables = {}
    while argv and re.fullmatch(r"[A-Z][A-Z0-9_]*=\S*", argv[0]):
        name, value = argv[0].split("=", 1)
        variables[name] = value
        argv = argv[1:]
    return variables, argv


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a `...` line matches any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[at:]) for at in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


# --- scenarios: what each example needs before its commands run ---------------------------

Scenario = Callable[[Path], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS[name] = function
        return function
    return register


def _project(root: Path) -> None:
    shutil.copytree(EXAMPLES, root / "manifests")
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")


@scenario("init")
def _init(root: Path) -> None:
    """An empty repository."""


@scenario("readme-first-plan")
def _first_plan(root: Path) -> None:
    """The README's first agent, with the Tool it uses, on a fresh emulator."""
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    _emulator(root)
    _write(root, "agent.yaml", "apiVersion: reconciler/v1\nkind: Agent\n"
                               "metadata: {name: support-agent}\nspec:\n"
                               "  model: gpt-6.1-terra\n  name: Support\n"
                               "  instructions: You answer questions about orders.\n"
                               "  tools: [lookup-order, {type: web_search}]\n")
    _write(root, "tool.yaml", (REPO / "reconciler/kinds/tool/example.yaml").read_text())


@scenario("validate-permission-denied")
def _validate(root: Path) -> None:
    _project(root)
    billing = root / "manifests/assistants/billing.yaml"
    text = billing.read_text()
    assert "  labels:\n    team: billing\n" in text
    billing.write_text(text.replace("  labels:\n    team: billing\n", "", 1))


@scenario("validate-policy")
def _validate_policy(root: Path) -> None:
    _project(root)
    billing = root / "manifests/assistants/billing.yaml"
    text = billing.read_text()
    assert "  model: gpt-6.1-terra\n" in text and "    channel: billing\n" in text
    billing.write_text(text.replace("  model: gpt-6.1-terra\n", "  model: gpt-6-astra\n", 1)
                       .replace("    channel: billing\n",
                                "    channel: billing\n    cost-center: \"1200\"\n", 1))


DELETES = """\
apiVersion: reconciler/v1
kind: Policy
metadata: {name: deletes}
spec:
  rules:
    - name: no-delete-in-prod
      on: change
      match: {environments: [prod]}
      expression: change.action != 'delete' || 'allow-delete' in change.labels
      message: "deleted in {{ environment }} ({{ change.reason }}) without the label allow-delete"
"""


@scenario("plan-policy-gate")
def _plan_policy_gate(root: Path) -> None:
    (root / "reconciler.yaml").write_text(
        "manifests: [manifests]\nenvironments:\n  prod:\n    scope: support-prod\n"
        "    connection: {emulator: true}\n")
    _emulator(root)
    agent = "apiVersion: reconciler/v1\nkind: Agent\nmetadata: {{name: {}}}\nspec: {{model: {}}}\n"
    _write(root, "agents.yaml", agent.format("support-agent", "gpt-5.6-terra"))
    _write(root, "old.yaml", agent.format("old-helper", "gpt-6-sol"))
    _write(root, "deletes.yaml", DELETES)
    assert "Apply complete" in _run(root, "--env", "prod", "apply", "--auto-approve")
    (root / "manifests/old.yaml").unlink()


@scenario("render-support-agent")
def _render(root: Path) -> None:
    _project(root)


@scenario("migrate-report")
def _migrate(root: Path) -> None:
    _project(root)


def _emulator(root: Path, today: dt.date | None = None) -> openai.OpenAI:
    """Start the background emulator as `reconciler emulator start` does, in `root`."""
    record = server.start(folder=root / server.DEFAULT_DIR, port=0,
                          db=server.DEFAULT_DIR / "emulator.sqlite", index_delay=0, today=today)
    return openai.OpenAI(base_url=record.url, api_key="emulator", max_retries=0)


def _write(root: Path, name: str, text: str) -> None:
    path = root / "manifests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


SUPPORT_BOT = """\
apiVersion: reconciler/v1
kind: Assistant
metadata: {{name: support-bot}}
spec:
  model: gpt-6.1-terra
  instructions: {instructions}
  temperature: {temperature}
  metadata: {metadata}
"""


@scenario("plan-update-and-delete")
def _plan(root: Path) -> None:
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    client = _emulator(root)
    _write(root, "support.yaml", SUPPORT_BOT.format(
        instructions='"You answer questions about orders.\\nLook orders up before answering."',
        temperature=0.7, metadata="{legacy: 'yes'}"))
    _write(root, "old.yaml", "apiVersion: reconciler/v1\nkind: Agent\n"
                             "metadata: {name: old-helper}\n"
                             "spec: {model: gpt-6-sol, name: Old helper}\n")
    _run(root, "apply", "--auto-approve")
    client.beta.assistants.create(model="gpt-6-luna", name="made by hand")
    (root / "manifests/old.yaml").unlink()
    _write(root, "support.yaml", SUPPORT_BOT.format(
        instructions='"You answer questions about orders.\\nAlways look orders up before '
                     'answering.\\nBe brief."', temperature=0.3, metadata="{channel: web}"))


# the day the README's retirement examples are run on (a model calendar is dated)
CALENDAR_DAY = dt.date(2026, 12, 7)
UPGRADE_FILES = {
    "templates/company.yaml": """\
apiVersion: reconciler/v1
kind: Template
metadata: {name: company-base}
spec:
  model: gpt-4.1        # our default since 2025
  temperature: 0.2
  instructions: You work for Acme. Be brief.
""",
    "agents/research.yaml": """\
apiVersion: reconciler/v1
kind: Agent
metadata: {name: research-agent}
spec:
  model: gpt-5          # needs deep reasoning
  reasoning: {effort: minimal}
  instructions: You research questions for Acme.
""",
    "assistants/helper.yaml": """\
apiVersion: reconciler/v1
kind: Assistant
metadata: {name: helper}
spec:
  template: company-base
""",
}


def _retiring(root: Path) -> None:
    """A project applied three weeks before the README's day, when gpt-5 and gpt-4.1 had
    more than the 14 days the gate blocks, to an emulator that judges shutdowns by that day."""
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    _emulator(root, today=CALENDAR_DAY)
    for name, text in UPGRADE_FILES.items():
        _write(root, name, text)
    applied = _run(root, "apply", "--auto-approve", env={"RECONCILER_TODAY": "2026-11-16"})
    assert "Apply complete: 2 created" in applied, applied


@scenario("models-upgrade")
def _models_upgrade(root: Path) -> None:
    _retiring(root)


@scenario("models-gate")
def _models_gate(root: Path) -> None:
    _retiring(root)
    _write(root, "agents/writer.yaml", "apiVersion: reconciler/v1\nkind: Agent\n"
                                       "metadata: {name: writer}\nspec: {model: gpt-5}\n")


LOOKUP_ORDER = {"name": "lookup_order", "description": "Look up an order.",
                "parameters": {"type": "object", "properties": {"id": {"type": "string"}},
                               "required": ["id"]}}


def _unmanaged(root: Path) -> None:
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    client = _emulator(root)
    client.beta.assistants.create(model="gpt-6-luna", name="Support Bot",
                                  tools=[{"type": "function", "function": LOOKUP_ORDER}])
    client.beta.agents.create(model="gpt-6.1-sol", name="Researcher",
                              tools=[{"type": "function", **LOOKUP_ORDER}])


@scenario("import-all")
def _import(root: Path) -> None:
    _unmanaged(root)


@scenario("inventory")
def _inventory(root: Path) -> None:
    _unmanaged(root)
    _run(root, "import", "--all")


def _run(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), env={**_env(root), **(env or {})},
                                catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    return result.output


def _env(root: Path) -> dict[str, str | None]:
    return {"NO_COLOR": "1", "COLUMNS": "100", "XDG_CACHE_HOME": str(root / ".cache"),
            "OPENAI_API_KEY": None, "OPENAI_BASE_URL": None, "OPENAI_ORG_ID": None,
            "OPENAI_PROJECT_ID": None}


# --- the tests -----------------------------------------------------------------------------

def _every_page() -> tuple[list[Example], list[str]]:
    found: list[Example] = []
    problems: list[str] = []
    for page in PAGES:
        more, wrong = examples(page.read_text(encoding="utf-8"),
                               str(page.relative_to(REPO)))
        found += more
        problems += wrong
    return found, problems


FOUND, PROBLEMS = _every_page()


def test_every_console_example_is_marked_and_every_scenario_used() -> None:
    assert PROBLEMS == []
    assert sorted(e.name for e in FOUND) == sorted(SCENARIOS)


def test_leading_assignments_set_the_command_s_environment() -> None:
    assert assignments(["RECONCILER_TODAY=2026-12-07", "reconciler", "plan", "A=b"]) == (
        {"RECONCILER_TODAY": "2026-12-07"}, ["reconciler", "plan", "A=b"])
    assert assignments(["reconciler", "validate"]) == ({}, ["reconciler", "validate"])


def test_matching_with_ellipsis() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "..."], ["a"])
    assert not matches(["a", "...", "d"], ["a", "b"])
    assert not matches(["a"], ["a", "b"])


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    record = server.running(tmp_path / server.DEFAULT_DIR)
    if record is not None:  # our child: reap it, or `stop` would wait for a zombie
        os.kill(record.pid, signal.SIGTERM)
        os.waitpid(record.pid, 0)


@pytest.mark.parametrize("example", FOUND, ids=[e.name for e in FOUND])
def test_readme_example(example: Example, folder: Path) -> None:
    SCENARIOS[example.name](folder)
    for command, shown in example.commands:
        variables, argv = assignments(shlex.split(command, comments=True))
        where = f"{example.file}:{example.line}"
        assert argv[0] == "reconciler", f"{where}: only reconciler runs"
        actual = normalise(_run(folder, *argv[1:], env=variables), folder)
        expected = normalise("\n".join(shown), folder)
        assert matches(expected, actual), (
            f"{where}: `{command}` printed:\n" + "\n".join(actual))
