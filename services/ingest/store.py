"""The ingest service's state: the durable ``run_hash → run_id`` claims index.

A claim is taken before the event is appended (so concurrent sends of one bundle agree on one
``run_id``); the claims projection marks it ``logged_seq`` when the event reaches the read
model, and rebuilds the logged claims from ``run.ingested`` events on a replay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool
from qlcore.events import Event, RunIngested
from ulid import ULID

__all__ = ["Claim", "Claimer", "ClaimsProjection", "claim_many"]

DDL = """
CREATE TABLE IF NOT EXISTS claims (
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    run_id text NOT NULL UNIQUE,
    logged_seq bigint,
    PRIMARY KEY (workspace_id, run_hash)
);
"""


@dataclass(frozen=True)
class Claim:
    run_id: str
    new: bool
    logged: bool


_CLAIM_MANY = (
    "INSERT INTO claims (workspace_id, run_hash, run_id)"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])"
    " ON CONFLICT (workspace_id, run_hash) DO UPDATE SET run_hash = EXCLUDED.run_hash"
    " RETURNING workspace_id, run_hash, run_id, (xmax = 0) AS inserted, logged_seq IS NOT NULL"
)


async def claim_many(conn: psycopg.AsyncConnection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Claim]:
    """Claim ``(workspace_id, run_hash)`` keys in one statement: insert each or return the existing claim.

    Atomic under concurrency (``ON CONFLICT``); keys are deduplicated and sorted, so two batches
    lock rows in the same order and cannot deadlock. A key given twice is claimed once: ``new``
    is true for one caller at most (see :class:`Claimer`).
    """
    unique = sorted(set(keys))
    ws, hashes = [k[0] for k in unique], [k[1] for k in unique]
    cur = await conn.execute(_CLAIM_MANY, (ws, hashes, [str(ULID()) for _ in unique]))
    rows = await cur.fetchall()
    return {(r[0], r[1]): Claim(run_id=r[2], new=bool(r[3]), logged=bool(r[4])) for r in rows}


class Claimer:
    """Group commit for claims: requests that arrive while a batch is in PostgreSQL go in the next one.

    One statement and one commit for a batch instead of one per bundle; under a trickle every
    batch holds one claim and waits for nothing, under load batches grow with the load.
    """

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
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
                        claims = await claim_many(conn, [key for key, _ in batch])
                except Exception as exc:  # every caller in the batch gets the error (a 5xx)
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                first: set[tuple[str, str]] = set()
                for key, fut in batch:
                    c = claims[key]
                    if c.new and key in first:  # the same bundle twice in one batch: one run, one new
                        c = Claim(c.run_id, new=False, logged=c.logged)
                    first.add(key)
                    if not fut.done():
                        fut.set_result(c)
        finally:
            self._flusher = None


class ClaimsProjection:
    service: str = "ingest"
    ddl: str = DDL
    tables: Sequence[tuple[str, str]] = (("claims", "workspace_id, run_hash"),)
    handles: frozenset[str] | None = frozenset({"run.ingested"})

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        await self.apply_batch(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        rows = [(e.workspace_id, e.run_hash, e.run_id, seq) for e, seq in items if isinstance(e, RunIngested)]
        if rows:
            await cur.executemany(
                "INSERT INTO claims (workspace_id, run_hash, run_id, logged_seq) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (workspace_id, run_hash) DO UPDATE SET logged_seq = "
                "LEAST(COALESCE(claims.logged_seq, EXCLUDED.logged_seq), EXCLUDED.logged_seq)",
                rows,
            )
