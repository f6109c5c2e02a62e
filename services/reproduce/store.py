"""Reads of the reproduce read model (the service's own schema; the projection writes it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import psycopg

__all__ = ["CardRow", "JobRow", "RunRow", "card_of", "job", "jobs_of", "pending_jobs", "run", "run_by_hash", "runs"]


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
    " detectable, drift_effect, drift_model, error, error_status, worker, attempts, finished_at, finished_seq"
    " FROM reproductions"
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


async def jobs_of(conn: psycopg.AsyncConnection, run_id: str) -> list[JobRow]:
    """A run's reproductions, in the order they were requested."""
    rows = await (await conn.execute(_JOB + " WHERE run_id = %s ORDER BY requested_seq", (run_id,))).fetchall()
    return [JobRow(*r) for r in rows]


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
