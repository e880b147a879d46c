"""Keep manifest content from being read as a CI runner's command.

A GitHub Actions runner reads every log line whose first non-blank characters are `::` (or
the older `##[`) as a workflow command: `::add-mask::`, `::warning::`, `::stop-commands::`.
Plans and rendered manifests print text a pull request author wrote (instructions, names,
descriptions), so such a line gets a backslash before it: still readable, never a command.

A line is what the runner reads as one: it ends at `\\n`, `\\r\\n` or a lone `\\r`; and what
it sees is the text after click removed colour codes (it does when the output is no
terminal), so terminal escape sequences are looked through, and dropped from a line that is
escaped.
"""

from __future__ import annotations

import re

COMMAND_PREFIXES = ("::", "##[")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[;?0-9]*[a-zA-Z]|\x1b")
"""What click's `strip_ansi` removes, and any other escape character."""


def escape_workflow_commands(text: str) -> str:
    """`text` with a backslash before every line that a runner would read as a command."""
    if not any(prefix in text for prefix in COMMAND_PREFIXES):
        return text
    return "".join(_escaped(part) for part in _LINE_BREAK.split(text))


def _escaped(line: str) -> str:
    seen = _ESCAPE_SEQUENCE.sub("", line)
    content = seen.lstrip()
    if not content.startswith(COMMAND_PREFIXES):
        return line
    return f"{seen[:len(seen) - len(content)]}\\{content}"
