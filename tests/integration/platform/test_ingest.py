"""Ingest through the gateway: idempotency, refusals, tenancy, limits, streaming, read after ack."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest
import rfc8785
from blake3 import blake3
from qlcore import rpc
from qlprov.hashing import run_hash

from tests.fixtures import Infra, Stack
from tests.integration.platform.bundles import bundle
from tests.integration.platform.ingest_state import WindowProbe, harness

pytestmark = pytest.mark.integration


async def test_twenty_concurrent_sends_get_one_run_id(stack: Stack) -> None:
    t = await stack.tenant()
    body = orjson.dumps(bundle(1))
    async with stack.client(t) as c:
        rs = await asyncio.gather(*(c.post("/api/v1/ingest/runs", content=body) for _ in range(20)))
    outs = [r.json() for r in rs]
    assert {r.status_code for r in rs} <= {200, 201}
    assert len({o["run_id"] for o in outs}) == 1
    assert sum(not o["deduplicated"] for o in outs) == 1
    await stack.wait_caught_up("provenance")
    async with stack.client(t) as c:
        assert len((await c.get("/api/v1/runs")).json()) == 1


async def test_resend_after_dedup_window_still_deduplicated(infra: Infra) -> None:
    """Outside JetStream's window the durable claims index answers: a stack whose run log forgets
    message ids after 1 s, and a resend once it has (``WindowProbe``)."""
    async with harness(infra, dedup_window_s=1.0) as h:
        s = h.stack
        t = await s.tenant()
        async with s.client(t) as c:
            first = (await c.post("/api/v1/ingest/runs", json=bundle(2))).json()
            probe = WindowProbe(s)
            await probe.mark()
            await s.wait_caught_up("provenance")
            last = (await s.call("provenance", "ops.status")).json()["last_event_seq"]
            await probe.passed()
            again = (await c.post("/api/v1/ingest/runs", json=bundle(2))).json()
        assert again == {**first, "deduplicated": True}
        assert (await s.call("provenance", "ops.status")).json()["last_event_seq"] == last


async def test_hash_computed_independently_and_claimed_hash_accepted(stack: Stack) -> None:
    t = await stack.tenant()
    doc = bundle(3, extra_member={"lab": "Zoë's lab", "ε": 1e-7})
    expected = blake3(rfc8785.dumps(doc)).hexdigest()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", json={**doc, "run_hash": expected})
        assert r.status_code == 201, r.text
        assert r.json()["run_hash"] == expected
        await stack.wait_caught_up("provenance")
        stored = (await c.get(f"/api/v1/runs/{r.json()['run_id']}")).json()
    assert stored["extra_member"] == {"lab": "Zoë's lab", "ε": 1e-7}
    assert run_hash(stored) == expected


async def test_tampered_bundle_refused_naming_both_hashes(stack: Stack) -> None:
    t = await stack.tenant()
    doc = bundle(4)
    claimed = run_hash(doc)
    doc["results"]["counts"]["11"] += 1
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", json={**doc, "run_hash": claimed})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    assert p["claimed_run_hash"] == claimed and p["computed_run_hash"] == run_hash(doc)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"[1,2]", "JSON object"),
        (orjson.dumps({"schema": "qlprov/run/1.0"}), "qlprov/run/1.0"),
        (orjson.dumps({**bundle(5), "execution": {**bundle(5)["execution"], "shots": 0}}), "shots"),
    ],
)
async def test_invalid_bundles_are_422_problems(stack: Stack, body: bytes, fragment: str) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", content=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert fragment in r.json()["detail"]


async def test_a_body_that_is_not_json_is_a_400_problem(stack: Stack) -> None:
    """400 when the body cannot be parsed; 422 when it parses but is not a valid bundle."""
    t = await stack.tenant()
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", content=b"{not json")
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "not valid JSON" in r.json()["detail"]


async def test_no_key_401_and_bad_key_401(stack: Stack) -> None:
    async with stack.client() as c:
        for headers in ({}, {"Authorization": "Bearer ql_live_nope"}, {"Authorization": "Basic abc"}):
            r = await c.post("/api/v1/ingest/runs", json=bundle(6), headers=headers)
            assert r.status_code == 401
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["status"] == 401
            for path in ("/api/v1/runs", "/api/v1/me", "/api/v1/runs/01JXXXXXXXXXXXXXXXXXXXXXXX"):
                assert (await c.get(path, headers=headers)).status_code == 401


async def test_other_workspace_run_is_404_and_same_bundle_is_separate(stack: Stack) -> None:
    a, b = await stack.tenant(), await stack.tenant()
    async with stack.client(a) as ca, stack.client(b) as cb:
        ra = (await ca.post("/api/v1/ingest/runs", json=bundle(7))).json()
        await stack.wait_caught_up("provenance")
        r = await cb.get(f"/api/v1/runs/{ra['run_id']}")
        assert r.status_code == 404 and r.json()["status"] == 404
        assert (await cb.get("/api/v1/runs")).json() == []
        rb = (await cb.post("/api/v1/ingest/runs", json=bundle(7))).json()
    assert rb["deduplicated"] is False and rb["run_id"] != ra["run_id"] and rb["run_hash"] == ra["run_hash"]


async def test_oversized_bundle_413(stack: Stack) -> None:
    t = await stack.tenant()
    big = bundle(8, padding="x" * (stack.settings.max_bundle_bytes + 10))
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs", json=big)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_stream_results_per_line_bad_line_does_not_stop_the_rest(stack: Stack) -> None:
    t = await stack.tenant()
    limit = stack.settings.max_bundle_bytes
    lines = [orjson.dumps(bundle(100 + i)) for i in range(30)]
    lines.insert(5, b"{broken")
    lines.insert(9, orjson.dumps(bundle(999, padding="y" * (limit + 1))))
    lines.append(lines[0])  # a duplicate within the stream
    async with stack.client(t) as c:
        r = await c.post(
            "/api/v1/ingest/runs:stream",
            content=b"\n".join(lines) + b"\n",
            headers={"Content-Type": "application/x-ndjson"},
        )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    results = {x["line"]: x for x in map(orjson.loads, r.text.splitlines())}
    assert sorted(results) == list(range(1, len(lines) + 1))
    assert results[6]["error"]["status"] == 400  # not JSON
    assert results[10]["error"]["status"] == 413
    ok = [x for x in results.values() if "error" not in x]
    assert len(ok) == 31 and len({x["run_id"] for x in ok}) == 30
    assert results[len(lines)]["run_id"] == results[1]["run_id"]


async def test_stream_same_bundle_in_one_batch_is_one_run(stack: Stack) -> None:
    """Lines that reach ingest in one batch share a claims statement: still one run, one new."""
    t = await stack.tenant()
    same = orjson.dumps(bundle(300))
    lines = [same] * 6 + [orjson.dumps(bundle(301 + i)) for i in range(10)] + [same] * 6
    async with stack.client(t) as c:
        r = await c.post("/api/v1/ingest/runs:stream", content=b"\n".join(lines) + b"\n")
    results = {x["line"]: x for x in map(orjson.loads, r.text.splitlines())}
    assert sorted(results) == list(range(1, len(lines) + 1))
    repeats = [results[n] for n in (*range(1, 7), *range(17, 23))]
    assert len({x["run_id"] for x in repeats}) == 1
    assert sum(not x["deduplicated"] for x in repeats) == 1
    await stack.wait_caught_up("provenance")
    async with stack.client(t) as c:
        assert len((await c.get("/api/v1/runs", params={"limit": 50})).json()) == 11


async def test_ingest_many_answers_in_order_and_refuses_oversized_batches(stack: Stack) -> None:
    from services.ingest.config import MAX_BATCH

    t = await stack.tenant()
    ctx = rpc.RpcContext(workspace_id=t.workspace_id, org_id=t.org_id, actor=f"key:{t.key_id}")

    async def ingest_many(body: bytes) -> rpc.RpcReply:
        return await rpc.call(stack.nc, stack.settings, "ingest", "runs.ingest_many", body, ctx)

    good = orjson.dumps(bundle(400))
    reply = await ingest_many(b"\n".join([good, b"[1]", good]))
    results = reply.json()
    assert [x["status"] for x in results] == [201, 422, 200]
    assert results[0]["result"]["run_id"] == results[2]["result"]["run_id"]
    assert results[1]["error"]["type"].endswith("/unprocessable")
    too_many = await ingest_many(b"\n".join([good] * (MAX_BATCH + 1)))
    assert too_many.status == 400


async def test_each_run_is_readable_the_moment_its_ingest_answered(stack: Stack) -> None:
    """Read after ack: 160 runs ingested by 16 concurrent clients (singles and an NDJSON stream), each
    read with GET /runs/{id} as soon as its answer arrives, while every projection is busy: no miss."""
    t = await stack.tenant()
    misses: list[tuple[str, int]] = []
    limits = httpx.Limits(max_connections=32)

    async def read(c: httpx.AsyncClient, run_id: str) -> None:
        r = await c.get(f"/api/v1/runs/{run_id}")
        if r.status_code != 200:
            misses.append((run_id, r.status_code))

    async with stack.client(t, limits=limits) as c:
        queue = list(range(120))

        async def sender() -> None:
            while queue:
                r = await c.post("/api/v1/ingest/runs", json=bundle(8000 + queue.pop()))
                assert r.status_code == 201, r.text
                await read(c, r.json()["run_id"])

        async def streamer() -> None:
            lines = b"".join(orjson.dumps(bundle(9000 + i)) + b"\n" for i in range(40))
            reads = []
            async with c.stream("POST", "/api/v1/ingest/runs:stream", content=lines) as r:
                async for line in r.aiter_lines():
                    if line:
                        reads.append(asyncio.create_task(read(c, orjson.loads(line)["run_id"])))
            await asyncio.gather(*reads)
            assert len(reads) == 40

        await asyncio.gather(streamer(), *(sender() for _ in range(15)))
    assert misses == []
