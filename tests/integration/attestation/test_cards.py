"""Cards and reproductions feed the rules: a published card needs an independent reproduction
(RB-6) and FAIR metadata; fixing the gap is getting another workspace to reproduce it."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, FAIR, run_document

pytestmark = pytest.mark.integration


async def test_a_reproduction_from_another_workspace_closes_the_card_gap(stack: Stack) -> None:
    lab, peer = await stack.tenant(), await stack.tenant()
    ws = f"/api/v1/workspaces/{lab.workspace_id}"
    tag = uuid.uuid4().hex
    async with stack.client(lab) as c:
        for fw in (BASELINE, FAIR):
            assert (await c.post(f"{ws}/frameworks/{fw}/enable")).status_code == 201
        run = (await c.post("/api/v1/ingest/runs", json=run_document(tag=tag))).json()
        r = await c.post(
            f"/api/v1/runs/{run['run_id']}/card/publish",
            json={"title": "Bell state on ibm_kyiv", "authors": [{"name": "Ada Lovelace"}], "license": "CC-BY-4.0"},
        )
        assert r.status_code == 201, r.text
        slug = r.json()["slug"]

        evaluated = {f["framework_id"]: f for f in (await c.post(f"{ws}/compliance/evaluate")).json()["frameworks"]}
        assert evaluated[FAIR]["status"] == "passing"  # identifier, citation, license, open format, provenance
        gaps = {g["control_id"]: g for g in (await c.get(f"{ws}/gaps")).json()["gaps"]}
        assert gaps["RB-6"]["failing"] == [
            {
                "kind": "card",
                "id": slug,
                "reason": "0 of 1 independent reproduction(s) scoring reproduced",
                "evidence_id": f"RB-6/card:{slug}",
            }
        ]

    async with stack.client(peer) as c:  # the same circuit, run again by another lab
        r = await c.post(f"/api/v1/cards/{slug}/reproductions", json=run_document(tag=tag))
        assert r.status_code == 201, r.text
        assert r.json()["verdict"] == "reproduced"

    async with stack.client(lab) as c:
        evaluated = {f["framework_id"]: f for f in (await c.post(f"{ws}/compliance/evaluate")).json()["frameworks"]}
        assert evaluated[BASELINE]["changed"] is True
        state = {f["framework_id"]: f for f in (await c.get(f"{ws}/compliance")).json()["frameworks"]}
        assert {x["id"]: x["status"] for x in state[BASELINE]["controls"]}["RB-6"] == "passing"
        assert "RB-6" not in {g["control_id"] for g in (await c.get(f"{ws}/gaps")).json()["gaps"]}
        # the card is on the org's trust center, linked to its public record
        trust = (await c.get(f"/api/v1/trust/{lab.org_slug}")).json()
        assert [card["slug"] for card in trust["cards"]] == [slug]

        assert (await c.post(f"/api/v1/runs/{run['run_id']}/card/unpublish", json={"reason": "t"})).status_code == 200
        evaluated = {f["framework_id"]: f for f in (await c.post(f"{ws}/compliance/evaluate")).json()["frameworks"]}
        assert evaluated[FAIR]["status"] == "not_applicable"  # a withdrawn card is no longer judged
