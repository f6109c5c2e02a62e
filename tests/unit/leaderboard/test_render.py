"""The HTML page and the SVG chart, parsed as XML for structure."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from qlcore.corpus.methodology import METRICS

from services.leaderboard.domain import leaderboard, trend
from services.leaderboard.domain.render import (
    format_value,
    render_leaderboard_html,
    render_trend_html,
    render_trend_svg,
)
from tests.unit.leaderboard.factories import make_obs

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"

OBS = [
    make_obs("ibm", "ibm_kyiv", "2025-02-26T16:02:56Z", qubits=127, median_2q_error=0.0115),
    make_obs("quantinuum", "H2-1", "2025-04-30T00:00:00Z", qubits=56, median_2q_error=0.00105),
    make_obs("evil", "<b>&x", "2024-01-01T00:00:00Z", stand_in=True, median_2q_error=0.05),
    make_obs("ionq", "aria-1", "2024-01-01T00:00:00Z", median_2q_error=None),
]
SNAPSHOTS = [
    make_obs("ibm", "ibm_hanoi", t, median_2q_error=v)
    for t, v in [
        ("2021-12-09T19:06:00Z", 0.0073),
        ("2024-05-27T17:02:10Z", 0.0074),
        ("2025-02-12T17:26:36Z", 0.0073),
        ("2025-02-26T20:13:14Z", 0.0063),
        ("2025-02-27T20:13:14Z", 0.0069),
    ]
]


def test_leaderboard_page_structure() -> None:
    html = render_leaderboard_html(leaderboard(OBS, "median_2q_error"))
    root = ET.fromstring(html)
    table = root.find(f".//{XHTML}table[@id='leaderboard']")
    assert table is not None and table.get("data-direction") == "lower"
    rows = table.findall(f"./{XHTML}tbody/{XHTML}tr")
    assert [r.get("data-backend") for r in rows] == ["H2-1", "ibm_kyiv", "<b>&x"]
    cells = [c.text for c in rows[0].findall(f"{XHTML}td")]
    assert cells[0] == "1" and cells[3] == "0.105 %" and cells[4] == "56"
    link = rows[1].find(f".//{XHTML}a")
    assert link is not None and link.get("href") == "/backends/ibm/ibm_kyiv/trend?metric=median_2q_error"
    evil = rows[2].find(f".//{XHTML}a")
    assert evil is not None and evil.text == "<b>&x"  # escaped, not markup
    assert "stand-in" in (rows[2].findall(f"{XHTML}td")[5].get("class") or "")
    site = root.find(f".//{XHTML}nav[@aria-label='Site']")
    assert site is not None and [a.get("href") for a in site] == ["/", "/leaderboard", "/docs"]
    assert [a.get("aria-current") for a in site] == [None, "page", None]
    tabs = root.findall(f".//{XHTML}nav[@aria-label='Metrics']/{XHTML}a")
    assert len(tabs) == len(METRICS) and [a.get("class") for a in tabs].count("current") == 1
    assert root.find(f".//{XHTML}code[@id='methodology']").text.startswith("ql-leaderboard/")
    left_out = root.find(f".//{XHTML}p[@id='left-out']")
    assert left_out is not None and "ionq/aria-1" in left_out.text


def test_trend_svg_structure() -> None:
    buckets = trend(SNAPSHOTS, "median_2q_error", bucket="week")
    assert [b.n for b in buckets] == [1, 1, 1, 2]
    svg = ET.fromstring(render_trend_svg(buckets, "median_2q_error", title="ibm/ibm_hanoi"))
    assert svg.tag == f"{SVG}svg"
    width, height = float(svg.get("width")), float(svg.get("height"))
    assert svg.find(f"{SVG}title").text == "ibm/ibm_hanoi"
    points = [tuple(map(float, p.split(","))) for p in svg.find(f"{SVG}polyline").get("points").split()]
    assert len(points) == len(buckets)
    xs = [x for x, _ in points]
    assert xs == sorted(xs) and all(0 <= x <= width for x in xs)
    assert all(0 <= y <= height for _, y in points)
    # Lower median -> larger y (further down): the 2025-02-24 week has the lowest median.
    lowest = min(range(len(buckets)), key=lambda i: buckets[i].median)
    assert points[lowest][1] == max(y for _, y in points)
    assert len(svg.find(f"{SVG}polygon").get("points").split()) == 2 * len(buckets)
    circles = svg.findall(f"{SVG}circle")
    assert [int(c.get("data-n")) for c in circles] == [b.n for b in buckets]
    assert circles[-1].find(f"{SVG}title").text.startswith("2025-02-24")
    ticks = svg.findall(f"{SVG}text[@class='x-tick']")
    assert ticks[0].text == "2021-12-06" and ticks[-1].text == "2025-02-24"
    assert len({t.text for t in ticks}) == len(ticks) == 4
    # opened on its own (trend.svg), it carries its own style: band, line, points, axes, texts
    style = svg.find(f"{SVG}style")
    assert style is not None
    for rule in (".band{", ".median{", ".point{", ".axis{", ".grid{", "text{"):
        assert rule in (style.text or ""), rule
    assert "fill:none" in (style.text or "")  # the median line is a line, not a filled black shape


def test_trend_svg_single_and_empty() -> None:
    one = trend(SNAPSHOTS[:1], "median_2q_error")
    svg = ET.fromstring(render_trend_svg(one, "median_2q_error"))
    assert len(svg.findall(f"{SVG}circle")) == 1
    empty = ET.fromstring(render_trend_svg([], "median_t1"))
    assert empty.find(f"{SVG}text").text == "No data"
    assert empty.find(f"{SVG}polyline") is None
    assert empty.find(f"{SVG}style") is not None


def test_trend_page_embeds_svg_and_table() -> None:
    buckets = trend(SNAPSHOTS, "median_2q_error", bucket="day")
    root = ET.fromstring(render_trend_html("ibm", "ibm_hanoi", "median_2q_error", buckets))
    assert root.find(f".//{SVG}svg") is not None
    rows = root.findall(f".//{XHTML}table[@id='trend']/{XHTML}tbody/{XHTML}tr")
    assert len(rows) == len(buckets) == 5


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [("median_2q_error", 0.0115, "1.15 %"), ("median_t1", 287.1, "287.1 µs"), ("num_qubits", 127, "127")],
)
def test_format_value(metric: str, value: float, text: str) -> None:
    assert format_value(value, METRICS[metric]) == text
    assert format_value(None, METRICS[metric]) == "—"
