"""Provenance read model: one row per ``run.ingested`` (``services.provenance.store``)."""

from __future__ import annotations

from typing import Any

import msgspec
import psycopg
from qlcore.events import Event, RunIngested
from qlprov.document import is_simulated_reproduction

from services.provenance import store
from services.provenance.domain import run_kind

__all__ = ["RunsProjection", "Summary"]


class _Backend(msgspec.Struct):
    provider: str
    name: str


class _Execution(msgspec.Struct):
    shots: int
    status: str
    seed_simulator: int | None = None


class _Lineage(msgspec.Struct):
    reproduction_of: str | None = None


class _Program(msgspec.Struct):
    name: str = ""


class Summary(msgspec.Struct):
    """The few members the read model projects; msgspec skips the rest of the head fast."""

    created_at: str
    backend: _Backend
    execution: _Execution
    program: _Program | None = None
    lineage: _Lineage | None = None
    reproduction: Any = None  # the reproduce service's record of a drift simulation (any JSON: an extra member)


_summary = msgspec.json.Decoder(Summary)


class RunsProjection:
    service: str = "provenance"
    ddl: str = store.DDL
    tables = store.TABLES
    handles: frozenset[str] | None = frozenset({"run.ingested"})

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        await self.apply_batch(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        rows: list[tuple[object, ...]] = []
        for event, seq in items:
            if not isinstance(event, RunIngested):
                continue
            s = _summary.decode(event.head)
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
                    s.program.name if s.program else "",
                    s.lineage.reproduction_of if s.lineage else None,
                    run_kind(
                        is_simulated_reproduction(
                            s.lineage.reproduction_of if s.lineage else None,
                            s.execution.seed_simulator,
                            has_reproduction_record=isinstance(s.reproduction, dict),
                        )
                    ),
                )
            )
        await store.insert_runs(cur, rows)
