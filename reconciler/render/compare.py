"""Render a `Comparison` (`reconciler diff`): text for a terminal, JSON for tools, Markdown for
a pull request. Only renders; the field lines are the plan's own."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import click

from reconciler import kinds
from reconciler.compare import Change, Comparison, Difference
from reconciler.escape import escape_workflow_commands
from reconciler.render.formats import Format
from reconciler.render.plan import Line, assignment, field_lines, md_marker, text_line

SYMBOL = {Change.ADD: ("+", "green"), Change.CHANGE: ("~", "yellow"),
          Change.REMOVE: ("-", "red")}
MARKER = "<!-- reconciler diff -->"
"""Starts every Markdown rendering, so that a comment can be found and updated."""


def heading(comparison: Comparison) -> str:
    where = f", environment {comparison.environment}" if comparison.environment else ""
    return f"Comparing {comparison.left} with {comparison.right}{where}"


def summary(comparison: Comparison) -> str:
    if not comparison.differences:
        return f"No differences ({comparison.unchanged} resources the same)."
    counts = comparison.counts()
    return (f"{counts['add']} to add, {counts['change']} to change, {counts['remove']} to "
            f"remove ({comparison.unchanged} the same).")


def lines(difference: Difference) -> list[Line]:
    """A difference, field by field, then file by file."""
    if difference.change is Change.ADD:
        assert difference.after is not None
        found = [line for name, value in difference.after.items()
                 for line in assignment("+", name, value)]
    elif difference.change is Change.REMOVE:
        assert difference.before is not None
        found = [line for name in kinds.get(difference.kind).shown_on_delete
                 if name in difference.before
                 for line in assignment("-", name, difference.before[name])]
    else:
        found = [line for field in difference.fields for line in field_lines(field)]
    for file in difference.files:
        symbol = SYMBOL[file.change][0]
        content = f" ({(file.after or file.before or '')[:12]})"
        found.append(Line(symbol, f"file {file.path}{content}"))
    return found


def render_text(comparisons: Sequence[Comparison], *, color: bool = False) -> str:
    def paint(text: str, colour: str | None = None, bold: bool = False) -> str:
        return str(click.style(text, fg=colour, bold=bold)) if color and (colour or bold) else text

    out: list[str] = []
    for comparison in comparisons:
        out += [paint(heading(comparison) + ":", bold=True), ""]
        for difference in comparison.differences:
            symbol, colour = SYMBOL[difference.change]
            out.append(paint(f"  {symbol} {difference.address}", colour))
            out += [text_line(line, paint) for line in lines(difference)]
            out.append("")
        out += [paint(summary(comparison), bold=True), ""]
    return escape_workflow_commands("\n".join(out).rstrip("\n"))


def render_json(comparisons: Sequence[Comparison]) -> str:
    return json.dumps({"format_version": "1.0", "comparisons": [
        {**c.model_dump(mode="json"), "summary": c.counts()} for c in comparisons]},
        indent=2, ensure_ascii=False)


def render_markdown(comparisons: Sequence[Comparison]) -> str:
    out = [MARKER]
    for comparison in comparisons:
        out += [f"### {heading(comparison)}: {summary(comparison)}", ""]
        for difference in comparison.differences:
            symbol = SYMBOL[difference.change][0]
            out += [f"<details><summary><code>{symbol} {difference.address}</code></summary>",
                    "", "```diff"]
            out += [f"{md_marker(line)} {'    ' if line.body else ''}{line.text}"
                    for line in lines(difference)]
            out += ["```", "</details>", ""]
    return escape_workflow_commands("\n".join(out).rstrip("\n") + "\n")


RENDERERS: dict[Format, Callable[[Sequence[Comparison], bool], str]] = {
    Format.TEXT: lambda comparisons, color: render_text(comparisons, color=color),
    Format.JSON: lambda comparisons, color: render_json(comparisons),
    Format.MARKDOWN: lambda comparisons, color: render_markdown(comparisons),
}


def render(comparisons: Sequence[Comparison], fmt: str, *, color: bool = False) -> str:
    """The comparisons in one of `FORMATS`."""
    return RENDERERS[Format(fmt)](comparisons, color)


FORMATS: tuple[str, ...] = tuple(f.value for f in RENDERERS)
"""What `--format` offers: the formats this module renders."""
