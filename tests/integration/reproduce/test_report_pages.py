"""The report's reproductions on real PostgreSQL, page by page: ``jobs_of`` with ``before`` walks
every job of a run exactly once in the order they were requested, ``job_summary`` counts all of
them, ``latest_completed`` gives the histogram's few. What each catches: a page that skips or
repeats a job at its edge, another run's jobs on a page, a summary of one page only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from psycopg_pool import AsyncConnectionPool
from qlcore.db import META_DDL, make_pool
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed, ReproductionRequested

from services.reproduce import store
from services.reproduce.projection import ReproduceProjection
from tests.fixtures import Infra

pytestmark = pytest.mark.integration

JOBS = 123


def _events(run_id: str, n: int) -> list[object]:
    out: list[object] = []
    for i in range(n):
        job = f"{run_id}-J{i:04d}"
        out.append(
            ReproductionRequested.new(
                actor="a", workspace_id="ws", job_id=job, run_id=run_id, days=1.0, profile="typical", seed=i
            )
        )
        if i % 10 == 3:
            out.append(ReproductionFailed.new(actor="a", workspace_id="ws", job_id=job, run_id=run_id, error="x"))
        elif i % 10 != 7:  # every tenth stays pending
            out.append(
                ReproductionCompleted.new(
                    actor="a",
                    workspace_id="ws",
                    job_id=job,
                    run_id=run_id,
                    run_hash="h",
                    reproduced_run_id=f"{job}-run",
                    reproduced_run_hash="r",
                    days=1.0,
                    profile="typical",
                    seed=i,
                    verdict=("reproduced", "drifted", "failed")[i % 3],
                    hellinger_fidelity=0.5 + i / 1000,
                )
            )
    return out


@pytest.fixture
async def pool(infra: Infra) -> AsyncIterator[AsyncConnectionPool]:
    settings = infra.settings()
    pool = await make_pool(settings.database_url, settings.schema("reproduce"), max_size=2, autocommit=True)
    events = _events("RA", JOBS) + _events("RB", 7)
    try:
        async with pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(META_DDL)
            await cur.execute(store.DDL)
            await ReproduceProjection().apply_batch(cur, [(e, k + 1) for k, e in enumerate(events)])  # type: ignore[misc]
        yield pool
    finally:
        await pool.close()


async def test_pages_walk_every_job_once_in_order(pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        everything = [j.job_id for j in await store.jobs_of(conn, "RA")]
        assert everything == [f"RA-J{i:04d}" for i in range(JOBS)]
        seen: list[str] = []
        before = None
        while True:
            page = await store.jobs_of(conn, "RA", limit=50, before=before)
            assert len(page) <= 50 and all(j.run_id == "RA" for j in page)
            seen = [j.job_id for j in page] + seen
            if len(page) < 50:
                break
            before = page[0].job_id
        assert seen == everything
        summary = await store.job_summary(conn, "RA")
        assert (summary.total, summary.pending, summary.failed, summary.completed) == (JOBS, 12, 12, 99)
        assert sum(summary.verdicts.values()) == summary.completed
        assert summary.best_fidelity == pytest.approx(0.5 + 122 / 1000)
        latest = await store.latest_completed(conn, "RA", 6)
        assert [j.job_id for j in latest] == ["RA-J0116", "RA-J0118", "RA-J0119", "RA-J0120", "RA-J0121", "RA-J0122"]
