"""The ingest service's PostgreSQL: the durable ``(workspace_id, run_hash) → run_id`` claims index.

A claim is taken before a run's entries are appended, so concurrent sends of one bundle agree on
one ``run_id`` (``INSERT … ON CONFLICT`` decides the race). The claims projection records each
``run.ingested`` in its claim (``logged_seq``), and the run log decides: a claim takes the
``run_id`` of the *first* ``run.ingested`` of its ``(workspace_id, run_hash)``, whatever run id it
held before (a claim whose commit was lost and taken again, decision 0012). A replay rebuilds the
logged claims from the events alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from ulid import ULID

__all__ = ["DDL", "TABLES", "ClaimRow", "Claimed", "advance_position", "claim_many", "record_logged"]

# claims_position: the newest ``occurred_at`` of the run.ingested events the projection has applied
# (with its checkpoint, in the same transaction): how far back the claims may be blind (decision 0012)
DDL = """
CREATE TABLE IF NOT EXISTS claims (
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    run_id text NOT NULL UNIQUE,
    logged_seq bigint,
    PRIMARY KEY (workspace_id, run_hash)
);
CREATE TABLE IF NOT EXISTS claims_position (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    newest_event_at timestamptz NOT NULL
);
"""

TABLES: Sequence[tuple[str, str]] = (("claims", "workspace_id, run_hash"), ("claims_position", "id"))


@dataclass(frozen=True)
class ClaimRow:
    run_id: str
    inserted: bool  # this statement created the claim
    logged: bool  # the run's event is in the log, and run_id is that event's


@dataclass(frozen=True)
class Claimed:
    """A batch of claims and, from the same snapshot, how far the claims projection had got."""

    rows: dict[tuple[str, str], ClaimRow]
    checkpoint: int  # the projection's log position
    newest_event_at: float | None  # claims_position, in seconds since the epoch (None: nothing applied)


# The projection's position is read in the same statement (snapshot) as the claims: a checkpoint at
# or past a sequence means every claim returned reflects the events up to it (the projection writes
# both in one transaction). ON CONFLICT returns the newest row version, never an older one than that.
_CLAIM_MANY = (
    "INSERT INTO claims (workspace_id, run_hash, run_id)"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])"
    " ON CONFLICT (workspace_id, run_hash) DO UPDATE SET run_hash = EXCLUDED.run_hash"
    " RETURNING workspace_id, run_hash, run_id, (xmax = 0) AS inserted, logged_seq IS NOT NULL,"
    " (SELECT seq FROM _checkpoint WHERE id = 1),"
    " (SELECT extract(epoch FROM newest_event_at)::float8 FROM claims_position WHERE id = 1)"
)

_ADVANCE_POSITION = (
    "INSERT INTO claims_position (id, newest_event_at) SELECT 1, max(t) FROM unnest(%s::timestamptz[]) AS t"
    " ON CONFLICT (id) DO UPDATE"
    " SET newest_event_at = GREATEST(claims_position.newest_event_at, EXCLUDED.newest_event_at)"
)

# The first run.ingested of a key wins, in whatever order its events are recorded: the lowest
# sequence gives the claim its run_id (an unlogged claim always yields to the log).
_RECORD_LOGGED = (
    "INSERT INTO claims (workspace_id, run_hash, run_id, logged_seq) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (workspace_id, run_hash) DO UPDATE SET"
    " run_id = CASE WHEN claims.logged_seq IS NULL OR EXCLUDED.logged_seq < claims.logged_seq"
    " THEN EXCLUDED.run_id ELSE claims.run_id END,"
    " logged_seq = LEAST(claims.logged_seq, EXCLUDED.logged_seq)"
)


async def claim_many(conn: psycopg.AsyncConnection, keys: Sequence[tuple[str, str]]) -> Claimed:
    """Claim ``(workspace_id, run_hash)`` keys in one statement: insert each or return the existing
    claim; and the claims projection's position as the statement saw it.

    Atomic under concurrency (``ON CONFLICT``); keys are deduplicated and sorted, so two batches
    lock rows in the same order and cannot deadlock. A key given twice is claimed once.
    """
    unique = sorted(set(keys))
    ws, hashes = [k[0] for k in unique], [k[1] for k in unique]
    cur = await conn.execute(_CLAIM_MANY, (ws, hashes, [str(ULID()) for _ in unique]))
    rows = await cur.fetchall()
    return Claimed(
        {(r[0], r[1]): ClaimRow(run_id=r[2], inserted=bool(r[3]), logged=bool(r[4])) for r in rows},
        checkpoint=int(rows[0][5] or 0) if rows else 0,
        newest_event_at=rows[0][6] if rows else None,
    )


async def advance_position(cur: psycopg.AsyncCursor, occurred_at: Sequence[str]) -> None:
    """The projection applied run.ingested events that occurred at these times (RFC 3339)."""
    if occurred_at:
        await cur.execute(_ADVANCE_POSITION, (list(occurred_at),))


async def record_logged(cur: psycopg.AsyncCursor, rows: Sequence[tuple[str, str, str, int]]) -> None:
    """``(workspace_id, run_hash, run_id, seq)`` of ``run.ingested`` events: each claim is logged, and
    holds the run id of its key's first event. Rows go in key order, as claims lock them (no deadlock
    between the projection and a batch of claims); the result does not depend on the order."""
    if rows:
        await cur.executemany(_RECORD_LOGGED, sorted(rows))
