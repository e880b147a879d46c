"""Render diagnostics as text (gcc/sqlfluff style), JSON, or GitHub workflow annotations."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import click

from reconciler.diagnostics import MAX_PER_FILE, Diagnostic, Diagnostics, Severity
from reconciler.escape import escape_workflow_commands
from reconciler.render.formats import Format

FORMAT_VERSION = "1.0"
COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


def render_text(diagnostics: Diagnostics, *, files: int, documents: int, color: bool) -> str:
    """Render one line per diagnostic (hint indented below) and a summary line."""
    lines = [_text_line(d, color=color) for d in diagnostics.sorted()]
    lines += [f"{file}: {count} more problems not shown (the first {MAX_PER_FILE} are)"
              for file, count in diagnostics.suppressed.items()]
    errors, warnings = diagnostics.count_errors(), diagnostics.count_warnings()
    summary = (f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
               f"in {_plural(documents, 'document')} ({_plural(files, 'file')})")
    if errors == 0:
        summary = f"valid: {summary}"
    lines.append(click.style(summary, bold=True) if color else summary)
    return escape_workflow_commands("\n".join(lines))


def _text_line(d: Diagnostic, *, color: bool) -> str:
    where = f"{d.location}: " if d.location else ""
    label = f"{d.severity.value}[{d.code.value}]"
    if color:
        label = click.style(label, fg=COLOURS[d.severity], bold=True)
    field = f"{d.path}: " if d.path else ""
    line = f"{where}{label} {field}{d.message}"
    if d.hint:
        line += f"\n    hint: {d.hint}"
    return line


def render_json(diagnostics: Diagnostics, *, files: int, documents: int) -> str:
    """Render a versioned JSON document (see README, "validate --format json")."""
    return json.dumps({
        "format_version": FORMAT_VERSION,
        "valid": not diagnostics.has_errors,
        "summary": {
            "errors": diagnostics.count_errors(),
            "warnings": diagnostics.count_warnings(),
            "files": files,
            "documents": documents,
        },
        "diagnostics": [_json_item(d) for d in diagnostics.sorted()],
    }, indent=2)


def render_markdown(diagnostics: Diagnostics, summary: str) -> str:
    """A failed plan as a pull-request comment: `summary` as the headline, then the problems
    as the text format has them, in a fenced block (what a manifest author wrote is shown,
    never read as Markdown or HTML)."""
    lines = [_text_line(d, color=False) for d in diagnostics.sorted()]
    body = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return escape_workflow_commands(
        f"### The plan failed: {summary}\n\n{fence}text\n{body}\n{fence}\n")


def _json_item(d: Diagnostic) -> dict[str, object]:
    loc = d.location
    return {
        "severity": d.severity.value,
        "code": d.code.value,
        "message": d.message,
        "file": loc.file if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "path": d.path,
        "hint": d.hint,
    }


def render_github(diagnostics: Diagnostics) -> str:
    """Render `::error file=…,line=…::` workflow commands, one per diagnostic."""
    return "\n".join(_github_line(d) for d in diagnostics.sorted())


def _github_line(d: Diagnostic) -> str:
    props: list[str] = []
    if d.location:
        props.append(f"file={_escape_property(d.location.file)}")
        if d.location.line is not None:
            props.append(f"line={d.location.line}")
        if d.location.column is not None:
            props.append(f"col={d.location.column}")
    props.append(f"title={_escape_property('reconciler ' + d.code.value)}")
    message = f"{d.path}: {d.message}" if d.path else d.message
    if d.hint:
        message += f" (hint: {d.hint})"
    return f"::{d.severity.value} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(diagnostics: Diagnostics, fmt: str, *, files: int, documents: int,
           color: bool) -> str:
    """Render in one of `FORMATS`: text, json, github."""
    return RENDERERS[Format(fmt)](diagnostics, files, documents, color)


RENDERERS: dict[Format, Callable[[Diagnostics, int, int, bool], str]] = {
    Format.TEXT: lambda d, files, documents, color: render_text(
        d, files=files, documents=documents, color=color),
    Format.JSON: lambda d, files, documents, color: render_json(
        d, files=files, documents=documents),
    Format.GITHUB: lambda d, files, documents, color: render_github(d),
}


FORMATS: tuple[str, ...] = tuple(f.value for f in RENDERERS)
"""What `--format` offers: the formats this module renders."""
