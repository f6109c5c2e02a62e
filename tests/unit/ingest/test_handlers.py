"""Ingest's handlers called with a ``Deps`` of fakes (no NATS, no PostgreSQL): what they append and
what they answer."""

from __future__ import annotations

import orjson
import pytest
from qlcore.errors import BadRequest, Unauthorized
from qlcore.events import RunIngested
from qlcore.rpc import RpcContext, RpcRequest
from qlprov.hashing import run_hash

from services.ingest.handlers import ingest_many, ingest_run
from tests.integration.platform.bundles import bundle
from tests.unit.ingest.fakes import FakeClaims, FakeLog, deps_of

CTX = RpcContext(workspace_id="ws1", org_id="org1", actor="key:k1", request_id="req1")


def _req(body: bytes, ctx: RpcContext = CTX) -> RpcRequest:
    return RpcRequest(ctx=ctx, body=body)


async def test_a_new_bundle_appends_its_document_then_its_event() -> None:
    log, claims = FakeLog(), FakeClaims()
    doc = bundle(1)
    reply = await ingest_run(deps_of(log, claims), _req(orjson.dumps(doc)))
    assert reply.status == 201
    out = reply.json()
    assert out == {"run_id": "R1", "run_hash": run_hash(doc), "deduplicated": False}
    assert [k for k, _ in log.entries] == ["doc", "event"]
    (event,) = log.events()
    assert isinstance(event, RunIngested)
    assert (event.run_id, event.workspace_id, event.document_seq) == ("R1", "ws1", 1)
    assert event.correlation_id == "req1" and event.actor == "key:k1"


async def test_a_logged_claim_appends_nothing_and_answers_the_run() -> None:
    log, claims = FakeLog(), FakeClaims()
    deps = deps_of(log, claims)
    first = (await ingest_run(deps, _req(orjson.dumps(bundle(2))))).json()
    claims.logged.add(("ws1", first["run_hash"]))
    again = await ingest_run(deps, _req(orjson.dumps(bundle(2))))
    assert again.status == 200 and again.json() == {**first, "deduplicated": True}
    assert len(log.entries) == 2


async def test_ingest_many_answers_each_line_in_order_and_refuses_a_large_batch() -> None:
    log, claims = FakeLog(), FakeClaims()
    deps = deps_of(log, claims, max_batch=3)
    good = orjson.dumps(bundle(3))
    results = (await ingest_many(deps, _req(b"\n".join([good, b"{broken", good])))).json()
    assert [r["status"] for r in results] == [201, 422, 200]
    assert results[0]["result"]["run_id"] == results[2]["result"]["run_id"]
    assert len(log.events()) == 1  # the second copy was dropped by the log's de-duplication
    with pytest.raises(BadRequest):
        await ingest_many(deps, _req(b"\n".join([good] * 4)))


async def test_a_caller_without_a_workspace_is_refused() -> None:
    reply_of = ingest_run(deps_of(FakeLog(), FakeClaims()), _req(b"{}", RpcContext(workspace_id=None)))
    with pytest.raises(Unauthorized):
        await reply_of
