"""The pages for people: server-rendered HTML and SVG, checked in headless Chromium."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.browser import load_page
from tests.fixtures import Stack
from tests.integration.leaderboard.conftest import Imported
from tests.integration.leaderboard.reference import Expected

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XHTML, SVG = "{http://www.w3.org/1999/xhtml}", "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    "path",
    [
        "/leaderboard",
        "/leaderboard?metric=median_t1&provider=&min_qubits=&as_of=",
        "/backends/ibm/ibm_hanoi/trend?metric=median_2q_error",
        "/backends/ibm/ibm_kyiv/trend?metric=median_t1&bucket=week",
    ],
)
async def test_pages_render_in_chromium_without_errors(lb_stack: Stack, imported: Imported, path: str) -> None:
    report = await load_page(lb_stack.base_url + path)
    assert report.status == 200
    assert report.console_errors == [] and report.failed_requests == []
    if "trend" in path:
        assert "ibm_" in report.title or report.title.startswith("ibm/")
    else:
        assert report.title.startswith("QuantumLedger leaderboard") and "ibm_hanoi" in report.text


async def test_leaderboard_page_lists_every_ranked_device(lb_stack: Stack, imported: Imported) -> None:
    async with lb_stack.client() as c:
        page = await c.get("/leaderboard", params={"metric": "median_readout_error", "min_qubits": ""})
        api = (await c.get("/api/v1/leaderboard", params={"metric": "median_readout_error"})).json()
    assert page.headers["content-type"].startswith("text/html")
    table = ET.fromstring(page.content).find(f".//{XHTML}table[@id='leaderboard']")
    assert table is not None
    rows = table.findall(f"./{XHTML}tbody/{XHTML}tr")
    assert [(r.get("data-provider"), r.get("data-backend")) for r in rows] == [
        (row["provider"], row["backend"]) for row in api["rows"]
    ]


async def test_trend_chart_has_a_point_per_snapshot(
    lb_stack: Stack, imported: Imported, expected: dict[str, Expected]
) -> None:
    async with lb_stack.client() as c:
        svg = await c.get("/backends/ibm/ibm_hanoi/trend.svg", params={"metric": "median_2q_error"})
        data = (await c.get("/api/v1/backends/ibm/ibm_hanoi/trend", params={"metric": "median_2q_error"})).json()
    assert svg.headers["content-type"].startswith("image/svg+xml")
    points = ET.fromstring(svg.content).findall(f".//{SVG}circle[@class='point']")
    assert [p.get("data-start")[:10] for p in points] == ["2021-12-09", "2024-05-27", "2025-02-12", "2025-02-26"]
    assert [b["start"][:10] for b in data["buckets"]] == [p.get("data-start")[:10] for p in points]
    latest = data["buckets"][-1]
    assert latest["n"] == 1 and latest["p10"] == latest["median"] == latest["p90"]
    assert latest["median"] == pytest.approx(expected["ibm/ibm_hanoi"].metrics["median_2q_error"], rel=1e-9)
