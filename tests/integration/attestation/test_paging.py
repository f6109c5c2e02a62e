"""Every list that grows with a workspace comes a page at a time: the failing subjects of a gap,
the workspace's attestations, the trust center's attestations and cards. What each check would
catch: a page that repeats or skips a subject, a cursor that loops, a total that lies, hostile
paging parameters answered with a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures import Stack
from tests.integration.attestation.helpers import BASELINE, run_document

pytestmark = pytest.mark.integration


def _unseeded() -> dict[str, Any]:
    doc = run_document()
    doc["transpiled"].pop("seed_transpiler")
    return doc


async def test_gaps_attestations_and_the_trust_center_page(stack: Stack) -> None:
    t = await stack.tenant()
    ws = f"/api/v1/workspaces/{t.workspace_id}"
    async with stack.client(t) as c, stack.client() as public:
        assert (await c.post(f"{ws}/frameworks/{BASELINE}/enable")).status_code == 201
        for _ in range(7):
            assert (await c.post("/api/v1/ingest/runs", json=_unseeded())).status_code == 201
        assert (await c.post(f"{ws}/compliance/evaluate")).status_code == 200

        # gaps: 7 runs without a seed, 3 at a time
        seen: list[str] = []
        offset: int | None = 0
        while offset is not None:
            q = {"framework_id": BASELINE, "control_id": "RB-4", "offset": offset, "limit": 3}
            r = await c.get(f"{ws}/gaps", params=q)
            [gap] = r.json()["gaps"]
            assert gap["failing_count"] == 7 and len(gap["failing"]) <= 3 and gap["failing_offset"] == offset
            seen += [s["id"] for s in gap["failing"]]
            offset = gap["failing_next_offset"]
        assert len(seen) == len(set(seen)) == 7
        everything = (await c.get(f"{ws}/gaps")).json()["gaps"]
        assert {g["control_id"] for g in everything} == {"RB-4", "RB-8", "RB-9"}
        assert (await c.get(f"{ws}/gaps", params={"control_id": "RB-0"})).json()["gaps"] == []
        for bad in ({"offset": -1}, {"limit": 0}, {"limit": 2**64}, {"offset": "x"}):
            r = await c.get(f"{ws}/gaps", params=bad)
            assert r.status_code in (400, 422) and r.headers["content-type"] == "application/problem+json", bad

        # the workspace's attestations, 2 at a time, newest first
        issued = [(await c.post(f"{ws}/attestations", json={"framework_id": BASELINE})).json() for _ in range(3)]
        ids: list[str] = []
        url: str | None = f"{ws}/attestations?limit=2"
        while url:
            r = await c.get(url)
            assert r.status_code == 200 and len(r.json()) <= 2
            ids += [a["attestation_id"] for a in r.json()]
            url = r.links.get("next", {}).get("url")
        assert ids == [a["attestation_id"] for a in reversed(issued)]
        assert (await c.get(f"{ws}/attestations", params={"cursor": "1; DROP"})).status_code == 422

        trust = (await public.get(f"/api/v1/trust/{t.org_slug}")).json()
        assert trust["attestations_total"] == 3 and trust["attestations_next"] is None
        assert trust["cards_total"] == 0 and trust["cards_next"] is None
        later = (await public.get(f"/api/v1/trust/{t.org_slug}", params={"attestations_offset": 2})).json()
        assert [a["att_id"] for a in later["attestations"]] == [issued[0]["attestation_id"]]
        assert (await public.get(f"/api/v1/trust/{t.org_slug}", params={"cards_offset": -5})).status_code == 422
