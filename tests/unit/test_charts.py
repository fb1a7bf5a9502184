"""The charts, read back from the SVG their macros draw: bar lengths, the shading of a holiday
week, a gap for a week with no school days, blank cells for questions not yet asked, and the
title, summary and table that say the same in words."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bot.web.charts import bar_chart, bullet, heatmap, line_chart, recall_shade
from bot.web.templating import templates

SVG = "{http://www.w3.org/2000/svg}"


def draw(macro: str, *args: object, **kwargs: object) -> str:
    module = templates.env.get_template("_charts.html").module
    return str(getattr(module, macro)(*args, **kwargs))


def svg_of(html: str) -> ET.Element:
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found, "no svg drawn"
    return ET.fromstring(found.group(0))  # well-formed XML, or this raises


def test_a_line_shades_the_holiday_leaves_a_gap_and_says_it_in_words() -> None:
    weeks = [("3 Nov", 80.0), ("10 Nov", 100.0), ("17 Nov", None), ("24 Nov", 50.0)]
    chart = line_chart(weeks, {2: ("holiday", "Half term")})
    html = draw("line_chart", chart, "team-weeks", "Completion by week", "Done most weeks.")
    svg = svg_of(html)

    assert svg.find(f"{SVG}title").text == "Completion by week"
    assert svg.find(f"{SVG}desc").text == "Done most weeks."
    assert svg.get("aria-labelledby") == "team-weeks-title team-weeks-desc"
    bands = svg.findall(f"{SVG}rect[@data-band]")
    assert [b.get("data-band") for b in bands] == ["holiday"]
    points = svg.findall(f"{SVG}circle")
    assert [float(p.get("data-value")) for p in points] == [80.0, 100.0, 50.0]
    # The holiday band sits over the third week, where no point is drawn.
    band_x, band_w = float(bands[0].get("x")), float(bands[0].get("width"))
    assert band_x < chart.points[2].x < band_x + band_w
    # The line breaks at the gap: two pieces, not a line drawn through the holiday.
    paths = svg.findall(f"{SVG}path")
    assert len(paths) == 2 and paths[0].get("d").count("L") == 1
    # 100% is at the top of the plot, 50% halfway down, 0% at the bottom.
    top, bottom = chart.ticks[2].y, chart.ticks[0].y
    assert float(points[1].get("cy")) == pytest.approx(top, abs=0.1)
    assert float(points[2].get("cy")) == pytest.approx((top + bottom) / 2, abs=0.1)
    # The table says the same figures, and why the third week is blank.
    assert '<th scope="row">17 Nov</th><td>–</td><td>Half term</td>' in html
    assert '<th scope="row">10 Nov</th><td>100%</td><td></td>' in html
    assert "Done most weeks." in html.split("</svg>")[1]  # the caption


def test_a_line_with_nothing_to_show_says_so_instead_of_drawing_zero() -> None:
    chart = line_chart([("3 Nov", None), ("10 Nov", None)])
    html = draw("line_chart", chart, "empty", "Completion", "", empty="No quiz days yet.")
    assert "<svg" not in html and "No quiz days yet." in html


def test_a_heatmap_leaves_not_yet_asked_blank_rather_than_zero() -> None:
    chart = heatmap(
        ["Ann Able", "Bo Bell"],
        ["Autism", "Dyslexia"],
        {(0, 0): 92.0, (0, 1): 35.0, (1, 0): None, (1, 1): 0.0},
    )
    html = draw("heatmap", chart, "recall", "Recall by topic", "Dyslexia is slipping.")
    cells = {
        (int(c.get("data-row")), int(c.get("data-column"))): c
        for c in svg_of(html).findall(f"{SVG}rect")
    }
    assert cells[(0, 0)].get("fill") == recall_shade(92.0) == "#1a7f37"
    assert cells[(0, 1)].get("fill") == recall_shade(35.0)
    assert cells[(1, 0)].get("fill") is None and "cell-blank" in cells[(1, 0)].get("class")
    assert cells[(1, 0)].find(f"{SVG}title").text == "Bo Bell, Autism: not yet asked"
    assert cells[(1, 1)].get("fill") == recall_shade(0.0)  # zero is a colour, not a blank
    assert '<th scope="row">Bo Bell</th><td>not yet</td><td>0%</td>' in html


def test_a_bullet_runs_to_the_value_and_marks_the_target() -> None:
    chart = bullet(45.0, 90.0)
    svg = svg_of(draw("bullet", chart, "t1", "Answered", "45% answered; the target is 90%."))
    track = svg.find(f"{SVG}rect[@class='bullet-track']")
    bar = svg.find(f"{SVG}rect[@class='bullet-bar']")
    mark = svg.find(f"{SVG}line[@class='bullet-target']")
    assert float(bar.get("width")) == pytest.approx(float(track.get("width")) * 0.45, abs=0.1)
    assert float(mark.get("x1")) == pytest.approx(1 + float(track.get("width")) * 0.9, abs=0.1)
    nothing = svg_of(draw("bullet", bullet(None, 90.0), "t2", "Answered", "Nothing yet."))
    assert nothing.find(f"{SVG}rect[@class='bullet-bar']") is None


def test_bars_are_as_long_as_their_share() -> None:
    chart = bar_chart([("Autism", 80.0), ("Dyslexia", 40.0), ("Hearing", None)])
    svg = svg_of(draw("bar_chart", chart, "topics", "Recall", "Dyslexia is lowest."))
    bars = svg.findall(f"{SVG}rect[@class='bar']")
    assert float(bars[0].get("width")) == pytest.approx(2 * float(bars[1].get("width")))
    assert float(bars[2].get("width")) == 0.0
    assert [t.text for t in svg.findall(f"{SVG}text")][-1] == "–"
