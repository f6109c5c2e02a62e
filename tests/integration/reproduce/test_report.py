"""GET /runs/{id}/report: the JSON checked against the documents themselves, and the page in a
real headless Chromium (no console error, the SVG histogram drawn, the card's badges loaded)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import async_playwright

from tests.browser import FLAGS, chromium_path
from tests.fixtures import Stack, Tenant
from tests.integration.reproduce.helpers import ghz, ingest, reproduce

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def reported(stack: Stack) -> dict[str, Any]:
    """A GHZ-3 run with a Result Card and two reproductions (days 0, and 90 on a bad day)."""
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=12)))["run_id"]
        await stack.wait_caught_up("card")
        card = await c.post(f"/api/v1/runs/{run_id}/card/publish", json={"authors": [{"name": "Ada Lovelace"}]})
        assert card.status_code in (200, 201), card.text
        outs = [(await reproduce(c, run_id, d, p, seed=3)).json() for d, p in ((0, "typical"), (90, "bad_day"))]
        await stack.wait_caught_up("reproduce")
        await stack.wait_caught_up("provenance")
        original = (await c.get(f"/api/v1/runs/{run_id}")).json()
        copies = [(await c.get(f"/api/v1/runs/{o['reproduced_run_id']}")).json() for o in outs]
    return {
        "tenant": t,
        "run_id": run_id,
        "slug": card.json()["slug"],
        "outs": outs,
        "original": original,
        "copies": copies,
    }


async def test_report_json_matches_the_documents(stack: Stack, reported: dict[str, Any]) -> None:
    t: Tenant = reported["tenant"]
    run_id, original, copies, outs = reported["run_id"], reported["original"], reported["copies"], reported["outs"]
    async with stack.client(t) as c:
        r = await c.get(f"/api/v1/runs/{run_id}/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), r.text
    report = r.json()
    assert report["run_hash"] == original["run_hash"] and report["hash_verified"] is True
    used = copies[0]["reproduction"]["physical_qubits"]
    cal = report["calibration"]
    assert cal["physical_qubits"] == sorted(used) and len(used) == 3
    recorded = {q["qubit"]: q for q in original["calibration"]["qubits"]}
    for row in cal["qubits"]:
        assert (row["t1_us"], row["t2_us"], row["readout_error"]) == tuple(
            recorded[row["qubit"]][k] for k in ("t1_us", "t2_us", "readout_error")
        )
    pairs = {frozenset(g["qubits"]) for g in cal["couplers"]}
    assert len(pairs) >= 2 and all(p <= set(used) for p in pairs)  # a GHZ-3 chain: two couplers
    assert cal["device"]["qubits"] == 127
    series = report["histogram"]
    assert [s["counts"] for s in series] == [original["results"]["counts"], *(d["results"]["counts"] for d in copies)]
    assert [(j["job_id"], j["verdict"], j["hellinger_fidelity"]) for j in report["reproductions"]] == [
        (o["job_id"], o["verdict"], o["hellinger_fidelity"]) for o in outs
    ]
    assert report["summary"]["completed"] == 2 and report["summary"]["total"] == 2
    assert {b["type"] for b in report["badges"]} == {"provenance", "reproduced", "fidelity", "backend", "attested"}


async def test_a_reproductions_report_points_to_its_original(stack: Stack, reported: dict[str, Any]) -> None:
    async with stack.client(reported["tenant"]) as c:
        report = (await c.get(f"/api/v1/runs/{reported['outs'][1]['reproduced_run_id']}/report")).json()
    assert report["reproduction_of"] == {"run_hash": reported["original"]["run_hash"], "run_id": reported["run_id"]}
    assert report["provenance"]["reproduction"]["profile"] == "bad_day" and report["hash_verified"] is True
    assert report["reproductions"] == [] and report["badges"] == []


async def test_report_format_negotiation(stack: Stack, reported: dict[str, Any]) -> None:
    url = f"/api/v1/runs/{reported['run_id']}/report"
    async with stack.client(reported["tenant"]) as c:
        browser = await c.get(url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        forced = await c.get(url + "?format=html", headers={"Accept": "application/json"})
        as_json = await c.get(url + "?format=json", headers={"Accept": "text/html"})
        bad = await c.get(url + "?format=xml")
    for r in (browser, forced):
        assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
        assert "<svg" in r.text and "default-src 'none'" in r.headers["content-security-policy"]
    assert as_json.headers["content-type"].startswith("application/json") and as_json.json()["run_id"]
    assert bad.status_code == 422


async def test_report_page_renders_in_chromium(stack: Stack, reported: dict[str, Any]) -> None:
    t: Tenant = reported["tenant"]
    url = f"{stack.base_url}/api/v1/runs/{reported['run_id']}/report?format=html"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            context = await browser.new_context(extra_http_headers=t.headers)  # the report is private
            page = await context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            resp = await page.goto(url, wait_until="networkidle")
            assert resp is not None and resp.status == 200
            bars = await page.locator("svg.histogram rect.bar").count()
            box = await page.locator("svg.histogram").bounding_box()
            images = await page.eval_on_selector_all(
                "img", "els => els.map(e => ({src: e.src, ok: e.complete && e.naturalWidth > 0}))"
            )
            text = await page.inner_text("body")
        finally:
            await browser.close()
    assert errors == []
    outcomes = len({k for s in [reported["original"], *reported["copies"]] for k in s["results"]["counts"]})
    assert bars == 3 * outcomes  # the original and two reproductions, one bar each per outcome
    assert box is not None and box["width"] > 300 and box["height"] > 200
    assert len(images) == 5 and all(i["ok"] for i in images), images
    assert all(f"/badge/{reported['slug']}/" in i["src"] for i in images)
    for word in ("Provenance", "Calibration of the qubits used", "reproduced", reported["run_id"]):
        assert word in text
