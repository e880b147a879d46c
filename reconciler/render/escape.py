"""Keep manifest content from being read as a CI runner's command.

A GitHub Actions runner reads every log line whose first non-blank characters are `::` (or
the older `##[`) as a workflow command: `::add-mask::`, `::warning::`, `::stop-commands::`.
Plans and rendered manifests print text a pull request author wrote (instructions, names,
descriptions), so such a line gets a backslash before it: still readable, never a command.
"""

from __future__ import annotations

COMMAND_PREFIXES = ("::", "##[")


def escape_workflow_commands(text: str) -> str:
    """`text` with a backslash before every line that a runner would read as a command."""
    if not any(prefix in text for prefix in COMMAND_PREFIXES):
        return text
    return "\n".join(_escaped(line) for line in text.split("\n"))


def _escaped(line: str) -> str:
    content = line.lstrip()
    if not content.startswith(COMMAND_PREFIXES):
        return line
    return f"{line[:len(line) - len(content)]}\\{content}"
