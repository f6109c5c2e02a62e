"""The ingest service's PostgreSQL: the durable ``(workspace_id, run_hash) → run_id`` claims index.

A claim is taken before a run's entries are appended, so concurrent sends of one bundle agree on
one ``run_id`` (``INSERT … ON CONFLICT`` decides the race); the claims projection marks it
``logged_seq`` when the ``run.ingested`` event reaches the read model, and rebuilds the logged
claims from the log on a replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from ulid import ULID

__all__ = ["DDL", "TABLES", "ClaimRow", "claim_many", "record_logged"]

DDL = """
CREATE TABLE IF NOT EXISTS claims (
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    run_id text NOT NULL UNIQUE,
    logged_seq bigint,
    PRIMARY KEY (workspace_id, run_hash)
);
"""

TABLES: Sequence[tuple[str, str]] = (("claims", "workspace_id, run_hash"),)


@dataclass(frozen=True)
class ClaimRow:
    run_id: str
    inserted: bool  # this statement created the claim
    logged: bool  # the run's event is in the log (the claims projection or a read-back saw it)


_CLAIM_MANY = (
    "INSERT INTO claims (workspace_id, run_hash, run_id)"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])"
    " ON CONFLICT (workspace_id, run_hash) DO UPDATE SET run_hash = EXCLUDED.run_hash"
    " RETURNING workspace_id, run_hash, run_id, (xmax = 0) AS inserted, logged_seq IS NOT NULL"
)

_RECORD_LOGGED = (
    "INSERT INTO claims (workspace_id, run_hash, run_id, logged_seq) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (workspace_id, run_hash) DO UPDATE SET logged_seq = "
    "LEAST(COALESCE(claims.logged_seq, EXCLUDED.logged_seq), EXCLUDED.logged_seq)"
)


async def claim_many(conn: psycopg.AsyncConnection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ClaimRow]:
    """Claim ``(workspace_id, run_hash)`` keys in one statement: insert each or return the existing claim.

    Atomic under concurrency (``ON CONFLICT``); keys are deduplicated and sorted, so two batches
    lock rows in the same order and cannot deadlock. A key given twice is claimed once.
    """
    unique = sorted(set(keys))
    ws, hashes = [k[0] for k in unique], [k[1] for k in unique]
    cur = await conn.execute(_CLAIM_MANY, (ws, hashes, [str(ULID()) for _ in unique]))
    rows = await cur.fetchall()
    return {(r[0], r[1]): ClaimRow(run_id=r[2], inserted=bool(r[3]), logged=bool(r[4])) for r in rows}


async def record_logged(cur: psycopg.AsyncCursor, rows: Sequence[tuple[str, str, str, int]]) -> None:
    """``(workspace_id, run_hash, run_id, seq)`` of ``run.ingested`` events: the claim of each is logged."""
    if rows:
        await cur.executemany(_RECORD_LOGGED, rows)
