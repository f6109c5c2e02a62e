"""The card page in a real headless Chromium: it renders, its badges load, the console stays clean."""

from __future__ import annotations

import pytest

from tests.browser import load_page
from tests.fixtures import Stack
from tests.integration.card.helpers import ghz, ingest, publish

pytestmark = [pytest.mark.integration, pytest.mark.browser]


async def test_card_page_renders_with_its_badges_in_chromium(stack: Stack) -> None:
    owner, other = await stack.tenant(), await stack.tenant()
    async with stack.client(owner) as c, stack.client(other) as o:
        run_id = await ingest(c, ghz("kyiv", seed=808))
        made = await publish(c, run_id, title="GHZ-3 in the browser", abstract="Zoë's three qubits.")
        r = await o.post(f"/api/v1/cards/{made['slug']}/reproductions", json=ghz("brisbane", seed=808))
        assert r.status_code == 201, r.text

    for url, compact in ((made["links"]["html"], False), (made["links"]["embed_page"], True)):
        report = await load_page(url)
        assert report.status == 200, url
        assert report.console_errors == [], report.console_errors
        assert report.failed_requests == [], report.failed_requests
        assert report.title.startswith("GHZ-3 in the browser")
        assert len(report.images) == 5
        for image in report.images:
            assert image["complete"] is True and int(str(image["naturalWidth"])) > 0, image
            assert str(image["src"]).startswith(f"{stack.base_url}/badge/{made['slug']}/")
        assert "ibm/ibm_kyiv" in report.text
        if not compact:
            assert "@misc{" in report.text and "TY  - DATA" in report.text and "cff-version" in report.text
            assert "ibm/ibm_brisbane" in report.text  # the reproduction is listed
            assert "<iframe" in report.text  # the embed code, shown as text to copy


async def test_withdrawn_card_page_is_a_tombstone_in_chromium(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await ingest(c, ghz("torino", seed=809))
        made = await publish(c, run_id, title="Soon withdrawn")
        assert (await c.post(f"/api/v1/runs/{run_id}/card/unpublish")).status_code == 200
    report = await load_page(made["links"]["html"])
    assert report.status == 410
    assert "withdrawn" in report.text and "Soon withdrawn" not in report.text
    # Chromium reports the 410 document itself as a failed resource; nothing else may fail
    assert all("410" in e for e in report.console_errors), report.console_errors
