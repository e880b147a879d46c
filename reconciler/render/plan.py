"""Render a plan as text (Terraform-like), JSON (documented, versioned) or Markdown (for a
pull-request comment). Renderers only render: they never compute a diff."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from reconciler import __version__, kinds
from reconciler.escape import escape_workflow_commands
from reconciler.plan.model import (
    Action,
    FieldChange,
    FileAction,
    FileChange,
    ModelCost,
    Plan,
    ResourceChange,
)
from reconciler.render.formats import Format

STYLE = {
    Action.CREATE: ("+", "green", "will be created"),
    Action.UPDATE: ("~", "yellow", "will be updated in place"),
    Action.REPLACE: ("-/+", "magenta", "must be replaced"),
    Action.DELETE: ("-", "red", "will be destroyed"),
}
"""The one table of symbols, colours and verbs per action."""
LONG_TEXT = 80


def summary_line(plan: Plan) -> str:
    if not plan.changes:
        return "No changes. The live state matches the manifests."
    s = plan.summary()
    line = f"Plan: {s.create} to create, {s.update} to update, {s.delete} to delete."
    line += f" ({s.replace} replaced)" if s.replace else ""
    if s.upload_files or s.delete_files:
        line += (f" Files: {s.upload_files} to upload ({human_bytes(s.upload_bytes)}), "
                 f"{s.delete_files} to delete.")
    return line


def human_bytes(count: int) -> str:
    """A size for people: 512 B, 1.5 KiB, 200.0 MiB."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def notes(plan: Plan) -> list[str]:
    """What the plan leaves alone, and why: objects no manifest manages, objects of other
    scopes, and managed objects kept because the plan was made for PATHS."""
    found = [f"Scope: {plan.scope} (objects of other scopes are never touched)."] if (
        plan.scope) else []
    if count := len(plan.unmanaged):
        things = "object is" if count == 1 else "objects are"
        found.append(f"{count} live {things} not managed by the reconciler and left alone; "
                     "see `reconciler import`.")
    if plan.foreign:
        scopes: dict[str, int] = {}
        for obj in plan.foreign:
            scopes[obj.scope] = scopes.get(obj.scope, 0) + 1
        owned = ", ".join(f"{n} by scope {scope}" for scope, n in sorted(scopes.items()))
        found.append(f"{len(plan.foreign)} live object{'s' if len(plan.foreign) != 1 else ''} "
                     f"owned by other scopes ({owned}) never touched.")
    if plan.kept:
        shown = ", ".join(plan.kept[:5]) + (", ..." if len(plan.kept) > 5 else "")
        why = ("--no-delete" if plan.no_delete
               else "the PATHS given do not declare them; --prune deletes them")
        found.append(f"{len(plan.kept)} managed object{'s' if len(plan.kept) != 1 else ''} "
                     f"kept ({why}): {shown}.")
    return found


# --- the lines that describe a change (shared by text and markdown) -------------------


@dataclass(frozen=True)
class Line:
    """One line of a change: a marker (+ - ~ or space), its text, and how deep it sits.

    `body` lines continue the line before (a multi-line value, a text diff)."""

    marker: str
    text: str
    body: bool = False
    value: bool = False
    """A line of a multi-line value (not of a diff): shown indented, without a marker."""


def change_lines(change: ResourceChange) -> list[Line]:
    """Describe a change, field by field, then file by file."""
    files = [_file_line(f) for f in change.files]
    if change.action is Action.CREATE:
        assert change.after is not None
        chunking = ([Line("+", f"chunking_strategy = {show(change.chunking_strategy)}")]
                    if change.chunking_strategy is not None else [])
        return [line for name, value in _shown_fields(change.kind, change.after).items()
                for line in assignment("+", name, value)] + chunking + files
    if change.action is Action.DELETE:
        assert change.before is not None
        return [line for name in kinds.get(change.kind).shown_on_delete
                for line in assignment("-", name, change.before.get(name))] + files
    return [line for field in change.fields for line in field_lines(field)] + files


FILE_STYLE = {
    FileAction.UPLOAD: ("+", "upload"),
    FileAction.REPLACE: ("~", "replace"),
    FileAction.RENAME: ("~", "rename"),
    FileAction.RECHUNK: ("~", "re-chunk"),
    FileAction.DELETE: ("-", "delete"),
    FileAction.DETACH: ("-", "detach"),
}
"""The marker and verb of each file action."""


def _file_line(change: FileChange) -> Line:
    marker, verb = FILE_STYLE[change.action]
    if change.action is FileAction.RENAME:
        what = f"from {change.old_path}, no upload"
    elif change.upload_id is not None:
        what = f"reusing the unused upload {change.upload_id}, no upload"
    elif change.uploads:
        what = human_bytes(change.size)
    elif change.action is FileAction.RECHUNK:
        what = "no upload"
    else:
        what = change.live_file_id or ""
    reason = f": {change.reason}" if change.reason else ""
    return Line(marker, f"file {change.path} ({verb}, {what}){reason}")


def _shown_fields(kind: str, after: dict[str, Any]) -> dict[str, Any]:
    """Fields worth showing on create: those not at their API default (model, name always)."""
    defaults = kinds.get(kind).defaults
    return {k: v for k, v in after.items()
            if k in ("model", "name") or v != defaults.get(k)}


def assignment(marker: str, name: str, value: Any) -> list[Line]:
    if isinstance(value, str) and "\n" in value:
        body = [Line(marker, f"    {line}", body=True, value=True)
                for line in value.rstrip("\n").split("\n")]
        return [Line(marker, f"{name} = <<-EOT"), *body,
                Line(marker, "EOT", body=True, value=True)]
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        items = [Line(marker, f"    {show(item)},", body=True, value=True) for item in value]
        return [Line(marker, f"{name} = ["), *items, Line(marker, "]", body=True, value=True)]
    return [Line(marker, f"{name} = {show(value)}")]


def field_lines(field: FieldChange) -> list[Line]:
    if field.before_unknown:
        return [Line("~", f"{field.path}: (not returned by the API) -> {show(field.after)}")]
    if field.op == "add":
        return assignment("+", field.path, field.after)
    if field.op == "remove":
        return assignment("-", field.path, field.before)
    if (diff := text_diff(field)) is not None:
        return [Line("~", f"{field.path}:"),
                *(Line(marker, text, body=True) for marker, text in diff)]
    return [Line("~", f"{field.path}: {show(field.before)} -> {show(field.after)}")]


def text_diff(field: FieldChange) -> list[tuple[str, str]] | None:
    """A change of long or multi-line text as the lines of a unified diff, each a marker
    (`+`, `-` or a space) and its text; None for any other change."""
    texts = [v for v in (field.before, field.after) if isinstance(v, str)]
    if not (len(texts) == 2 and any("\n" in t or len(t) > LONG_TEXT for t in texts)):
        return None
    return [(d[0] if d[:1] in "+-" else " ", d[1:] if d[:1] in "+- " else d)
            for d in unified(str(field.before), str(field.after))]


def unified(before: str, after: str) -> list[str]:
    """A unified diff of two texts, without the file headers."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
    return [line for line in lines if not line.startswith(("---", "+++"))]


def show(value: Any) -> str:
    """A value as JSON (strings quoted, null for None)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def headline(change: ResourceChange) -> list[str]:
    """The comment lines above a change: what happens, to which live object, and why."""
    verb = STYLE[change.action][2]
    where = f" ({change.live_id})" if change.live_id else ""
    lines = [f"# {change.address} {verb}{where}"]
    if change.reason:
        lines.append(f"# ({change.reason})")
    if change.cost is not None:
        lines.append(f"# ({cost_text(change.cost)})")
    return lines


def cost_text(cost: ModelCost) -> str:
    """`price per 1M tokens: input $2.00 -> $0.25, output $8.00 -> $2.00` (unknown: `?`)."""
    def money(value: float | None, currency: str) -> str:
        if value is None:
            return "?"
        return f"${value:,.2f}" if currency == "USD" else f"{value:,.2f} {currency}"

    before, after = cost.before, cost.after
    parts = [f"{what} {money(getattr(before, key), before.currency)} -> "
             f"{money(getattr(after, key), after.currency)}"
             for what, key in (("input", "input_per_1m_tokens"),
                               ("output", "output_per_1m_tokens"))]
    unknown = [p.model for p in (before, after)
               if p.input_per_1m_tokens is None and p.output_per_1m_tokens is None]
    listed = [p.model for p in (before, after) if p.source == "calendar"]
    note = f"; no price is known for {', '.join(unknown)}" if unknown else ""
    if listed:
        note += f"; {', '.join(listed)}: OpenAI's list price (the catalog gives none)"
    return f"price per 1M tokens: {', '.join(parts)}{note}"


def cost_summary(plan: Plan) -> str | None:
    """The price per 1M tokens of every model the plan changes, summed before and after
    (only where both models' prices are known; the others are counted)."""
    costs = [c.cost for c in plan.changes if c.cost is not None]
    if not costs:
        return None
    known = [c for c in costs if None not in (
        c.before.input_per_1m_tokens, c.before.output_per_1m_tokens,
        c.after.input_per_1m_tokens, c.after.output_per_1m_tokens)
        and c.before.currency == c.after.currency == "USD"]
    if not known:
        return f"{len(costs)} change(s) set another model; no price is known for them"
    def total(side: str, key: str) -> float:
        return sum(float(getattr(getattr(c, side), key)) for c in known)
    text = (f"Models changed by {len(known)} change(s), price per 1M tokens summed: input "
            f"${total('before', 'input_per_1m_tokens'):,.2f} -> "
            f"${total('after', 'input_per_1m_tokens'):,.2f}, output "
            f"${total('before', 'output_per_1m_tokens'):,.2f} -> "
            f"${total('after', 'output_per_1m_tokens'):,.2f}")
    missing = len(costs) - len(known)
    return text + (f" ({missing} more without catalog prices)" if missing else "") + "."


# --- text ---------------------------------------------------------------------------------

MARKER_COLOURS = {"+": "green", "-": "red", "~": "yellow"}


def render_text(plan: Plan, *, color: bool = False) -> str:
    """Render for a terminal (coloured) or a log (plain)."""
    def paint(text: str, colour: str | None = None, bold: bool = False) -> str:
        return str(click.style(text, fg=colour, bold=bold)) if color and (colour or bold) else text

    lines: list[str] = []
    if plan.changes:
        lines += ["reconciler will perform the following actions:", ""]
        for change in plan.changes:
            symbol, colour, _ = STYLE[change.action]
            lines += [paint(f"  {line}", bold=True) for line in headline(change)]
            lines.append(paint(f"  {symbol} {change.address}", colour))
            lines += [text_line(line, paint) for line in capped_lines(change, TEXT_FILES)]
            lines.append("")
    for warning in plan.warnings:
        lines.append(paint("warning:", "yellow", bold=True) + " " + warning)
    if plan.warnings:
        lines.append("")
    lines.append(paint(summary_line(plan), bold=True))
    lines += notes(plan)
    return escape_workflow_commands("\n".join(lines))


Paint = Callable[..., str]


def text_line(line: Line, paint: Paint) -> str:
    colour = MARKER_COLOURS.get(line.marker)
    if not line.body:
        return paint(f"      {line.marker} ", colour) + line.text
    if line.value:  # a multi-line value: indented under its field
        return f"        {line.text}"
    return "          " + paint(f"{line.marker}{line.text}",
                                colour if line.marker != "~" else None)


# --- json ---------------------------------------------------------------------------------


def render_json(plan: Plan) -> str:
    """The plan's JSON form (also what `plan --out` saves), with a summary."""
    data = plan.model_dump(mode="json")
    data["summary"] = plan.summary().model_dump()
    data["reconciler_version"] = __version__
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- markdown -------------------------------------------------------------------------------


def render_markdown(plan: Plan) -> str:
    """A pull-request comment: a headline, a table, and collapsible details per resource."""
    lines = [f"### {summary_line(plan)}", ""]
    if plan.changes:
        lines += ["| | resource | action | live id |", "|---|---|---|---|"]
        for change in plan.changes:
            symbol = STYLE[change.action][0]
            lines.append(f"| `{symbol}` | `{change.address}` | {change.action.value} | "
                         f"{'`' + change.live_id + '`' if change.live_id else ''} |")
        lines.append("")
        for change in plan.changes:
            lines += _markdown_details(change)
    for warning in plan.warnings:
        lines.append(f"> **Warning:** {warning}")
    if plan.warnings:
        lines.append("")
    if (cost := cost_summary(plan)) is not None:
        lines += [f"**{cost}**", ""]
    for note in notes(plan):
        lines += [f"_{note}_", ""]
    return escape_workflow_commands("\n".join(lines).rstrip("\n") + "\n")


MARKDOWN_FILES = 50
"""File lines shown per resource in a pull-request comment (GitHub caps a comment at
65,536 characters); the rest are counted, and the JSON plan lists them all."""
TEXT_FILES = 50
"""File lines a text plan shows per resource: a store of thousands of files stays readable;
the JSON plan (`--format json`) lists every one."""


def capped_lines(change: ResourceChange, shown: int) -> list[Line]:
    """`change_lines`, with at most `shown` file lines and a count of the others."""
    lines = change_lines(change)
    hidden = max(0, len(change.files) - shown)
    if hidden:
        lines = lines[:len(lines) - hidden]
        size = human_bytes(sum(f.size for f in change.files[shown:] if f.uploads))
        lines.append(Line(" ", f"... and {hidden} more files ({size} to upload); "
                               "`plan --format json` lists every one"))
    return lines


def _markdown_details(change: ResourceChange) -> list[str]:
    symbol, _, verb = STYLE[change.action]
    lines = capped_lines(change, MARKDOWN_FILES)
    body = [f"{md_marker(line)} {'    ' if line.body else ''}{line.text}"
            for line in lines]
    reason = [f"  ({change.reason})"] if change.reason else []
    return ["<details>", f"<summary><code>{symbol} {change.address}</code> {verb}</summary>",
            "", "```diff", *reason, *body, "```", "", "</details>", ""]


def md_marker(line: Line) -> str:
    """GitHub colours `+` green and `-` red in a diff block; `!` marks a change."""
    return {"~": "!"}.get(line.marker, line.marker)


RENDERERS: dict[Format, Callable[[Plan, bool], str]] = {
    Format.TEXT: lambda plan, color: render_text(plan, color=color),
    Format.JSON: lambda plan, color: render_json(plan),
    Format.MARKDOWN: lambda plan, color: render_markdown(plan),
}


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    """The plan in one of `FORMATS`."""
    return RENDERERS[Format(fmt)](plan, color)


FORMATS: tuple[str, ...] = tuple(f.value for f in RENDERERS)
"""What `--format` offers: the formats this module renders."""
