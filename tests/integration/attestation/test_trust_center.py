"""The trust center: public JSON with verify links, and the page for people in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser import load_page
from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, FAIR, run_document

pytestmark = pytest.mark.integration


@pytest.mark.browser
async def test_trust_center_json_and_page(stack: Stack) -> None:
    t = await stack.tenant(name="Quantum <Lab> & Co")
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c:
        for fw in (BASELINE, FAIR):
            assert (await c.post(f"{ws}/frameworks/{fw}/enable")).status_code == 201
        assert (await c.post("/api/v1/ingest/runs", json=run_document())).status_code == 201
        await c.post(f"{ws}/compliance/evaluate")
        kept = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
        gone = (await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json()
        r = await c.post(f"/api/v1/attestations/{gone['attestation_id']}/revoke", json={"reason": "<b>superseded</b>"})
        assert r.status_code == 200

    async with stack.client() as public:
        r = await public.get(f"/api/v1/trust/{t.org_slug}")
        assert r.status_code == 200, r.text
        trust = r.json()
        assert trust["org"] == {"slug": t.org_slug, "name": "Quantum <Lab> & Co"}
        statuses = {f["id"]: f["status"] for f in trust["frameworks"]}
        assert statuses == {BASELINE: "failing", FAIR: "not_applicable"}  # FAIR judges published cards only
        atts = {a["att_id"]: a for a in trust["attestations"]}
        assert atts[kept["attestation_id"]]["status"] == "active"
        assert atts[gone["attestation_id"]]["status"] == "revoked"
        assert atts[gone["attestation_id"]]["reason"] == "<b>superseded</b>"
        verified = (await public.get(atts[kept["attestation_id"]]["verify_url"])).json()
        assert verified["valid"] is True and verified["evidence_root"] == kept["evidence_root"]
        assert (await public.get(trust["jwks_url"])).status_code == 200
        assert (await public.get("/api/v1/trust/no-such-org-slug")).status_code == 404

        page = await public.get(f"/trust/{t.org_slug}")
        assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<b>superseded</b>" not in page.text and "&lt;b&gt;superseded&lt;/b&gt;" in page.text

    report = await load_page(f"{stack.base_url}/trust/{t.org_slug}")
    assert report.status == 200
    assert report.console_errors == [] and report.failed_requests == []
    assert report.title.startswith("Quantum <Lab> & Co")
    assert kept["attestation_id"] in report.text and gone["attestation_id"] in report.text
    assert "Quantum reproducibility baseline" in report.text and "Revoked" in report.text
    assert "<b>superseded</b>" in report.text  # shown as text, never as markup
