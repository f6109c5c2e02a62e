"""The reproduce read model is derived from the log alone: a replay rebuilds it byte for byte."""

from __future__ import annotations

import pytest

from tests.fixtures import Stack
from tests.integration.reproduce.helpers import ghz, ingest, reproduce

pytestmark = pytest.mark.integration


async def test_replay_gives_the_same_digest(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        run_id = (await ingest(c, ghz(3, "kyiv", shots=1024, seed=13)))["run_id"]
        card = await c.post(f"/api/v1/runs/{run_id}/card/publish", json={"authors": [{"name": "Ada Lovelace"}]})
        assert card.status_code in (200, 201), card.text
        assert (await reproduce(c, run_id, 5, "stable", seed=1)).status_code == 200
        assert (await reproduce(c, run_id, 5, "typical", seed=2, Prefer="respond-async")).status_code == 202
        bad = await c.post(f"/api/v1/runs/{run_id}/reproduce", json={"days": -3, "profile": "typical"})
        assert bad.status_code == 422
        assert (await c.post(f"/api/v1/runs/{run_id}/card/unpublish", json={})).status_code == 200
        report = (await c.get(f"/api/v1/runs/{run_id}/report")).json()
    assert report["summary"]["total"] == 2
    await stack.wait_caught_up("reproduce")
    before = (await stack.call("reproduce", "ops.digest")).json()
    replay = (await stack.call("reproduce", "ops.replay", timeout=120)).json()
    after = (await stack.call("reproduce", "ops.digest")).json()
    assert replay["digest"] == before["digest"] == after["digest"]
    assert replay["position"] >= before["position"]  # the whole log again (documents between events)
    assert 0 < replay["events"] <= replay["position"]
