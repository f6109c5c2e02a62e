"""The reproduce read model: its tables (DDL), the projection's writes and the service's reads.

* ``runs`` - every ingested run: the summary a report shows, ``reproduction_of`` from the
  document's lineage, and the log sequence of its event: a reproduction or a report reads the
  document back from the log (``qlcore.runlog``, decision 0007);
* ``reproductions`` - one row per job: ``reproduction.requested`` makes it ``pending``, the
  first ``reproduction.completed`` / ``reproduction.failed`` of that job settles it for good
  (a duplicate terminal event, e.g. from a job run twice, changes nothing);
* ``cards`` - which runs have a Result Card (``card.published`` / ``card.unpublished``), for
  the report's badges.

Only the projection writes (functions taking a cursor); handlers and tasks read (a connection).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import psycopg
from qlcore.events.cards import CardPublished, CardUnpublished
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed, ReproductionRequested

__all__ = [
    "DDL",
    "TABLES",
    "CardRow",
    "JobRow",
    "JobSummary",
    "RunRow",
    "card_of",
    "insert_runs",
    "job",
    "job_summary",
    "jobs_of",
    "latest_completed",
    "pending_jobs",
    "record_card",
    "record_completed",
    "record_failed",
    "record_requested",
    "run",
    "run_by_hash",
    "runs",
    "withdraw_card",
]


DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_hash text NOT NULL,
    reproduction_of text,
    program_name text NOT NULL,
    provider text NOT NULL,
    backend_name text NOT NULL,
    shots integer NOT NULL,
    status text NOT NULL,
    created_at text NOT NULL,
    seq bigint NOT NULL
);
ALTER TABLE runs DROP COLUMN IF EXISTS document;  -- read models before decision 0007 kept a copy
CREATE INDEX IF NOT EXISTS runs_ws_hash ON runs (workspace_id, run_hash);
CREATE TABLE IF NOT EXISTS reproductions (
    job_id text PRIMARY KEY,
    workspace_id text NOT NULL,
    run_id text NOT NULL,
    days double precision NOT NULL,
    profile text NOT NULL,
    seed bigint NOT NULL,
    actor text NOT NULL,
    correlation_id text NOT NULL,
    requested_at text NOT NULL,
    requested_seq bigint NOT NULL,
    status text NOT NULL,
    reproduced_run_id text,
    reproduced_run_hash text,
    verdict text,
    hellinger_fidelity double precision,
    noise_floor double precision,
    baseline_fidelity double precision,
    detectable boolean,
    drift_effect double precision,
    drift_model text,
    error text,
    error_status integer,
    worker text,
    attempts integer,
    finished_at text,
    finished_seq bigint
);
-- the verdict as a test (ql-drift/2.0): its level, p-values, thresholds, the model_mismatch sentence
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS alpha double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS p_value double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS threshold double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS baseline_p_value double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS baseline_threshold double precision;
ALTER TABLE reproductions ADD COLUMN IF NOT EXISTS explanation text;
CREATE INDEX IF NOT EXISTS reproductions_run ON reproductions (run_id, requested_seq);
CREATE INDEX IF NOT EXISTS reproductions_pending ON reproductions (requested_seq) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS cards (
    concept_id text PRIMARY KEY,
    run_id text NOT NULL,
    slug text NOT NULL,
    withdrawn boolean NOT NULL,
    seq bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS cards_run ON cards (run_id);
"""

TABLES: tuple[tuple[str, str], ...] = (
    ("runs", "run_id"),
    ("reproductions", "job_id"),
    ("cards", "concept_id"),
)


class RunRow(msgspec.Struct, frozen=True):
    run_id: str
    workspace_id: str
    run_hash: str
    reproduction_of: str | None
    program_name: str
    provider: str
    backend_name: str
    shots: int
    status: str
    created_at: str
    seq: int  # of its ``run.ingested`` event: the document is read back from the log


class JobRow(msgspec.Struct, frozen=True):
    job_id: str
    workspace_id: str
    run_id: str
    days: float
    profile: str
    seed: int
    actor: str
    correlation_id: str
    requested_at: str
    status: str  # pending | completed | failed
    reproduced_run_id: str | None
    reproduced_run_hash: str | None
    verdict: str | None
    hellinger_fidelity: float | None
    noise_floor: float | None
    baseline_fidelity: float | None
    detectable: bool | None
    drift_effect: float | None
    drift_model: str | None
    error: str | None
    error_status: int | None
    worker: str | None
    attempts: int | None
    finished_at: str | None
    alpha: float | None = None
    p_value: float | None = None
    threshold: float | None = None
    baseline_p_value: float | None = None
    baseline_threshold: float | None = None
    explanation: str | None = None
    finished_seq: int | None = None  # the log sequence of its terminal event


class CardRow(msgspec.Struct, frozen=True):
    slug: str
    withdrawn: bool


_RUN = (
    "SELECT run_id, workspace_id, run_hash, reproduction_of, program_name, provider, backend_name, shots,"
    " status, created_at, seq FROM runs"
)
_JOB = (
    "SELECT job_id, workspace_id, run_id, days, profile, seed, actor, correlation_id, requested_at, status,"
    " reproduced_run_id, reproduced_run_hash, verdict, hellinger_fidelity, noise_floor, baseline_fidelity,"
    " detectable, drift_effect, drift_model, error, error_status, worker, attempts, finished_at, alpha, p_value,"
    " threshold, baseline_p_value, baseline_threshold, explanation, finished_seq FROM reproductions"
)


def _run(r: Sequence[Any]) -> RunRow:
    return RunRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], int(r[10]))


async def run(conn: psycopg.AsyncConnection, run_id: str) -> RunRow | None:
    row = await (await conn.execute(_RUN + " WHERE run_id = %s", (run_id,))).fetchone()
    return _run(row) if row else None


async def runs(conn: psycopg.AsyncConnection, run_ids: Sequence[str]) -> dict[str, RunRow]:
    rows = await (await conn.execute(_RUN + " WHERE run_id = ANY(%s)", (list(run_ids),))).fetchall()
    return {r[0]: _run(r) for r in rows}


async def run_by_hash(conn: psycopg.AsyncConnection, workspace_id: str, run_hash: str) -> RunRow | None:
    """The workspace's run with this content (the first ingested, should a hash repeat)."""
    row = await (
        await conn.execute(
            _RUN + " WHERE workspace_id = %s AND run_hash = %s ORDER BY seq LIMIT 1", (workspace_id, run_hash)
        )
    ).fetchone()
    return _run(row) if row else None


async def job(conn: psycopg.AsyncConnection, job_id: str) -> JobRow | None:
    row = await (await conn.execute(_JOB + " WHERE job_id = %s", (job_id,))).fetchone()
    return JobRow(*row) if row else None


async def jobs_of(
    conn: psycopg.AsyncConnection, run_id: str, *, limit: int | None = None, before: str | None = None
) -> list[JobRow]:
    """A run's reproductions in the order they were requested: the latest ``limit`` of them (all
    when None), requested before the job ``before`` when given (the next older page)."""
    where, args = "run_id = %s", [run_id]
    if before is not None:
        where += " AND requested_seq < (SELECT requested_seq FROM reproductions WHERE job_id = %s AND run_id = %s)"
        args += [before, run_id]
    sql = f"{_JOB} WHERE {where} ORDER BY requested_seq DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = await (await conn.execute(sql, args)).fetchall()
    return [JobRow(*r) for r in reversed(rows)]


async def latest_completed(conn: psycopg.AsyncConnection, run_id: str, limit: int) -> list[JobRow]:
    """The run's ``limit`` latest completed reproductions with a reproduced run, oldest first."""
    rows = await (
        await conn.execute(
            _JOB + " WHERE run_id = %s AND status = 'completed' AND reproduced_run_id IS NOT NULL"
            " ORDER BY requested_seq DESC LIMIT %s",
            (run_id, limit),
        )
    ).fetchall()
    return [JobRow(*r) for r in reversed(rows)]


class JobSummary(msgspec.Struct, frozen=True):
    """A run's reproductions in numbers, however many there are."""

    total: int = 0
    pending: int = 0
    completed: int = 0
    failed: int = 0
    verdicts: dict[str, int] = {}
    best_fidelity: float | None = None


async def job_summary(conn: psycopg.AsyncConnection, run_id: str) -> JobSummary:
    rows = await (
        await conn.execute(
            "SELECT status, verdict, count(*), max(hellinger_fidelity) FROM reproductions WHERE run_id = %s"
            " GROUP BY status, verdict",
            (run_id,),
        )
    ).fetchall()
    by_status: dict[str, int] = {}
    verdicts: dict[str, int] = {}
    best: float | None = None
    for status, verdict, n, fidelity in rows:
        by_status[status] = by_status.get(status, 0) + int(n)
        if status == "completed" and verdict:
            verdicts[verdict] = verdicts.get(verdict, 0) + int(n)
        if status == "completed" and fidelity is not None:
            best = float(fidelity) if best is None else max(best, float(fidelity))
    return JobSummary(
        total=sum(by_status.values()),
        pending=by_status.get("pending", 0),
        completed=by_status.get("completed", 0),
        failed=by_status.get("failed", 0),
        verdicts=dict(sorted(verdicts.items())),
        best_fidelity=best,
    )


async def pending_jobs(conn: psycopg.AsyncConnection, requested_before: str, limit: int = 100) -> list[JobRow]:
    """Jobs still pending that were requested before ``requested_before`` (RFC 3339, UTC)."""
    rows = await (
        await conn.execute(
            _JOB + " WHERE status = 'pending' AND requested_at < %s ORDER BY requested_seq LIMIT %s",
            (requested_before, limit),
        )
    ).fetchall()
    return [JobRow(*r) for r in rows]


async def card_of(conn: psycopg.AsyncConnection, run_id: str) -> CardRow | None:
    row = await (
        await conn.execute("SELECT slug, withdrawn FROM cards WHERE run_id = %s ORDER BY seq DESC LIMIT 1", (run_id,))
    ).fetchone()
    return CardRow(row[0], bool(row[1])) if row else None


# ---- the projection's writes ----------------------------------------------------------------

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


async def insert_runs(cur: psycopg.AsyncCursor, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert runs (the columns of ``_INSERT_RUN``); one pipelined round trip for a batch."""
    if rows:
        await cur.executemany(_INSERT_RUN, rows)


async def record_requested(cur: psycopg.AsyncCursor, e: ReproductionRequested, seq: int) -> None:
    await cur.execute(
        _REQUESTED,
        (
            e.job_id,
            e.workspace_id or "",
            e.run_id,
            e.days,
            e.profile,
            e.seed,
            e.actor,
            e.correlation_id,
            e.occurred_at,
            seq,
            e.alpha,
        ),
    )


async def record_completed(cur: psycopg.AsyncCursor, e: ReproductionCompleted, seq: int) -> None:
    await cur.execute(
        _COMPLETED,
        (
            e.job_id,
            e.workspace_id or "",
            e.run_id,
            e.days,
            e.profile,
            e.seed,
            e.actor,
            e.correlation_id,
            e.occurred_at,
            seq,
            e.reproduced_run_id,
            e.reproduced_run_hash,
            e.verdict,
            e.hellinger_fidelity,
            e.noise_floor,
            e.baseline_fidelity,
            e.detectable,
            e.drift_effect,
            e.drift_model,
            e.error,
            e.worker,
            e.attempts,
            e.occurred_at,
            seq,
            e.alpha,
            e.p_value,
            e.threshold,
            e.baseline_p_value,
            e.baseline_threshold,
            e.explanation,
        ),
    )


async def record_failed(cur: psycopg.AsyncCursor, e: ReproductionFailed, seq: int) -> None:
    await cur.execute(_FAILED, (e.error, e.status, e.worker, e.attempts, e.occurred_at, seq, e.job_id))


async def record_card(cur: psycopg.AsyncCursor, e: CardPublished, seq: int) -> None:
    await cur.execute(
        "INSERT INTO cards (concept_id, run_id, slug, withdrawn, seq) VALUES (%s,%s,%s,false,%s)"
        " ON CONFLICT (concept_id) DO UPDATE SET run_id = EXCLUDED.run_id, slug = EXCLUDED.slug,"
        " withdrawn = false, seq = EXCLUDED.seq",
        (e.concept_id, e.run_id, e.slug, seq),
    )


async def withdraw_card(cur: psycopg.AsyncCursor, e: CardUnpublished, seq: int) -> None:
    await cur.execute("UPDATE cards SET withdrawn = true, seq = %s WHERE concept_id = %s", (seq, e.concept_id))
