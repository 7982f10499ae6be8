"""Charts drawn by the server as SVG: bars and lines over weekly buckets, readable on screen and on paper.

No script and no colour is needed to read them: bar series differ by fill pattern, line
series by dash and marker, the axes carry labels and ticks, and every chart comes with
its figures as a table.

    chart = Chart("Requests handled per week", weekly_labels(buckets),
                  [Series("On time", on_time), Series("Late", late), Series("Due", due, kind="line")],
                  y_label="requests")
    figure(chart)   # <figure> with the SVG and the table, ready for a template
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from markupsafe import Markup, escape

BAR_FILLS = ("#1c4f8f", "#b35c00", "#4b5257", "#0f6b32")
LINE_STROKES = ("#1a1a1a", "#a4161a", "#5a2a82")
LINE_DASHES = ("", "6 4", "2 3")
MARKERS = ("circle", "square", "diamond")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    kind: Literal["bar", "line"] = "bar"


@dataclass(frozen=True)
class Chart:
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    y_label: str = ""

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.label!r} has {len(series.values)} values for {len(self.categories)} categories"
                )


def week_start(day: date | datetime) -> date:
    """The Monday of the ISO week that `day` falls in."""
    plain = day.date() if isinstance(day, datetime) else day
    return plain - timedelta(days=plain.weekday())


def weekly_buckets(moments: Iterable[date | datetime], *, weeks: int, ending: date) -> list[tuple[date, int]]:
    """Counts per week for the `weeks` weeks up to the week of `ending`, oldest first; an empty week counts 0."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    last = week_start(ending)
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    counts = dict.fromkeys(starts, 0)
    for moment in moments:
        start = week_start(moment)
        if start in counts:
            counts[start] += 1
    return [(start, counts[start]) for start in starts]


def week_label(start: date) -> str:
    return start.strftime("%d %b").lstrip("0")


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least `maximum`: steps of 1, 2 or 5 times a power of ten."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step) * step
    return [round(i * step, 10) for i in range(round(top / step) + 1)]


def _text(x: float, y: float, content: object, *, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text class="chart-label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" '
        f'fill="#1a1a1a"{extra}>{escape(content)}</text>'
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        d = f"M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 5:.1f} {y:.1f}Z"
        return f'<path d="{d}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _patterns(prefix: str) -> str:
    """Fills that stay distinct in black and white: solid, hatched, cross-hatched, dotted."""
    a, b, c, d = BAR_FILLS
    white = '<rect width="6" height="6" fill="#ffffff"/>'
    return (
        f'<pattern id="{prefix}-p0" width="4" height="4" patternUnits="userSpaceOnUse">'
        f'<rect width="4" height="4" fill="{a}"/></pattern>'
        f'<pattern id="{prefix}-p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'{white}<rect width="3" height="6" fill="{b}"/></pattern>'
        f'<pattern id="{prefix}-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'{white}<path d="M0 0L6 6M6 0L0 6" stroke="{c}" stroke-width="1.5"/></pattern>'
        f'<pattern id="{prefix}-p3" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'{white}<circle cx="3" cy="3" r="1.5" fill="{d}"/></pattern>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, *, css: str, dash: str = "") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line class="{css}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#1a1a1a"{dashed}/>'


def svg(chart: Chart, *, width: int = 640, height: int = 300) -> Markup:
    """The chart as an inline SVG with a title and description for screen readers."""
    prefix = "c" + hashlib.sha256(repr(chart).encode()).hexdigest()[:8]
    bars = [s for s in chart.series if s.kind == "bar"]
    lines = [s for s in chart.series if s.kind == "line"]
    left, right, top, bottom = 56, 16, 16 + 22 * math.ceil(len(chart.series) / 3), 48
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    peak = max((v for s in chart.series for v in s.values), default=0)
    ticks = nice_ticks(peak)
    y_max = ticks[-1] or 1

    def y_of(value: float) -> float:
        return base - (value / y_max) * plot_h

    n = max(1, len(chart.categories))
    slot = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{prefix}-t {prefix}-d" class="chart-svg">',
        f'<title id="{prefix}-t">{escape(chart.title)}</title>',
        f'<desc id="{prefix}-d">{escape(_description(chart))}</desc>',
        f"<defs>{_patterns(prefix)}</defs>",
    ]
    for tick in ticks:
        parts.append(_line(left, y_of(tick), left + plot_w, y_of(tick), css="chart-grid", dash="2 3"))
        parts.append(_text(left - 6, y_of(tick) + 4, _number(tick), anchor="end"))
    if chart.y_label:
        turn = f' transform="rotate(-90 14 {top + plot_h / 2:.1f})"'
        parts.append(_text(14, top + plot_h / 2, chart.y_label, anchor="middle", extra=turn))
    every = max(1, math.ceil(n / 12))  # at most twelve labels under the axis; the table has them all
    group_w = slot * 0.7
    bar_w = group_w / max(1, len(bars))
    for i, category in enumerate(chart.categories):
        x0 = left + i * slot + (slot - group_w) / 2
        for j, series in enumerate(bars):
            value, y = series.values[i], y_of(series.values[i])
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{y:.1f}" width="{max(1.0, bar_w - 1):.1f}" '
                f'height="{base - y:.1f}" fill="url(#{prefix}-p{j % 4})" stroke="#1a1a1a" stroke-width="0.75">'
                f"<title>{escape(series.label)}, {escape(category)}: {_number(value)}</title></rect>"
            )
        if i % every == 0:
            parts.append(_text(left + i * slot + slot / 2, base + 18, category, anchor="middle"))
    for k, series in enumerate(lines):
        colour, dash, marker = LINE_STROKES[k % 3], LINE_DASHES[k % 3], MARKERS[k % 3]
        points = [(left + i * slot + slot / 2, y_of(v)) for i, v in enumerate(series.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>')
        parts.extend(_marker(marker, x, y, colour) for x, y in points)
    parts.append(_line(left, base, left + plot_w, base, css="chart-axis"))
    parts.append(_line(left, top, left, base, css="chart-axis"))
    parts.append(_legend(chart, prefix, left, width))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value placed in it is escaped or a number


def _legend(chart: Chart, prefix: str, left: int, width: int) -> str:
    items, bar_index, line_index = [], 0, 0
    column_w = (width - left) / 3
    for index, series in enumerate(chart.series):
        x, y = left + (index % 3) * column_w, 14 + 22 * (index // 3)
        if series.kind == "bar":
            swatch = (
                f'<rect x="{x:.1f}" y="{y - 10}" width="14" height="12" fill="url(#{prefix}-p{bar_index % 4})" '
                'stroke="#1a1a1a" stroke-width="0.75"/>'
            )
            bar_index += 1
        else:
            colour, dash = LINE_STROKES[line_index % 3], LINE_DASHES[line_index % 3]
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            swatch = (
                f'<line x1="{x:.1f}" x2="{x + 14:.1f}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                f'stroke-width="2"{dashed}/>'
            )
            swatch += _marker(MARKERS[line_index % 3], x + 7, y - 4, colour)
            line_index += 1
        items.append(swatch + _text(x + 20, y, series.label))
    return "".join(items)


def _description(chart: Chart) -> str:
    totals = ", ".join(f"{s.label}: {_number(sum(s.values))} in total" for s in chart.series)
    span = f"from {chart.categories[0]} to {chart.categories[-1]}" if chart.categories else "with no data"
    return f"{chart.title}, {span}. {totals}. The figures are in the table that follows."


def table(chart: Chart) -> Markup:
    """The chart's figures as an accessible table, one row per category."""
    head = "".join(f'<th scope="col">{escape(s.label)}</th>' for s in chart.series)
    rows = []
    for i, category in enumerate(chart.categories):
        cells = "".join(f'<td class="number">{_number(s.values[i])}</td>' for s in chart.series)
        rows.append(f'<tr><th scope="row">{escape(category)}</th>{cells}</tr>')
    return Markup(  # noqa: S704 - every value placed in it is escaped or a number
        f'<table class="chart-table"><caption>{escape(chart.title)}</caption>'
        f'<thead><tr><th scope="col">{escape(chart.y_label or "Period")}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def figure(chart: Chart) -> Markup:
    """The SVG and, beneath it, the same figures as a table (folded away on screen, a fallback everywhere)."""
    return Markup(  # noqa: S704 - every value placed in it is escaped or a number
        f'<figure class="chart"><figcaption>{escape(chart.title)}</figcaption>{svg(chart)}'
        "<details><summary>The figures as a table</summary>"
        f'<div class="table-wrap">{table(chart)}</div></details></figure>'
    )
