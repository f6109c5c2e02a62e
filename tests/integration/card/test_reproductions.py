"""Independent reproductions from other orgs: scored, counted in badges, listed on the card."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.card.helpers import bell, ghz, ingest, publish

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def card(stack: Stack) -> dict[str, Any]:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = await ingest(c, ghz("kyiv", seed=2024))
        made = await publish(c, run_id, title="GHZ-3 to reproduce")
    return {**made, "tenant": t, "run_id": run_id}


async def test_a_bundle_from_another_org_is_ingested_scored_and_counted(stack: Stack, card: dict[str, Any]) -> None:
    slug = card["slug"]
    other = await stack.tenant()
    async with stack.client(other) as o, stack.client() as anon:
        before = (await o.get("/api/v1/runs")).json()
        r = await o.post(f"/api/v1/cards/{slug}/reproductions", json=ghz("brisbane", seed=5))
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["verdict"] in ("reproduced", "drifted") and 0.9 < out["hellinger_fidelity"] <= 1.0
        assert out["backend"] == "ibm/ibm_brisbane" and out["deduplicated"] is False
        assert out["tolerance"] == pytest.approx(3 * out["noise_floor"])
        await stack.wait_caught_up("provenance")  # the bundle became the submitter's run
        runs = (await o.get("/api/v1/runs")).json()
        assert len(runs) == len(before) + 1 and runs[0]["run_id"] == out["run_id"]

        shown = (await anon.get(f"/api/v1/cards/{slug}")).json()
        assert shown["reproductions"]["count"] == 1
        assert shown["reproduction_list"][0]["reproduction_id"] == out["reproduction_id"]
        assert "workspace_id" not in shown["reproduction_list"][0]
        # another workspace's run: an independent reproduction, submitted by "another workspace"
        listed = shown["reproduction_list"][0]
        assert (listed["kind"], listed["submitted_by"], listed["method"]) == (
            "independent",
            "another workspace",
            "submitted run",
        )
        assert (out["kind"], out["submitted_by"]) == ("independent", "another workspace")
        badge = (await anon.get(f"/badge/{slug}/reproduced.json")).json()
        best = f"{int(out['hellinger_fidelity'] * 1000) / 1000:.3f}"
        reproduced = int(out["verdict"] == "reproduced")
        assert badge["message"] == f"{reproduced} of 1 independent"
        assert badge["color"] == ("brightgreen" if reproduced else "yellow")
        assert (await anon.get(f"/badge/{slug}/fidelity.json")).json()["message"] == best
        page = await anon.get(f"/cards/{slug}")
        assert "ibm/ibm_brisbane" in page.text and "No reproductions yet" not in page.text
        assert "another workspace" in page.text and "independent" in page.text

        again = await o.post(f"/api/v1/cards/{slug}/reproductions", json=ghz("brisbane", seed=5))
        assert again.status_code == 200 and again.json()["deduplicated"] is True
        assert again.json()["reproduction_id"] == out["reproduction_id"]
        by_id = await o.post(f"/api/v1/cards/{slug}/reproductions", json={"run_id": out["run_id"]})
        assert by_id.status_code == 200 and by_id.json()["reproduction_id"] == out["reproduction_id"]
        assert (await anon.get(f"/api/v1/cards/{slug}")).json()["reproductions"]["count"] == 1


async def test_a_run_id_of_your_own_run_counts_and_another_orgs_does_not(stack: Stack, card: dict[str, Any]) -> None:
    slug = card["slug"]
    third, fourth = await stack.tenant(), await stack.tenant()
    async with stack.client(third) as a, stack.client(fourth) as b:
        mine = await ingest(a, ghz("torino", seed=11))
        assert (await b.post(f"/api/v1/cards/{slug}/reproductions", json={"run_id": mine})).status_code == 404
        r = await a.post(f"/api/v1/cards/{slug}/reproductions", json={"run_id": mine})
        assert r.status_code == 201, r.text
        assert r.json()["backend"] == "ibm/ibm_torino" and r.json()["reproductions"]["count"] >= 1


async def test_refusals(stack: Stack, card: dict[str, Any]) -> None:
    slug = card["slug"]
    other = await stack.tenant()
    async with stack.client(other) as o, stack.client() as anon:
        runs_before = len((await o.get("/api/v1/runs")).json())
        other_program = await o.post(f"/api/v1/cards/{slug}/reproductions", json=bell("brisbane"))
        assert other_program.status_code == 422
        problem = other_program.json()
        assert problem["card_program_hash"] != problem["submitted_program_hash"]
        await stack.wait_caught_up("provenance")
        assert len((await o.get("/api/v1/runs")).json()) == runs_before  # refused before it was ingested

        itself = await o.post(f"/api/v1/cards/{slug}/reproductions", json=ghz("kyiv", seed=2024))
        assert itself.status_code == 422 and "itself" in itself.json()["detail"]
        assert (await o.post(f"/api/v1/cards/{slug}/reproductions", json={"hello": 1})).status_code == 422
        assert (await o.post(f"/api/v1/cards/{slug}/reproductions", content=b"{nope")).status_code == 400
        broken = ghz("brisbane", seed=6)
        broken["execution"]["shots"] = 0
        assert (await o.post(f"/api/v1/cards/{slug}/reproductions", json=broken)).status_code == 422
        assert (await anon.post(f"/api/v1/cards/{slug}/reproductions", json=ghz("brisbane"))).status_code == 401
        missing = await o.post("/api/v1/cards/no-such-card/reproductions", json={"run_id": "x"})
        assert missing.status_code == 404


async def test_a_withdrawn_card_takes_no_reproductions(stack: Stack) -> None:
    owner, other = await stack.tenant(), await stack.tenant()
    async with stack.client(owner) as c, stack.client(other) as o:
        run_id = await ingest(c, ghz("marrakesh", seed=3))
        made = await publish(c, run_id)
        assert (await c.post(f"/api/v1/runs/{run_id}/card/unpublish")).status_code == 200
        r = await o.post(f"/api/v1/cards/{made['slug']}/reproductions", json=ghz("kyiv", seed=3))
        assert r.status_code == 410 and r.json()["slug"] == made["slug"]
