"""Render a usage report: a table (per agent, model or day), CSV, or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from reconciler.escape import escape_workflow_commands
from reconciler.render.formats import Format
from reconciler.usage import AgentUsage, Report, Totals

FORMATS: Sequence[str] = (Format.TABLE.value, Format.CSV.value, Format.JSON.value)
FORMAT_VERSION = "1.0"


def rows(report: Report, by: str) -> list[dict[str, Any]]:
    """The table's rows, grouped `by` agent, model or day (values, not text)."""
    if by == "agent":
        return [{"agent": a.agent.address, "file": a.agent.file, "model": a.agent.model,
                 **a.totals.as_dict()} for a in report.agents]
    if by == "model":
        return [{"model": model, **t.as_dict()} for model, t in report.by_model.items()]
    return [{"day": day.isoformat(), **t.as_dict()} for day, t in _every_day(report).items()]


def unused_rows(unused: Sequence[AgentUsage]) -> list[dict[str, Any]]:
    return [{"agent": a.agent.address, "id": a.agent.id, "model": a.agent.model,
             "file": a.agent.file, "status": a.agent.status} for a in unused]


def render(report: Report, by: str, fmt: str) -> str:
    table = rows(report, by)
    if fmt == "json":
        return json.dumps(_document(report), indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(table)
    return escape_workflow_commands(_text(report, table, by))


def render_unused(report: Report, fmt: str) -> str:
    table = unused_rows(report.unused())
    if fmt == "json":
        return json.dumps({"format_version": FORMAT_VERSION, **_window(report),
                           "unused": table}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(table, ["agent", "id", "model", "file", "status"])
    lines = _columns(table, ["agent", "model", "file", "status"])
    span = _span(report.until - report.since)
    if table:
        lines.append("")
        lines.append(f"{len(table)} of {len(report.agents)} managed agents had no session in "
                     f"the last {span}. To remove one, delete its manifest (the file above, or "
                     "its document in it) in a pull request; apply then deletes the agent. "
                     "This command deletes nothing.")
    else:
        lines = [f"The managed agent had a session in the last {span}."
                 if len(report.agents) == 1 else
                 f"Every one of the {len(report.agents)} managed agents had a session in the "
                 f"last {span}." if report.agents else "No agent is managed here."]
    return escape_workflow_commands("\n".join(lines))


# --- text -------------------------------------------------------------------------------

HEADERS = {"sessions": "SESSIONS", "failed": "FAILED", "failure_share": "FAILED %",
           "input_tokens": "TOKENS IN", "output_tokens": "TOKENS OUT",
           "estimated_cost": "EST. COST", "last_active_at": "LAST ACTIVE"}
NUMERIC = {"sessions", "failed", "failure_share", "input_tokens", "output_tokens",
           "estimated_cost"}


def _text(report: Report, table: list[dict[str, Any]], by: str) -> str:
    keys = {"agent": ["agent", "model", "sessions", "failure_share", "input_tokens",
                      "output_tokens", "estimated_cost", "last_active_at", "file"],
            "model": ["model", "sessions", "failure_share", "input_tokens", "output_tokens",
                      "estimated_cost"],
            "day": ["day", "sessions", "failure_share", "input_tokens", "output_tokens",
                    "estimated_cost"]}[by]
    lines = [f"Usage from {when(report.since)} to {when(report.until)} (sessions by the "
             f"day they started), {_agents(len(report.agents))}", ""]
    lines += _columns(table, keys, currency=report.currency)
    total = report.total
    lines += ["", f"Total: {total.sessions:,} sessions, {_share(total)} failed, "
                  f"{total.input_tokens:,} tokens in, {total.output_tokens:,} out, estimated "
                  f"cost {cost(total.cost, report.currency) or 'unknown'}"
                  " (catalog prices; blank where the catalog has no price for a model)."]
    if report.organization is not None:
        lines += ["", *_organization(report)]
    return "\n".join(lines)


def _columns(table: list[dict[str, Any]], keys: list[str], *, currency: str = "USD"
             ) -> list[str]:
    shown = [[_cell(k, row[k], currency) for k in keys] for row in table]
    titles = [HEADERS.get(k, k.upper()) for k in keys]
    widths = [max([len(t)] + [len(r[i]) for r in shown]) for i, t in enumerate(titles)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if keys[i] in NUMERIC else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(titles), *(line(r) for r in shown)]


def _cell(key: str, value: Any, currency: str) -> str:
    if value is None:
        return "-" if key == "last_active_at" else ""
    if key == "failure_share":
        return f"{value * 100:.1f}"
    if key == "estimated_cost":
        return cost(value, currency) or ""
    if key == "last_active_at":
        return str(value).replace("T", " ")[:16]
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _organization(report: Report) -> list[str]:
    org = report.organization
    assert org is not None
    if org.unreachable:
        return [f"Organization usage: not shown: {org.unreachable}"]
    lines = ["Organization usage (Usage API, every caller of the organization, same window):"]
    for model, (tokens_in, tokens_out, requests) in org.tokens_by_model.items():
        lines.append(f"  {model}: {tokens_in:,} tokens in, {tokens_out:,} out, "
                     f"{requests:,} model requests")
    for project, value in org.cost_by_project.items():
        lines.append(f"  cost of {project}: {value:,.2f} {org.currency.upper()}")
    if len(lines) == 1:
        lines.append("  nothing in this window")
    return lines


def _agents(count: int) -> str:
    return "1 managed agent" if count == 1 else f"{count:,} managed agents"


def _span(window: dt.timedelta) -> str:
    days, hours = window.days, window.seconds // 3600
    if hours or not days:
        hours += days * 24
        return "hour" if hours == 1 else f"{hours} hours"
    return "day" if days == 1 else f"{days} days"


def _share(totals: Totals) -> str:
    share = totals.failure_share
    return f"{share * 100:.1f}%" if share is not None else "0%"


def cost(value: float | None, currency: str) -> str | None:
    """An estimated cost (`~$1.25`; None when unknown)."""
    if value is None:
        return None
    symbol = "$" if currency.upper() == "USD" else ""
    suffix = "" if symbol else f" {currency}"
    return f"~{symbol}{value:,.2f}{suffix}" if value >= 0.01 or value == 0 else (
        f"~{symbol}{value:.4f}{suffix}")


def when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _every_day(report: Report) -> dict[dt.date, Totals]:
    """Every day of the window, a day without sessions too (a chart needs its gaps)."""
    day, last = report.since.date(), (report.until - dt.timedelta(microseconds=1)).date()
    days: dict[dt.date, Totals] = {}
    while day <= last:
        days[day] = report.by_day.get(day, Totals())
        day += dt.timedelta(days=1)
    return days


# --- csv and json -----------------------------------------------------------------------


def _csv(table: list[dict[str, Any]], fields: list[str] | None = None) -> str:
    out = io.StringIO()
    names = fields or (list(table[0]) if table else ["sessions"])
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def _window(report: Report) -> dict[str, Any]:
    return {"since": _stamp(report.since), "until": _stamp(report.until)}


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _document(report: Report) -> dict[str, Any]:
    org = report.organization
    return {
        "format_version": FORMAT_VERSION, **_window(report), "currency": report.currency,
        "cost_is_estimate": True, "requests": report.requests,
        "total": report.total.as_dict(),
        "agents": rows(report, "agent"), "models": rows(report, "model"),
        "days": rows(report, "day"),
        "organization": None if org is None else {
            "unreachable": org.unreachable,
            "tokens_by_model": {m: {"input_tokens": i, "output_tokens": o, "requests": r}
                                for m, (i, o, r) in org.tokens_by_model.items()},
            "cost_by_project": org.cost_by_project, "currency": org.currency},
    }
