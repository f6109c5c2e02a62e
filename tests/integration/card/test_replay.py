"""The card read model is a function of the log: replaying from sequence 1 gives the same digest."""

from __future__ import annotations

import pytest

from tests.fixtures import Stack
from tests.integration.card.helpers import ghz, ingest, publish

pytestmark = pytest.mark.integration


async def test_replay_rebuilds_the_same_read_model(stack: Stack) -> None:
    owner, other = await stack.tenant(), await stack.tenant()
    async with stack.client(owner) as c, stack.client(other) as o:
        run_id = await ingest(c, ghz("kyiv", seed=31))
        made = await publish(c, run_id, title="Replay me")
        await publish(c, run_id, title="Replay me, v2")
        r = await o.post(f"/api/v1/cards/{made['slug']}/reproductions", json=ghz("brisbane", seed=31))
        assert r.status_code == 201, r.text
        await c.post(f"/api/v1/runs/{run_id}/card/unpublish")
        await publish(c, run_id, title="Replay me, v2")
    await stack.wait_caught_up("card")
    before = (await stack.call("card", "ops.digest")).json()
    replayed = await stack.call("card", "ops.replay", timeout=300)
    assert replayed.status == 200, replayed.body
    after = replayed.json()
    assert after["digest"] == before["digest"] and after["position"] >= before["position"]
    assert (await stack.call("card", "ops.digest")).json()["digest"] == before["digest"]
    async with stack.client() as anon:
        card = (await anon.get(f"/api/v1/cards/{made['slug']}")).json()
    assert (card["version"], card["title"], card["reproductions"]["count"]) == (2, "Replay me, v2", 1)
