"""Claims that cannot lie (issue 13, item 3), on real NATS and PostgreSQL.

The lost-claim tests put ingest in the state a lost ``synchronous_commit = off`` commit leaves:
the run's event is in the log, its claim and the claims projection's record of it are gone
(``IngestHarness.lose_claim``), and ingest starts on that state. The resend comes while the
claims projection is held back (a lock on its checkpoint): it must answer the run the log holds,
append nothing, and leave the claim naming that run. Inside JetStream's window the duplicate ack
answers at once (the projection still held); outside it the resend claims anew and waits until
the projection, released, has corrected its claim.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from qlprov.hashing import run_hash

from tests.fixtures import Infra, Stack
from tests.integration.platform.bundles import bundle
from tests.integration.platform.ingest_state import IngestHarness, WindowProbe, harness, logged_runs, wait_for

pytestmark = pytest.mark.integration

WINDOW_S = 1.0  # JetStream's de-duplication window of the `outside` stack


# a stack for each test (three services: few connections held on the shared PostgreSQL)
@pytest.fixture
async def inside(infra: Infra) -> AsyncIterator[IngestHarness]:
    """A stack with the usual 120 s window: every resend of these tests falls inside it."""
    async with harness(infra) as h:
        yield h


@pytest.fixture
async def outside(infra: Infra) -> AsyncIterator[IngestHarness]:
    async with harness(infra, dedup_window_s=WINDOW_S) as h:
        yield h


async def _last_event_seq(stack: Stack) -> int:
    return int((await stack.call("provenance", "ops.status")).json()["last_event_seq"])


async def _lost_claim_then_resend(h: IngestHarness, n: int, *, past_the_window: bool) -> None:
    s = h.stack
    t = await s.tenant()
    body = bundle(n)
    async with s.client(t) as c:
        assert (await c.post("/api/v1/ingest/runs", json=bundle(n + 1))).status_code == 201  # a run before
        await s.wait_caught_up("ingest")
        before = await h.projection_state()
        r = await c.post("/api/v1/ingest/runs", json=body)
        assert r.status_code == 201, r.text
        first = r.json()
        probe = WindowProbe(s)
        await probe.mark()  # after the run's entries: when JetStream forgets it, it has forgotten them
        await s.wait_caught_up("ingest")
        await h.stop_ingest()
        seq = await h.lose_claim(t.workspace_id, first["run_hash"], before)
        if past_the_window:
            await probe.passed()
        last = await _last_event_seq(s)

        async def claimed_again() -> bool:
            row = await h.claim_row(t.workspace_id, first["run_hash"])
            return row is not None and row[0] != first["run_id"]

        async with h.projection_held():
            await h.start_ingest()
            resend = asyncio.create_task(c.post("/api/v1/ingest/runs", json=body))
            if past_the_window:  # claimed anew, and waiting for the projection
                await wait_for(claimed_again, 10, "claimed again under a new run id")
            else:  # answered from the duplicate ack while the projection is held; the claim corrected
                await resend
                assert await h.claim_row(t.workspace_id, first["run_hash"]) == (first["run_id"], seq)
                assert await probe.inside()  # the resend really was inside the window
        again = await resend
        assert again.status_code == 200, again.text
        assert again.json() == {**first, "deduplicated": True}  # the run the log holds
        assert await _last_event_seq(s) == last  # nothing appended
        assert await logged_runs(s, first["run_hash"]) == [first["run_id"]]
        await s.wait_caught_up("ingest")
        assert await h.claim_row(t.workspace_id, first["run_hash"]) == (first["run_id"], seq)
        assert (await c.get(f"/api/v1/runs/{first['run_id']}")).status_code == 200
        resent = await c.post("/api/v1/ingest/runs", json=body)  # and every later resend agrees
        assert resent.status_code == 200 and resent.json() == again.json()
        await s.wait_caught_up("provenance")
        listed = [x["run_id"] for x in (await c.get("/api/v1/runs")).json()]
        assert len(listed) == 2 and first["run_id"] in listed


async def test_a_lost_claim_resent_inside_the_window_answers_the_logged_run(inside: IngestHarness) -> None:
    await _lost_claim_then_resend(inside, 7100, past_the_window=False)


async def test_a_lost_claim_resent_outside_the_window_answers_the_logged_run_and_adds_none(
    outside: IngestHarness,
) -> None:
    await _lost_claim_then_resend(outside, 7200, past_the_window=True)


async def test_a_claim_naming_a_run_never_logged_is_corrected_from_the_duplicate_ack(inside: IngestHarness) -> None:
    """A claim that lies while the claims projection is past the run's event (a hand-edited or
    corrupted row; a lost commit never leaves this): the resend's appends are JetStream duplicates,
    whose ack gives the original event's sequence; its run is answered and the claim corrected."""
    s = inside.stack
    t = await s.tenant()
    async with s.client(t) as c:
        first = (await c.post("/api/v1/ingest/runs", json=bundle(7300))).json()
        await s.wait_caught_up("ingest")
        seq = (await inside.claim_row(t.workspace_id, first["run_hash"]) or ("", 0))[1]
        async with inside.db() as conn:
            await conn.execute(
                "UPDATE claims SET run_id = 'R-never-logged', logged_seq = NULL WHERE workspace_id = %s",
                (t.workspace_id,),
            )
        last = await _last_event_seq(s)
        again = await c.post("/api/v1/ingest/runs", json=bundle(7300))
    assert again.status_code == 200 and again.json() == {**first, "deduplicated": True}
    assert await _last_event_seq(s) == last
    assert await inside.claim_row(t.workspace_id, first["run_hash"]) == (first["run_id"], seq)


async def test_concurrent_sends_to_two_ingest_instances_make_one_run(outside: IngestHarness) -> None:
    """Two instances (one applies the claims projection, the other stands by) share the sends of one
    bundle: the claim's ON CONFLICT decides, one run, one 201."""
    s = outside.stack
    second = IngestHarness(s, outside.infra)
    await second.start_ingest()
    try:
        t = await s.tenant()
        body = orjson.dumps(bundle(7400))
        async with s.client(t) as c:
            rs = await asyncio.gather(*(c.post("/api/v1/ingest/runs", content=body) for _ in range(24)))
    finally:
        await second.stop_ingest()
    assert {r.status_code for r in rs} == {200, 201}, [r.text for r in rs if r.status_code >= 300]
    assert len({r.json()["run_id"] for r in rs}) == 1
    assert sum(r.status_code == 201 for r in rs) == 1
    assert await logged_runs(s, run_hash(orjson.loads(body))) == [rs[0].json()["run_id"]]
