"""Provenance read model: one row per run, the columns queries need plus the document bytes.

The document is kept as uncompressed ``bytea`` (STORAGE EXTERNAL) rather than ``jsonb``:
jsonb parsing and pglz compression cost ~0.5 ms CPU a row and halve ingest throughput
(design.md, performance notes); the document is only ever returned whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
from qlcore.events import Event, RunIngested

__all__ = ["RunsProjection", "Summary"]

DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    provider text NOT NULL,
    backend_name text NOT NULL,
    shots integer NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    created_at_text text NOT NULL,
    seq bigint NOT NULL,
    document bytea NOT NULL
);
ALTER TABLE runs ALTER COLUMN document SET STORAGE EXTERNAL;
CREATE INDEX IF NOT EXISTS runs_ws_recent ON runs (workspace_id, created_at DESC, run_id DESC);
"""


class _Backend(msgspec.Struct):
    provider: str
    name: str


class _Execution(msgspec.Struct):
    shots: int
    status: str


class Summary(msgspec.Struct):
    """The few members the read model projects; msgspec skips the rest of the document fast."""

    created_at: str
    backend: _Backend
    execution: _Execution


_summary = msgspec.json.Decoder(Summary)

_INSERT = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, provider, backend_name, shots, status,"
    " created_at, created_at_text, seq, document) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)


class RunsProjection:
    service: str = "provenance"
    ddl: str = DDL
    tables: Sequence[tuple[str, str]] = (("runs", "run_id"),)
    handles: frozenset[str] | None = frozenset({"run.ingested"})

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        await self.apply_batch(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        rows = []
        for event, seq in items:
            if not isinstance(event, RunIngested):
                continue
            body = bytes(event.document)
            s = _summary.decode(body)
            rows.append(
                (
                    event.run_id,
                    event.workspace_id,
                    event.run_hash,
                    s.backend.provider,
                    s.backend.name,
                    s.execution.shots,
                    s.execution.status,
                    s.created_at,
                    s.created_at,
                    seq,
                    body,
                )
            )
        if rows:  # executemany pipelines the inserts: one round trip per batch, not per row
            await cur.executemany(_INSERT, rows)
