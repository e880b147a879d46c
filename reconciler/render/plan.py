"""Render a plan as text (Terraform-like), JSON (documented, versioned) or Markdown (for a
pull-request comment). Renderers only render: they never compute a diff."""

from __future__ import annotations

import difflib
import json
from typing import Any

import click

from reconciler import __version__
from reconciler.plan.model import Action, FieldChange, Plan, ResourceChange
from reconciler.plan.normalize import DEFAULTS

STYLE = {
    Action.CREATE: ("+", "green", "will be created"),
    Action.UPDATE: ("~", "yellow", "will be updated in place"),
    Action.REPLACE: ("-/+", "magenta", "must be replaced"),
    Action.DELETE: ("-", "red", "will be destroyed"),
}
"""The one table of symbols, colours and verbs per action."""
LONG_TEXT = 80
FORMATS = ("text", "json", "markdown")


def summary_line(plan: Plan) -> str:
    if not plan.changes:
        return "No changes. The live state matches the manifests."
    s = plan.summary()
    line = f"Plan: {s.create} to create, {s.update} to update, {s.delete} to delete."
    return line + (f" ({s.replace} replaced)" if s.replace else "")


def unmanaged_line(plan: Plan) -> str | None:
    count = len(plan.unmanaged)
    if not count:
        return None
    things = "object is" if count == 1 else "objects are"
    return (f"{count} live {things} not managed by the reconciler and left alone; "
            "see `reconciler import`.")


# --- text ---------------------------------------------------------------------------------


def render_text(plan: Plan, *, color: bool = False) -> str:
    """Render for a terminal (coloured) or a log (plain)."""
    def paint(text: str, colour: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=colour, bold=bold) if color and (colour or bold) else text

    lines: list[str] = []
    if plan.changes:
        lines += ["reconciler will perform the following actions:", ""]
        for change in plan.changes:
            lines += _text_change(change, paint) + [""]
    for warning in plan.warnings:
        lines.append(paint("Warning: ", "yellow", bold=True) + warning)
    if plan.warnings:
        lines.append("")
    lines.append(paint(summary_line(plan), bold=True))
    if (note := unmanaged_line(plan)) is not None:
        lines.append(note)
    return "\n".join(lines)


def _text_change(change: ResourceChange, paint: Any) -> list[str]:
    symbol, colour, verb = STYLE[change.action]
    where = f" ({change.live_id})" if change.live_id else ""
    lines = [paint(f"  # {change.address} {verb}{where}", bold=True)]
    if change.reason:
        lines.append(f"  # ({change.reason})")
    lines.append(paint(f"  {symbol} {change.address}", colour))
    if change.action is Action.CREATE:
        assert change.after is not None
        for name, value in _shown_fields(change.kind, change.after).items():
            lines += _assignment("+", name, value, paint, "green")
    elif change.action is Action.DELETE:
        assert change.before is not None
        for name in ("name", "model"):
            lines += _assignment("-", name, change.before.get(name), paint, "red")
    else:
        for field in change.fields:
            lines += _text_field(field, paint)
    return lines


def _shown_fields(kind: str, after: dict[str, Any]) -> dict[str, Any]:
    """Fields worth showing on create: those not at their API default (model, name always)."""
    defaults = DEFAULTS[kind]
    return {k: v for k, v in after.items()
            if k in ("model", "name") or v != defaults.get(k)}


def _assignment(symbol: str, name: str, value: Any, paint: Any, colour: str) -> list[str]:
    prefix = paint(f"      {symbol} ", colour)
    if isinstance(value, str) and "\n" in value:
        body = [f"            {line}" for line in value.rstrip("\n").split("\n")]
        return [f"{prefix}{name} = <<-EOT", *body, "        EOT"]
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return [f"{prefix}{name} = [", *(f"            {show(item)}," for item in value),
                "        ]"]
    return [f"{prefix}{name} = {show(value)}"]


def _text_field(field: FieldChange, paint: Any) -> list[str]:
    if field.before_unknown:
        return [paint("      ~ ", "yellow") + f"{field.path}: (not returned by the API) -> "
                f"{show(field.after)}"]
    if field.op == "add":
        return _assignment("+", field.path, field.after, paint, "green")
    if field.op == "remove":
        return _assignment("-", field.path, field.before, paint, "red")
    if _is_long_text(field):
        diff = unified(str(field.before), str(field.after))
        coloured = [paint(line, "green" if line.startswith("+") else
                          "red" if line.startswith("-") else None) for line in diff]
        return [paint("      ~ ", "yellow") + f"{field.path}:",
                *(f"          {line}" for line in coloured)]
    return [paint("      ~ ", "yellow") + f"{field.path}: {show(field.before)} -> "
            f"{show(field.after)}"]


def _is_long_text(field: FieldChange) -> bool:
    texts = [v for v in (field.before, field.after) if isinstance(v, str)]
    return len(texts) == 2 and any("\n" in t or len(t) > LONG_TEXT for t in texts)


def unified(before: str, after: str) -> list[str]:
    """A unified diff of two texts, without the file headers."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
    return [line for line in lines if not line.startswith(("---", "+++"))]


def show(value: Any) -> str:
    """A value as JSON (strings quoted, null for None)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


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
    lines = [f"### reconciler plan: {summary_line(plan)}", ""]
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
    if (note := unmanaged_line(plan)) is not None:
        lines += [f"_{note}_", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_details(change: ResourceChange) -> list[str]:
    symbol, _, verb = STYLE[change.action]
    body = render_text_lines(change)
    return ["<details>", f"<summary><code>{symbol} {change.address}</code> {verb}</summary>",
            "", "```diff", *body, "```", "", "</details>", ""]


def render_text_lines(change: ResourceChange) -> list[str]:
    """A change's lines without colour, with diff markers in the first column."""
    lines = _text_change(change, lambda text, *a, **k: text)[2:]
    return [_diff_marker(line) for line in lines]


def _diff_marker(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(("+ ", "- ", "~ ")):
        marker = {"+": "+", "-": "-", "~": "!"}[stripped[0]]
        return marker + line[1:]
    return " " + line[1:] if line.startswith(" ") else line


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)
