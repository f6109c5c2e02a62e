"""The reproduce read model, built from the run log alone (tables and SQL:
:mod:`services.reproduce.store`).

Everything comes from event fields (times as the events wrote them), so a replay rebuilds
byte-identical rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
import structlog
from qlcore.events import Event, RunIngested
from qlcore.events.cards import CardPublished, CardUnpublished
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed, ReproductionRequested

from services.reproduce import store

__all__ = ["ReproduceProjection", "RunSummary"]

log = structlog.get_logger("reproduce.projection")


class _Named(msgspec.Struct):
    name: str = ""


class _Backend(msgspec.Struct):
    provider: str = ""
    name: str = ""


class _Execution(msgspec.Struct):
    shots: int = 0
    status: str = ""


class _Lineage(msgspec.Struct):
    reproduction_of: str | None = None


class RunSummary(msgspec.Struct):
    """The few members the read model projects; msgspec skips the rest of the document fast."""

    created_at: str = ""
    program: _Named = msgspec.field(default_factory=_Named)
    backend: _Backend = msgspec.field(default_factory=_Backend)
    execution: _Execution = msgspec.field(default_factory=_Execution)
    lineage: _Lineage | None = None


_summary = msgspec.json.Decoder(RunSummary)


def _run_row(event: RunIngested, seq: int) -> tuple[object, ...]:
    try:
        s = _summary.decode(event.head)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        # ingest validated it: a summary we cannot read keeps the run (it may still be reproduced or
        # reported on), with empty summary columns, and says so in the log
        log.warning("reproduce.unreadable_run_summary", run_id=event.run_id, seq=seq, error=repr(exc))
        s = RunSummary()
    lineage = s.lineage.reproduction_of if s.lineage else None
    return (
        event.run_id,
        event.workspace_id or "",
        event.run_hash,
        lineage,
        s.program.name,
        s.backend.provider,
        s.backend.name,
        s.execution.shots,
        s.execution.status,
        s.created_at,
        seq,
    )


class ReproduceProjection:
    service: str = "reproduce"
    ddl: str = store.DDL
    tables: Sequence[tuple[str, str]] = store.TABLES
    handles: frozenset[str] | None = frozenset(
        str(t.__struct_config__.tag)
        for t in (
            RunIngested,
            ReproductionRequested,
            ReproductionCompleted,
            ReproductionFailed,
            CardPublished,
            CardUnpublished,
        )
    )

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        await self.apply_batch(cur, [(event, seq)])

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        """Runs (the bulk of the log) go in pipelined batches; anything else is applied in log order
        after the runs before it."""
        runs: list[tuple[object, ...]] = []
        for event, seq in items:
            if isinstance(event, RunIngested):
                runs.append(_run_row(event, seq))
                continue
            if runs:
                await store.insert_runs(cur, runs)
                runs = []
            await self._apply_other(cur, event, seq)
        if runs:
            await store.insert_runs(cur, runs)

    async def _apply_other(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case ReproductionRequested():
                await store.record_requested(cur, event, seq)
            case ReproductionCompleted():
                await store.record_completed(cur, event, seq)
            case ReproductionFailed():
                await store.record_failed(cur, event, seq)
            case CardPublished():
                await store.record_card(cur, event, seq)
            case CardUnpublished():
                await store.withdraw_card(cur, event, seq)
