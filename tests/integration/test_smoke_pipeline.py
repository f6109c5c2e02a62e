"""Smoke: HTTP → ingest → JetStream → provenance read model → HTTP."""

from __future__ import annotations

import pytest

from tests.fixtures import Stack
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration


async def test_ingest_list_get(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", json=bundle("smoke"))
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["deduplicated"] is False
        r2 = await c.post("/api/v1/ingest/runs", json=bundle("smoke"))
        assert r2.json() == {**out, "deduplicated": True}
        await stack.wait_caught_up("provenance")
        runs = (await c.get("/api/v1/runs")).json()
        assert [x["run_id"] for x in runs] == [out["run_id"]]
        assert runs[0]["backend"] == "ibm/ibm_kyiv"
        doc = (await c.get(f"/api/v1/runs/{out['run_id']}")).json()
        from qlprov.hashing import run_hash

        assert doc["run_hash"] == out["run_hash"] == run_hash(doc)
