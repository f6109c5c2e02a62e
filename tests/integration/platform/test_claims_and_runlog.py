"""Ingest's grouped claims and reading documents back from the run log, on real PostgreSQL and NATS."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from qlcore import runlog
from qlcore.bus import connect
from qlcore.db import make_pool
from qlcore.events import RunIngested

from services.ingest.claimer import Claimer
from services.ingest.store import DDL
from tests.fixtures import Infra

pytestmark = pytest.mark.integration


async def test_grouped_claims_agree_on_one_run_id_per_bundle(infra: Infra) -> None:
    settings = infra.settings()
    pool = await make_pool(settings.database_url, settings.schema("ingest"), max_size=4)
    try:
        async with pool.connection() as conn:
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
