"""Group commit for claims: requests that arrive while a batch is in PostgreSQL go in the next one.

One statement and one commit for a batch instead of one per bundle; under a trickle every batch
holds one claim and waits for nothing, under load batches grow with the load. The statement also
reads the claims projection's position, which says whether a claim may decide
(``services.ingest.domain.claims``).
"""

from __future__ import annotations

import asyncio
import time

from psycopg_pool import AsyncConnectionPool

from services.ingest import store
from services.ingest.domain import Claim

__all__ = ["Claimer"]

Key = tuple[str, str]


class Claimer:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool  # autocommit: one INSERT … RETURNING a batch commits it
        self._waiting: list[tuple[Key, asyncio.Future[Claim]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def claim(self, workspace_id: str, run_hash: str) -> Claim:
        """The claim of a bundle: taken now (``new``) or the existing one, with the claims
        projection's position as of this call."""
        fut: asyncio.Future[Claim] = asyncio.get_running_loop().create_future()
        self._waiting.append(((workspace_id, run_hash), fut))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def record_logged(self, workspace_id: str, run_hash: str, run_id: str, seq: int) -> None:
        """Record what the log says of a claim (the ``run.ingested`` at ``seq``), as the claims
        projection will when it gets there: a claim found lying is corrected at once."""
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await store.record_logged(cur, [(workspace_id, run_hash, run_id, seq)])

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                read_at, wall = loop.time(), time.time()
                try:
                    async with self.pool.connection() as conn:
                        claimed = await store.claim_many(conn, [key for key, _ in batch])
                except Exception as exc:  # every caller in the batch gets the error (a 5xx)
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                newest = claimed.newest_event_at
                lag = None if newest is None else wall - newest
                first: set[Key] = set()
                for key, fut in batch:
                    row = claimed.rows[key]
                    new = row.inserted and key not in first  # the same bundle twice in one batch: one new
                    first.add(key)
                    if not fut.done():
                        fut.set_result(Claim(row.run_id, new, row.logged, claimed.checkpoint, read_at, lag))
        finally:
            self._flusher = None
