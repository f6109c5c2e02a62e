"""The claims read model from the log: every ``run.ingested`` marks its claim logged, naming the run
of its key's first event (``services.ingest.store``), and moves ``claims_position`` on to its time;
a replay rebuilds both from the events alone."""

from __future__ import annotations

import psycopg
from qlcore.events import Event, RunIngested

from services.ingest import store

__all__ = ["ClaimsProjection"]


class ClaimsProjection:
    service: str = "ingest"
    ddl: str = store.DDL
    tables = store.TABLES
    handles: frozenset[str] | None = frozenset({"run.ingested"})

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        await self.apply_batch(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        rows: list[tuple[str, str, str, int]] = []
        for event, seq in items:
            if not isinstance(event, RunIngested):
                continue
            if not event.workspace_id:  # ingest never appends one: the runner retries, then dead-letters it
                raise ValueError(f"run.ingested at sequence {seq} has no workspace")
            rows.append((event.workspace_id, event.run_hash, event.run_id, seq))
        await store.record_logged(cur, rows)
        await store.advance_position(cur, [e.occurred_at for e, _ in items if isinstance(e, RunIngested)])
