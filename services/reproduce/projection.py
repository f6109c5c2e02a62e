"""The reproduce read model, built from the run log alone.

* ``runs`` - every ingested run: the summary a report shows, ``reproduction_of`` from the
  document's lineage, and the log sequence of its event: a reproduction or a report reads the
  document back from the log (``qlcore.runlog``, decision 0007);
* ``reproductions`` - one row per job: ``reproduction.requested`` makes it ``pending``, the
  first ``reproduction.completed`` / ``reproduction.failed`` of that job settles it for good
  (a duplicate terminal event, e.g. from a job run twice, changes nothing);
* ``cards`` - which runs have a Result Card (``card.published`` / ``card.unpublished``), for
  the report's badges.

Everything comes from event fields (times as the events wrote them), so a replay rebuilds
byte-identical rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import psycopg
from qlcore.events import Event, RunIngested
from qlcore.events.cards import CardPublished, CardUnpublished
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed, ReproductionRequested

from services.reproduce.tables import DDL, TABLES

__all__ = ["ReproduceProjection", "RunSummary"]


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

_INSERT_RUN = (
    "INSERT INTO runs (run_id, workspace_id, run_hash, reproduction_of, program_name, provider, backend_name,"
    " shots, status, created_at, seq) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
    " ON CONFLICT (run_id) DO NOTHING"
)
_REQUESTED = (
    "INSERT INTO reproductions (job_id, workspace_id, run_id, days, profile, seed, actor, correlation_id,"
    " requested_at, requested_seq, status, alpha) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'pending',%s)"
    " ON CONFLICT (job_id) DO NOTHING"
)
# A completion settles a pending job once; one without a request (written by another producer) is kept too.
_COMPLETED = (
    "INSERT INTO reproductions (job_id, workspace_id, run_id, days, profile, seed, actor, correlation_id,"
    " requested_at, requested_seq, status, reproduced_run_id, reproduced_run_hash, verdict, hellinger_fidelity,"
    " noise_floor, baseline_fidelity, detectable, drift_effect, drift_model, error, worker, attempts,"
    " finished_at, finished_seq, alpha, p_value, threshold, baseline_p_value, baseline_threshold, explanation)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'completed',%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"
    "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (job_id) DO UPDATE SET status = 'completed',"
    " reproduced_run_id = EXCLUDED.reproduced_run_id, reproduced_run_hash = EXCLUDED.reproduced_run_hash,"
    " verdict = EXCLUDED.verdict, hellinger_fidelity = EXCLUDED.hellinger_fidelity,"
    " noise_floor = EXCLUDED.noise_floor, baseline_fidelity = EXCLUDED.baseline_fidelity,"
    " detectable = EXCLUDED.detectable, drift_effect = EXCLUDED.drift_effect, drift_model = EXCLUDED.drift_model,"
    " error = EXCLUDED.error, worker = EXCLUDED.worker, attempts = EXCLUDED.attempts,"
    " finished_at = EXCLUDED.finished_at, finished_seq = EXCLUDED.finished_seq,"
    " alpha = EXCLUDED.alpha, p_value = EXCLUDED.p_value, threshold = EXCLUDED.threshold,"
    " baseline_p_value = EXCLUDED.baseline_p_value, baseline_threshold = EXCLUDED.baseline_threshold,"
    " explanation = EXCLUDED.explanation"
    " WHERE reproductions.status = 'pending'"
)
_FAILED = (
    "UPDATE reproductions SET status = 'failed', error = %s, error_status = %s, worker = %s, attempts = %s,"
    " finished_at = %s, finished_seq = %s WHERE job_id = %s AND status = 'pending'"
)


def _run_row(event: RunIngested, seq: int) -> tuple[object, ...]:
    try:
        s = _summary.decode(event.head)
    except (msgspec.ValidationError, msgspec.DecodeError):
        s = RunSummary()  # ingest validated it; a summary we cannot read still keeps the run
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
    ddl: str = DDL
    tables: Sequence[tuple[str, str]] = TABLES
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
                await cur.executemany(_INSERT_RUN, runs)
                runs = []
            await self._apply_other(cur, event, seq)
        if runs:
            await cur.executemany(_INSERT_RUN, runs)

    async def _apply_other(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case ReproductionRequested():
                await cur.execute(
                    _REQUESTED,
                    (
                        event.job_id,
                        event.workspace_id or "",
                        event.run_id,
                        event.days,
                        event.profile,
                        event.seed,
                        event.actor,
                        event.correlation_id,
                        event.occurred_at,
                        seq,
                        event.alpha,
                    ),
                )
            case ReproductionCompleted():
                await cur.execute(
                    _COMPLETED,
                    (
                        event.job_id,
                        event.workspace_id or "",
                        event.run_id,
                        event.days,
                        event.profile,
                        event.seed,
                        event.actor,
                        event.correlation_id,
                        event.occurred_at,
                        seq,
                        event.reproduced_run_id,
                        event.reproduced_run_hash,
                        event.verdict,
                        event.hellinger_fidelity,
                        event.noise_floor,
                        event.baseline_fidelity,
                        event.detectable,
                        event.drift_effect,
                        event.drift_model,
                        event.error,
                        event.worker,
                        event.attempts,
                        event.occurred_at,
                        seq,
                        event.alpha,
                        event.p_value,
                        event.threshold,
                        event.baseline_p_value,
                        event.baseline_threshold,
                        event.explanation,
                    ),
                )
            case ReproductionFailed():
                await cur.execute(
                    _FAILED,
                    (event.error, event.status, event.worker, event.attempts, event.occurred_at, seq, event.job_id),
                )
            case CardPublished():
                await cur.execute(
                    "INSERT INTO cards (concept_id, run_id, slug, withdrawn, seq) VALUES (%s,%s,%s,false,%s)"
                    " ON CONFLICT (concept_id) DO UPDATE SET run_id = EXCLUDED.run_id, slug = EXCLUDED.slug,"
                    " withdrawn = false, seq = EXCLUDED.seq",
                    (event.concept_id, event.run_id, event.slug, seq),
                )
            case CardUnpublished():
                await cur.execute(
                    "UPDATE cards SET withdrawn = true, seq = %s WHERE concept_id = %s", (seq, event.concept_id)
                )
