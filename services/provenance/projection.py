"""Provenance read model: one row per run, the columns queries need and the log sequence of its event.

The document itself is not copied here: ``GET /runs/{id}`` reads it back from the run log by
``seq`` (``qlcore.runlog``). A copy cost PostgreSQL ~0.9 ms CPU a run and halved replay speed
(``docs/decisions/0007-documents-read-from-the-log.md``).
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
    seq bigint NOT NULL
);
ALTER TABLE runs DROP COLUMN IF EXISTS document;  -- read models before 0007 kept a copy
ALTER TABLE runs ADD COLUMN IF NOT EXISTS document_seq bigint;  -- where the whole document is (0008)
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
    " created_at, created_at_text, seq, document_seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
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
            s = _summary.decode(event.document)
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
                    event.document_seq,
                )
            )
        if rows:  # executemany pipelines the inserts: one round trip per batch, not per row
            await cur.executemany(_INSERT, rows)
