"""Outages answered fast and recovered from (issue 13, item 2).

The stack runs in-process on embedded NATS and PostgreSQL of this module alone (never the
machine's shared servers), which the tests stop and start. While one is down every request is a
503 problem+json with ``Retry-After`` (no 500, no hang: the client's generous timeout only makes
sure the request returned); once it is back, the stack serves again, and no request after that
meets a stale pooled connection. How fast: ``bench/outage_bench.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from qlcore.bus import connect
from qlcore.db import make_pool
from qlcore.projection import ProjectionRunner

from tests.fixtures import Infra, Stack, Tenant, infra_context, stack_context
from tests.integration.platform.bundles import bundle
from tests.integration.platform.test_projection_runner import CountingProjection, _until_position, event

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own() -> Iterator[Infra]:
    yield from infra_context(own_servers=True)


@pytest.fixture(scope="module")
async def own_stack(own: Infra) -> AsyncIterator[Stack]:
    async for s in stack_context(own):
        yield s


@pytest.fixture(scope="module")
async def tenant(own_stack: Stack) -> Tenant:
    return await own_stack.tenant()


async def _ingest(c: httpx.AsyncClient) -> httpx.Response:
    return await c.post("/api/v1/ingest/runs", json=bundle(f"outage-{uuid.uuid4().hex[:12]}"))


async def _requests(c: httpx.AsyncClient, run_id: str) -> dict[str, httpx.Response]:
    return {
        "GET /me": await c.get("/api/v1/me"),
        "GET /runs": await c.get("/api/v1/runs"),
        "GET /runs/{id}": await c.get(f"/api/v1/runs/{run_id}"),
        "POST /ingest/runs": await _ingest(c),
    }


async def _stream(c: httpx.AsyncClient, n: int = 3) -> httpx.Response:
    lines = b"".join(json.dumps(bundle(f"outage-{uuid.uuid4().hex[:12]}")).encode() + b"\n" for _ in range(n))
    return await c.post("/api/v1/ingest/runs:stream", content=lines, headers={"Content-Type": "application/x-ndjson"})


def _assert_unavailable(name: str, r: httpx.Response) -> None:
    assert r.status_code == 503, (name, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), name
    assert int(r.headers["retry-after"]) >= 1, name
    assert r.json()["status"] == 503


async def _serves_again(c: httpx.AsyncClient, run_id: str) -> None:
    """Poll until every request succeeds (a generous bound), then 20 more rounds: all succeed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        got = await _requests(c, run_id)
        if all(r.status_code in (200, 201) for r in got.values()):
            break
        assert all(r.status_code == 503 for r in got.values() if r.status_code >= 400), got
        assert loop.time() < deadline, {k: r.status_code for k, r in got.items()}
        await asyncio.sleep(0.2)
    for _ in range(20):  # no stale pooled connection left: nothing fails after the first success
        got = await _requests(c, run_id)
        assert {k: r.status_code for k, r in got.items()} == {
            "GET /me": 200,
            "GET /runs": 200,
            "GET /runs/{id}": 200,
            "POST /ingest/runs": 201,
        }


async def test_postgresql_down_every_request_is_a_fast_503_and_the_stack_recovers(
    own: Infra, own_stack: Stack, tenant: Tenant
) -> None:
    assert own.postgres is not None
    async with own_stack.client(tenant) as c:
        created = await _ingest(c)
        assert created.status_code == 201, created.text
        run_id = created.json()["run_id"]
        await asyncio.to_thread(own.postgres.halt)
        try:
            for _ in range(3):
                for name, r in (await _requests(c, run_id)).items():
                    _assert_unavailable(name, r)
            _assert_unavailable("POST /ingest/runs:stream", await _stream(c))  # the caller cannot be resolved
        finally:
            await asyncio.to_thread(own.postgres.restart)
        await _serves_again(c, run_id)


async def test_nats_down_every_request_needing_it_is_a_fast_503_and_the_stack_recovers(
    own: Infra, own_stack: Stack, tenant: Tenant
) -> None:
    assert own.nats is not None
    async with own_stack.client(tenant) as c:
        created = await _ingest(c)
        assert created.status_code == 201, created.text
        run_id = created.json()["run_id"]
        await asyncio.to_thread(own.nats.stop)
        try:
            for _ in range(3):
                got = await _requests(c, run_id)
                assert got["GET /me"].status_code == 200  # the identity read model needs PostgreSQL only
                for name in ("GET /runs", "GET /runs/{id}", "POST /ingest/runs"):
                    _assert_unavailable(name, got[name])
            streamed = await _stream(c)  # the caller is known: every line gets its own 503
            assert streamed.status_code == 200
            answers = [json.loads(line) for line in streamed.text.splitlines()]
            assert sorted(a["line"] for a in answers) == [1, 2, 3]
            assert all(a["error"]["status"] == 503 for a in answers), answers
        finally:
            await asyncio.to_thread(own.nats.start)
        await _serves_again(c, run_id)


async def test_a_standby_projection_survives_a_postgresql_outage(own: Infra) -> None:
    """A leader and a standby; PostgreSQL goes away (the leader's lock connection with it) and comes
    back: neither runner dies, one of them leads again and applies what was appended meanwhile,
    exactly once."""
    assert own.postgres is not None
    settings = own.settings()
    bus = await connect(settings, "test")
    runners: list[ProjectionRunner] = []
    for _ in range(2):
        pool = await make_pool(settings.database_url, settings.schema("counting"), max_size=4)
        runners.append(ProjectionRunner(bus, pool, CountingProjection()))  # type: ignore[arg-type]
        await runners[-1].setup()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in runners]
    try:
        last = 0
        for i in range(5):
            last = (await bus.append(event(i))).seq
        await asyncio.wait_for(_until_any(runners, last), 30)
        assert sum(r.leader for r in runners) == 1
        await asyncio.to_thread(own.postgres.halt)
        try:
            for i in range(5, 10):  # the log keeps taking events while PostgreSQL is down
                last = (await bus.append(event(i))).seq
            await asyncio.sleep(2.5)  # both runners meet the outage: each tries to lead or re-check
            assert not any(t.done() for t in tasks), [t.exception() for t in tasks if t.done()]
        finally:
            await asyncio.to_thread(own.postgres.restart)
        await asyncio.wait_for(_until_any(runners, last), 60)
        assert not any(t.done() for t in tasks)
        async with runners[0].pool.connection() as conn:
            schema = settings.schema("counting")
            n = (await (await conn.execute(f'SELECT n FROM "{schema}".counter')).fetchone())[0]  # type: ignore[index]
        assert n == 10
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for r in runners:
            await r.pool.close()
        await bus.close()


async def _until_any(runners: list[ProjectionRunner], seq: int) -> None:
    waits = [asyncio.create_task(_until_position(r, seq)) for r in runners]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
