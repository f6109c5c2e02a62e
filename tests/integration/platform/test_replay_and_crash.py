"""Replay gives an identical read model; a service killed mid-stream resumes without loss or double."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator

import msgspec
import nats
import pytest
from qlcore import rpc
from qlcore.bus import connect
from qlcore.busauth import nats_env
from qlcore.config import Settings
from qlcore.events import RunIngested
from qlprov.hashing import canonical_body, digest_hex

from tests.fixtures import Infra, Stack
from tests.integration.platform.bundles import bundle

pytestmark = pytest.mark.integration


async def test_replay_digest_identical_for_every_service(stack: Stack) -> None:
    t = await stack.tenant()
    async with stack.client(t) as c:
        for i in range(25):
            assert (await c.post("/api/v1/ingest/runs", json=bundle(500 + i))).status_code == 201
    for service in ("ingest", "provenance", "gateway"):
        await stack.wait_caught_up(service)
        before = (await stack.call(service, "ops.digest")).json()
        replay = (await stack.call(service, "ops.replay", timeout=120)).json()
        after = (await stack.call(service, "ops.digest")).json()
        assert replay["digest"] == before["digest"] == after["digest"], service
        assert replay["events"] >= 25


def _spawn(settings: Settings, service: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **nats_env(settings, service),
        "QL_DATABASE_URL": settings.database_url,
        "QL_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [sys.executable, "-m", f"services.{service}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture
async def isolated(infra: Infra) -> AsyncIterator[Settings]:
    yield infra.settings()


async def _status(nc: nats.NATS, settings: Settings, service: str) -> dict[str, int]:
    return (await rpc.call(nc, settings, service, "ops.status", timeout=2)).json()  # type: ignore[no-any-return]


async def _wait(cond: object, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            if await cond():  # type: ignore[operator]
                return
        except Exception:  # the service may be (re)starting
            pass
        if loop.time() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


async def test_killed_mid_stream_then_restarted_matches_a_replay(isolated: Settings) -> None:
    settings = isolated
    bus = await connect(settings, "test")
    n = 3000
    bodies = [canonical_body(bundle(i)) for i in range(n)]
    entries = [  # each whole document is its own log entry, before its event (decision 0008)
        bus.js.publish(settings.document_subject, body, stream=settings.stream) for body in bodies
    ]
    document_seqs: list[int] = []
    for chunk in range(0, n, 500):
        document_seqs += [ack.seq for ack in await asyncio.gather(*entries[chunk : chunk + 500])]
    docs = [
        RunIngested.new(
            actor="test",
            workspace_id="ws",
            run_id=f"r{i:06d}",
            run_hash=digest_hex(body),
            head=msgspec.Raw(body),
            received_at="2025-01-01T00:00:00Z",
            document_seq=document_seqs[i],
        )
        for i, body in enumerate(bodies)
    ]
    acks = [
        bus.js.publish(
            bus.subject_for(e),
            msgspec.json.encode(e),
            stream=settings.stream,
            headers={"Ql-Event-Type": e.type, "Ql-Event-Version": "1"},
        )
        for e in docs
    ]
    for chunk in range(0, n, 500):
        await asyncio.gather(*acks[chunk : chunk + 500])
    last = await bus.last_event_seq()
    proc = _spawn(settings, "provenance")
    try:
        await _wait(lambda: _positive(bus.nc, settings), 60)
        proc.send_signal(signal.SIGKILL)  # mid-stream, no chance to clean up
        proc.wait(10)
        killed_at = await _stored(settings)
        assert 0 < killed_at < last, "the kill must land mid-stream"
        proc = _spawn(settings, "provenance")

        async def caught_up() -> bool:
            return (await _status(bus.nc, settings, "provenance"))["position"] == last

        await _wait(caught_up, 120)
        digest = (await rpc.call(bus.nc, settings, "provenance", "ops.digest", timeout=30)).json()["digest"]
        replayed = (await rpc.call(bus.nc, settings, "provenance", "ops.replay", timeout=300)).json()
        assert replayed["events"] == n and replayed["digest"] == digest
        rows = await _rows(settings)
        assert rows == n
    finally:
        proc.terminate()
        proc.wait(15)
        await bus.close()


async def _positive(nc: nats.NATS, settings: Settings) -> bool:
    return (await _status(nc, settings, "provenance"))["position"] > 200


async def _stored(settings: Settings) -> int:
    import psycopg

    async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
        row = await (await conn.execute(f'SELECT seq FROM "{settings.schema("provenance")}"._checkpoint')).fetchone()
    return int(row[0]) if row else 0


async def _rows(settings: Settings) -> int:
    import psycopg

    async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
        row = await (await conn.execute(f'SELECT count(*) FROM "{settings.schema("provenance")}".runs')).fetchone()
    return int(row[0]) if row else 0


async def test_replay_while_events_keep_arriving(stack: Stack) -> None:
    """A replay racing live traffic (as in the benchmark) must neither crash the runner nor lose events."""
    t = await stack.tenant()
    stop = asyncio.Event()

    async def traffic() -> int:
        n = 0
        async with stack.client(t) as c:
            while not stop.is_set():
                r = await c.post("/api/v1/ingest/runs", json=bundle(70_000 + n))
                assert r.status_code == 201, r.text
                n += 1
        return n

    producer = asyncio.create_task(traffic())
    for _ in range(3):
        replay = (await stack.call("provenance", "ops.replay", timeout=120)).json()
        assert replay["events"] > 0
    stop.set()
    sent = await producer
    await stack.wait_caught_up("provenance")
    async with stack.client(t) as c:
        assert len([x async for x in _all_runs(c)]) == sent
    status = (await stack.call("provenance", "ops.status")).json()
    assert status["dead_letters"] == 0 and status["lag"] == 0


async def _all_runs(c: object) -> object:
    url: str | None = "/api/v1/runs?limit=200"
    while url:
        r = await c.get(url)  # type: ignore[attr-defined]
        for x in r.json():
            yield x
        url = r.links.get("next", {}).get("url")
