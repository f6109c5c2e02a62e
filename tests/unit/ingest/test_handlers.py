"""Ingest's handlers called with a ``Deps`` of fakes (no NATS, no PostgreSQL): what they append,
what they answer, and that the answer is the log's run even when the claim lies."""

from __future__ import annotations

import orjson
import pytest
from qlcore.errors import BadRequest, Unauthorized, Unavailable
from qlcore.rpc import RpcContext, RpcRequest
from qlprov.hashing import run_hash

from services.ingest.handlers import ingest_many, ingest_run
from tests.integration.platform.bundles import bundle
from tests.unit.ingest.fakes import make

CTX = RpcContext(workspace_id="ws1", org_id="org1", actor="key:k1", request_id="req1")


def _req(body: bytes, ctx: RpcContext = CTX) -> RpcRequest:
    return RpcRequest(ctx=ctx, body=body)


async def test_a_new_bundle_appends_its_document_then_its_event() -> None:
    deps, log, _ = make()
    doc = bundle(1)
    reply = await ingest_run(deps, _req(orjson.dumps(doc)))
    assert reply.status == 201
    assert reply.json() == {"run_id": "R1", "run_hash": run_hash(doc), "deduplicated": False}
    assert [e.event is None for e in log.entries] == [True, False]  # the document, then the event
    (event,) = log.events()
    assert (event.run_id, event.workspace_id, event.document_seq) == ("R1", "ws1", 1)
    assert event.correlation_id == "req1" and event.actor == "key:k1"


async def test_a_logged_claim_appends_nothing_and_answers_the_run() -> None:
    deps, log, _ = make()
    first = (await ingest_run(deps, _req(orjson.dumps(bundle(2))))).json()
    again = await ingest_run(deps, _req(orjson.dumps(bundle(2))))
    assert again.status == 200 and again.json() == {**first, "deduplicated": True}
    assert len(log.entries) == 2


async def test_a_lost_claim_waits_for_the_projection_and_answers_the_logged_run() -> None:
    """The state a lost commit leaves: the event is in the log, its claim and the projection's
    record of it are gone. The resend's new claim is corrected by the projection before it decides."""
    deps, log, claims = make()
    first = (await ingest_run(deps, _req(orjson.dumps(bundle(3))))).json()
    claims.rows.clear()
    claims.checkpoint = 0
    claims.lagging = 1  # the resend claims before the projection has applied the log again
    again = await ingest_run(deps, _req(orjson.dumps(bundle(3))))
    assert again.status == 200 and again.json() == {**first, "deduplicated": True}
    assert len(log.events()) == 1 and claims.rows[("ws1", first["run_hash"])] == [first["run_id"], 2]


async def test_a_lost_claim_with_a_fresh_projection_is_answered_from_the_duplicate_ack() -> None:
    """The same state while the claims projection is fresh (what it lost is seconds old): no wait;
    the resend's appends are JetStream duplicates, the original event's run is answered."""
    deps, log, claims = make()
    first = (await ingest_run(deps, _req(orjson.dumps(bundle(8))))).json()
    claims.rows.clear()
    claims.checkpoint, claims.lagging, claims.projection_lag_s = 0, 10**9, 0.5  # it never catches up here
    again = await ingest_run(deps, _req(orjson.dumps(bundle(8))))
    assert again.status == 200 and again.json() == {**first, "deduplicated": True}
    assert log.duplicates == 2 and len(log.events()) == 1
    assert claims.rows[("ws1", first["run_hash"])] == [first["run_id"], 2]  # corrected by the read-back


async def test_a_lying_claim_is_answered_from_the_duplicate_ack_and_corrected() -> None:
    """A claim that names a run the log does not hold, with the projection past the real event:
    JetStream's duplicate ack points at the original event, whose run id is answered."""
    deps, log, claims = make()
    first = (await ingest_run(deps, _req(orjson.dumps(bundle(4))))).json()
    await claims.apply()
    claims.rows[("ws1", first["run_hash"])] = ["R-never-logged", None]
    again = await ingest_run(deps, _req(orjson.dumps(bundle(4))))
    assert again.status == 200 and again.json() == {**first, "deduplicated": True}
    assert log.duplicates == 2  # the document and the event were sent again, and dropped
    assert len(log.events()) == 1 and claims.rows[("ws1", first["run_hash"])] == [first["run_id"], 2]


async def test_a_projection_that_does_not_catch_up_is_a_503() -> None:
    deps, log, claims = make(claims_wait_s=0.05)
    await ingest_run(deps, _req(orjson.dumps(bundle(5))))
    claims.checkpoint, claims.lagging = 0, 10**9  # and it never applies again
    with pytest.raises(Unavailable):
        await ingest_run(deps, _req(orjson.dumps(bundle(6))))
    assert len(log.events()) == 1


async def test_ingest_many_answers_each_line_in_order_and_refuses_a_large_batch() -> None:
    deps, log, _ = make(max_batch=3)
    good = orjson.dumps(bundle(7))
    results = (await ingest_many(deps, _req(b"\n".join([good, b"{broken", good])))).json()
    assert [r["status"] for r in results] == [201, 400, 200]  # not JSON: 400
    assert results[0]["result"]["run_id"] == results[2]["result"]["run_id"]
    assert len(log.events()) == 1  # the second copy was dropped by the log's de-duplication
    with pytest.raises(BadRequest):
        await ingest_many(deps, _req(b"\n".join([good] * 4)))


async def test_a_caller_without_a_workspace_is_refused() -> None:
    deps, _, _ = make()
    with pytest.raises(Unauthorized):
        await ingest_run(deps, _req(b"{}", RpcContext(workspace_id=None)))
