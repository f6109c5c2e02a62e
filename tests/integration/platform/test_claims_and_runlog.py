"""Ingest's grouped claims and reading documents back from the run log, on real PostgreSQL and NATS."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from qlcore import runlog
from qlcore.bus import connect
from qlcore.db import META_DDL, make_pool
from qlcore.events import RunIngested

from services.ingest.claimer import Claimer
from services.ingest.store import DDL, advance_position, claim_many, record_logged
from tests.fixtures import Infra

pytestmark = pytest.mark.integration


async def test_grouped_claims_agree_on_one_run_id_per_bundle(infra: Infra) -> None:
    settings = infra.settings()
    pool = await make_pool(settings.database_url, settings.schema("ingest"), max_size=4)
    try:
        async with pool.connection() as conn:
            await conn.execute(META_DDL)
            await conn.execute(DDL)
        claimer = Claimer(pool)
        # 40 concurrent claims of 4 bundles in 2 workspaces: batches hold the same key several times
        keys = [(f"ws{i % 2}", f"{i % 4:064x}") for i in range(40)]
        claims = await asyncio.gather(*(claimer.claim(ws, h) for ws, h in keys))
        by_key: dict[tuple[str, str], set[str]] = {}
        for key, c in zip(keys, claims, strict=True):
            by_key.setdefault(key, set()).add(c.run_id)
        assert len(by_key) == 4 and all(len(ids) == 1 for ids in by_key.values())
        assert sum(c.new for c in claims) == 4  # one new claim per distinct (workspace, run_hash)
        assert len({next(iter(ids)) for ids in by_key.values()}) == 4
        again = await claimer.claim("ws0", f"{0:064x}")  # later, alone in its batch
        assert not again.new and again.run_id in by_key[("ws0", f"{0:064x}")]
        # each claim says how far the claims projection was: nowhere yet
        assert {(c.checkpoint, c.projection_lag_s) for c in [*claims, again]} == {(0, None)}
    finally:
        await pool.close()


async def test_the_first_logged_run_of_a_bundle_names_its_claim_in_any_order(infra: Infra) -> None:
    """A claim whose commit was lost, taken again under another run id, yields to the log: the
    run.ingested with the lowest sequence decides, whichever is recorded first."""
    settings = infra.settings()
    pool = await make_pool(settings.database_url, settings.schema("ingest"), max_size=2, autocommit=True)
    try:
        async with pool.connection() as conn, conn.cursor() as cur:
            await conn.execute(META_DDL)
            await conn.execute(DDL)
            claims = await claim_many(conn, [("ws", "a" * 64), ("ws", "b" * 64)])
            retaken = claims.rows[("ws", "a" * 64)].run_id  # the lost claim, taken again: never logged
            await record_logged(cur, [("ws", "a" * 64, "R-first", 10)])
            await record_logged(cur, [("ws", "b" * 64, "R-second", 20)])  # recorded before the first one
            await record_logged(cur, [("ws", "b" * 64, "R-first-b", 12)])
            await record_logged(cur, [("ws", "a" * 64, "R-duplicate", 30)])  # a later duplicate changes nothing
            rows = await (await conn.execute("SELECT run_hash, run_id, logged_seq FROM claims ORDER BY 1")).fetchall()
        assert retaken not in {r[1] for r in rows}
        assert rows == [("a" * 64, "R-first", 10), ("b" * 64, "R-first-b", 12)]
        async with pool.connection() as conn, conn.cursor() as cur:
            await advance_position(cur, ["2025-01-01T00:00:02Z", "2025-01-01T00:00:01Z"])
            await advance_position(cur, ["2025-01-01T00:00:00Z"])  # never back
            claimed = await claim_many(conn, [("ws", "a" * 64)])
        assert claimed.newest_event_at == 1735689602.0 and claimed.rows[("ws", "a" * 64)].run_id == "R-first"
    finally:
        await pool.close()


async def test_documents_read_back_from_the_log(infra: Infra) -> None:
    settings = infra.settings()
    bus = await connect(settings, "test")
    try:
        seqs = []
        for i in range(3):
            run_id, run_hash = f"R{i}", f"{i:064x}"
            doc = await bus.append_document(b'{"i":%d}' % i, run_id=run_id, run_hash=run_hash)
            event = RunIngested.new(
                actor="t",
                workspace_id="ws",
                run_id=run_id,
                run_hash=run_hash,
                head=msgspec.Raw(b"{}"),
                received_at="2025-01-01T00:00:00Z",
                document_seq=doc.seq,
            )
            seqs.append((await bus.append(event)).seq)
        assert await runlog.document_at(bus, seqs[1], "R1") == b'{"i":1}'
        assert await runlog.documents_at(bus, [(seqs[0], "R0"), (seqs[2], "R2")]) == {
            "R0": b'{"i":0}',
            "R2": b'{"i":2}',
        }
        with pytest.raises(runlog.LogInconsistent):  # a read model pointing at another run's event
            await runlog.document_at(bus, seqs[0], "R2")
        with pytest.raises(runlog.LogInconsistent):  # or past the end of the log
            await runlog.document_at(bus, seqs[-1] + 100, "R9")
    finally:
        await bus.close()
