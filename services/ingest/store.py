"""The ingest service's state: the durable ``run_hash → run_id`` claims index.

A claim is taken before the event is appended (so concurrent sends of one bundle agree on one
``run_id``); the claims projection marks it ``logged_seq`` when the event reaches the read
model, and rebuilds the logged claims from ``run.ingested`` events on a replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from qlcore.events import Event, RunIngested

__all__ = ["Claim", "ClaimsProjection", "claim"]

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


async def claim(conn: psycopg.AsyncConnection, workspace_id: str, run_hash: str, run_id: str) -> Claim:
    """Insert the claim or return the existing one (``new`` tells which); atomic under concurrency."""
    cur = await conn.execute(
        "INSERT INTO claims (workspace_id, run_hash, run_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (workspace_id, run_hash) DO UPDATE SET run_hash = EXCLUDED.run_hash "
        "RETURNING run_id, (xmax = 0) AS inserted, logged_seq IS NOT NULL",
        (workspace_id, run_hash, run_id),
    )
    row = await cur.fetchone()
    assert row is not None
    return Claim(run_id=row[0], new=bool(row[1]), logged=bool(row[2]))


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
