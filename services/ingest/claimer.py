"""Group commit for claims: requests that arrive while a batch is in PostgreSQL go in the next one.

One statement and one commit for a batch instead of one per bundle; under a trickle every batch
holds one claim and waits for nothing, under load batches grow with the load.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool

from services.ingest import store

__all__ = ["Claim", "Claimer"]


@dataclass(frozen=True)
class Claim:
    run_id: str
    new: bool  # this caller created the claim (one caller at most per key)
    logged: bool


class Claimer:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool  # autocommit: one INSERT … RETURNING a batch commits it
        self._waiting: list[tuple[tuple[str, str], asyncio.Future[Claim]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def claim(self, workspace_id: str, run_hash: str) -> Claim:
        fut: asyncio.Future[Claim] = asyncio.get_running_loop().create_future()
        self._waiting.append(((workspace_id, run_hash), fut))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    async with self.pool.connection() as conn:
                        rows = await store.claim_many(conn, [key for key, _ in batch])
                except Exception as exc:  # every caller in the batch gets the error (a 5xx)
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                first: set[tuple[str, str]] = set()
                for key, fut in batch:
                    row = rows[key]
                    # the same bundle twice in one batch: one run, one new
                    c = Claim(row.run_id, new=row.inserted and key not in first, logged=row.logged)
                    first.add(key)
                    if not fut.done():
                        fut.set_result(c)
        finally:
            self._flusher = None
