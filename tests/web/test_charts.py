"""Server-drawn charts: weekly buckets, axis ticks, SVG that reads without colour, and its table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from omniwise.web.charts import Chart, Series, figure, nice_ticks, svg, table, week_label, week_start, weekly_buckets

SVG = "{http://www.w3.org/2000/svg}"


def test_weeks_start_on_monday_and_empty_weeks_count_zero() -> None:
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)  # a Sunday belongs to the week before
    assert week_start(datetime(2026, 11, 23, 0, 0, tzinfo=UTC)) == date(2026, 11, 23)
    moments = [date(2026, 11, 2), date(2026, 11, 3), datetime(2026, 11, 20, 23, 59, tzinfo=UTC), date(2026, 10, 1)]
    buckets = weekly_buckets(moments, weeks=4, ending=date(2026, 11, 25))
    assert buckets == [
        (date(2026, 11, 2), 2),
        (date(2026, 11, 9), 0),
        (date(2026, 11, 16), 1),
        (date(2026, 11, 23), 0),
    ]
    assert week_label(date(2026, 11, 2)) == "2 Nov"
    with pytest.raises(ValueError, match="weeks"):
        weekly_buckets([], weeks=0, ending=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, [0.0, 1.0]),
        (3, [0.0, 1.0, 2.0, 3.0]),
        (7, [0.0, 2.0, 4.0, 6.0, 8.0]),
        (42, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]),
        (0.3, [0.0, 0.1, 0.2, 0.3]),
        (1000, [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]),
    ],
)
def test_ticks_are_round_and_cover_the_peak(peak: float, ticks: list[float]) -> None:
    assert nice_ticks(peak) == ticks


def _chart() -> Chart:
    return Chart(
        "Requests <handled> per week",
        ["2 Nov", "9 Nov", "16 Nov"],
        [Series("On time", [4, 6, 2]), Series("Late", [1, 0, 3]), Series("Due", [5, 6, 5], kind="line")],
        y_label="requests",
    )


def test_svg_is_well_formed_labelled_and_readable_without_colour() -> None:
    drawn = str(svg(_chart()))
    root = ET.fromstring(drawn)  # noqa: S314 - our own output, parsed to check it
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Requests <handled> per week"  # escaped in the markup, intact when read
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "On time: 12 in total" in (desc.text or "")
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 6
    fills = {bar.get("fill") for bar in bars}
    assert len(fills) == 2  # one pattern per bar series
    assert all(fill and fill.startswith("url(#") for fill in fills)
    heights = [float(bar.get("height", "0")) for bar in bars]
    assert heights[0] > heights[1]  # 4 on time against 1 late in the first week
    assert [t.text for t in root.iter(f"{SVG}text") if t.text in ("2 Nov", "9 Nov", "16 Nov")] == [
        "2 Nov",
        "9 Nov",
        "16 Nov",
    ]
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    assert "requests" in [t.text for t in root.iter(f"{SVG}text")]


def test_many_weeks_keep_the_axis_readable() -> None:
    labels = [f"w{i}" for i in range(52)]
    drawn = str(svg(Chart("A year", labels, [Series("Runs", list(range(52)))])))
    shown = re.findall(r">(w\d+)</text>", drawn)
    assert 0 < len(shown) <= 13
    assert shown[0] == "w0"


def test_table_holds_every_figure_and_the_figure_holds_both() -> None:
    rows = re.findall(r"<tr>(.*?)</tr>", str(table(_chart())))
    assert len(rows) == 4
    assert (
        '<th scope="row">9 Nov</th><td class="number">6</td><td class="number">0</td><td class="number">6</td>'
        in rows[2]
    )
    whole = str(figure(_chart()))
    assert whole.startswith('<figure class="chart"><figcaption>Requests &lt;handled&gt; per week</figcaption><svg')
    assert "<details><summary>The figures as a table</summary>" in whole


def test_series_must_fit_the_categories() -> None:
    with pytest.raises(ValueError, match="has 2 values for 3 categories"):
        Chart("x", ["a", "b", "c"], [Series("s", [1, 2])])
