"""The CI recipes the repository ships (action.yml, examples/github, examples/gitlab,
.pre-commit-hooks.yaml) are valid YAML, and every `reconciler` command line in them parses
with the CLI as it is: a renamed option cannot leave a recipe broken."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from reconciler.cli import cli, hoist_global_options
from tests.conftest import REPO, docs_text

RECIPES = sorted([REPO / "action.yml", REPO / ".pre-commit-hooks.yaml",
                  *(REPO / "examples").rglob("*.yml")])
PLACEHOLDER = re.compile(r"\$\{\{[^}]*\}\}|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")


SHELL_KEYS = ("run", "script", "before_script", "entry")
"""Where recipes hold shell lines: GitHub's `run`, GitLab's `script`, pre-commit's `entry`."""


def _strings(node: Any, shell: bool = False) -> Iterator[str]:
    if isinstance(node, str):
        if shell:
            yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "command" and isinstance(value, str):  # this repository's action
                yield f"reconciler {value}"
            else:
                yield from _strings(value, shell or key in SHELL_KEYS)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, shell)


def command_lines(data: Any) -> list[str]:
    """Every shell line (or hook entry) that runs `reconciler`."""
    found = []
    for text in _strings(data):
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("reconciler ") and "$RECONCILER_COMMAND" not in line:
                found.append(line.split(" >", 1)[0].split(" ||", 1)[0].split("  #", 1)[0])
    return found


def parses(line: str) -> None:
    """Parse `line` with the CLI down to its command, without running it."""
    args = hoist_global_options(shlex.split(PLACEHOLDER.sub("X", line))[1:])
    context = cli.make_context("reconciler", args)
    command: click.Command = cli
    rest = [*context._protected_args, *context.args]
    while isinstance(command, click.Group) and rest:
        name, found, rest = command.resolve_command(context, rest)
        assert found is not None, f"no command {name!r}"
        command = found
        context = command.make_context(str(name), rest, parent=context)
        rest = [*getattr(context, "_protected_args", []), *context.args]


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_recipe_is_yaml_and_its_commands_parse(recipe: Path) -> None:
    data = yaml.safe_load(recipe.read_text(encoding="utf-8"))
    lines = command_lines(data)
    if recipe.name != "action.yml":
        assert lines, f"{recipe} runs no reconciler command"
    for line in lines:
        parses(line)


def test_a_broken_command_line_is_caught() -> None:
    with pytest.raises(click.UsageError):
        parses("reconciler plan --no-such-option")
    with pytest.raises(click.UsageError):
        parses("reconciler apply --auto-aprove")


INCLUDE = re.compile(r"^<!-- include: (?P<path>\S+) -->\n```yaml\n(?P<body>.*?)^```$",
                     re.MULTILINE | re.DOTALL)


def test_the_readme_s_copies_of_recipes_are_the_files() -> None:
    copies = list(INCLUDE.finditer(docs_text()))
    assert copies, "the docs show the pull-request workflow inline"
    for copy in copies:
        assert copy["body"] == (REPO / copy["path"]).read_text(encoding="utf-8"), copy["path"]
