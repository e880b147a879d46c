"""Charts drawn on the server as SVG: no script, no network, the same numbers as the tables.

Every text in a chart (an agent's name comes from a manifest or the API) is escaped; colours
come from CSS classes (`series-0`, `series-1`), so the stylesheet decides them and no
`style` attribute is needed (the Content-Security-Policy allows none). Each bar carries a
`<title>` with its exact value, and each chart a title and description for screen readers;
the table beside it holds the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LABEL_CHARS = 28
"""Longer bar labels are cut (the full text stays in the bar's title and the table)."""


@dataclass(frozen=True)
class Series:
    """One series of values, one per label, and its legend."""

    name: str
    values: Sequence[float]


TICKS = 4
"""Grid lines above the baseline."""


def nice_step(value: float, *, whole: bool) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above `value` (a whole number when
    `whole`: counts have no fractional ticks)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    steps = (m * power for m in (1, 2, 2.5, 5, 10))
    found = next(s for s in steps if s >= value and (not whole or s == int(s)))
    return max(float(found), 1.0) if whole else float(found)


def columns(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
            unit: Callable[[float], str] = lambda v: f"{v:,.0f}", width: int = 720,
            height: int = 240) -> Markup:
    """Stacked columns, one per label (a day), with a y axis, a legend and titles."""
    left, right, top, bottom = 64, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    whole = all(float(v).is_integer() for s in series for v in s.values)
    ceiling = TICKS * nice_step(max(totals, default=0) / TICKS, whole=whole)
    step = plot_w / max(len(labels), 1)
    parts = [_open(chart_id, title, width, height,
                   f"{len(labels)} columns; highest {unit(max(totals, default=0))}")]
    parts += _y_axis(left, top, plot_w, plot_h, ceiling, unit)
    parts += _legend(series, left, 16)
    every = max(1, math.ceil(len(labels) / 8))
    for i, label in enumerate(labels):
        x = left + i * step
        base = float(top + plot_h)
        for index, one in enumerate(series):
            value = one.values[i]
            if value <= 0:
                continue
            h = plot_h * value / ceiling
            base -= h
            parts.append(
                f'<rect class="bar series-{index}" x="{x + step * 0.15:.1f}" y="{base:.1f}" '
                f'width="{max(step * 0.7, 1):.1f}" height="{h:.1f}">'
                f"<title>{escape(label)}: {escape(one.name)} {escape(unit(value))}</title>"
                "</rect>")
        if i % every == 0:
            parts.append(f'<text class="axis" x="{x + step / 2:.1f}" y="{height - 14}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], *,
         unit: Callable[[float], str] = lambda v: f"{v:,.0f}", width: int = 720) -> Markup:
    """Horizontal bars, one per label (an agent), the value written after each."""
    row, left, right, top = 26, 200, 90, 10
    height = top * 2 + row * max(len(labels), 1)
    plot_w = width - left - right
    ceiling = max(max(values, default=0), 0) or 1.0
    parts = [_open(chart_id, title, width, height,
                   f"{len(labels)} bars; highest {unit(max(values, default=0))}")]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        shown = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
        w = plot_w * max(value, 0) / ceiling
        parts.append(f'<text class="label" x="{left - 8}" y="{y + row * 0.65:.1f}" '
                     f'text-anchor="end">{escape(shown)}</text>')
        parts.append(f'<rect class="bar series-0" x="{left}" y="{y + 4}" width="{w:.1f}" '
                     f'height="{row - 8}"><title>{escape(label)}: {escape(unit(value))}'
                     "</title></rect>")
        parts.append(f'<text class="value" x="{left + w + 6:.1f}" y="{y + row * 0.65:.1f}">'
                     f"{escape(unit(value))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(chart_id: str, title: str, width: int, height: int, description: str) -> str:
    chart = escape(chart_id)
    return (f'<svg class="chart" id="{chart}" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-labelledby="{chart}-title {chart}-desc" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{chart}-title">{escape(title)}'
            f'</title><desc id="{chart}-desc">{escape(description)}</desc>')


def _y_axis(left: int, top: int, plot_w: float, plot_h: float, ceiling: float,
            unit: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in range(TICKS + 1):
        value = ceiling * tick / TICKS
        y = top + plot_h - plot_h * tick / TICKS
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w:.1f}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(unit(value))}</text>")
    return parts


def _legend(series: Sequence[Series], left: int, y: int) -> list[str]:
    if len(series) < 2:
        return []
    parts = []
    x = left
    for index, one in enumerate(series):
        parts.append(f'<rect class="series-{index}" x="{x}" y="{y - 9}" width="10" '
                     'height="10"/>')
        parts.append(f'<text class="legend" x="{x + 14}" y="{y}">{escape(one.name)}</text>')
        x += 24 + 8 * len(one.name)
    return parts
