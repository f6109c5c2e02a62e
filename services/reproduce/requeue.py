"""The re-enqueue sweep: no requested job is lost between the log and the queue.

A request appends ``reproduction.requested`` and then enqueues the job: two writes. If the
process dies (or NATS refuses the publish) between them, the log has a job the queue never
got. The projection leader looks, now and then, for jobs still pending well after they were
requested and not in the queue (no message on the job's subject: neither waiting nor taken),
and enqueues them again from the read model. Enqueuing a job that does exist is harmless:
the queue de-duplicates by job id, and a worker skips a job the read model shows settled.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

import structlog

from services.reproduce import store
from services.reproduce.adapters.jobs import Job

if TYPE_CHECKING:
    from services.reproduce.bootstrap import Deps

__all__ = ["requeue_lost_jobs", "sweep_once"]

log = structlog.get_logger("reproduce.requeue")


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


async def sweep_once(deps: Deps, older_than_s: float) -> list[str]:
    """Enqueue every pending job requested more than ``older_than_s`` ago and missing from the
    queue; returns their ids."""
    before = _rfc3339(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=older_than_s))
    queue = deps.queue
    async with deps.rt.pool.connection() as conn:
        pending = await store.pending_jobs(conn, before)
    requeued = []
    for row in pending:
        if await queue.queued(row.job_id):
            continue
        await queue.enqueue(
            Job(
                job_id=row.job_id,
                run_id=row.run_id,
                workspace_id=row.workspace_id,
                days=row.days,
                profile=row.profile,
                seed=row.seed,
                requested_at=row.requested_at,
                actor=row.actor,
                correlation_id=row.correlation_id,
                alpha=row.alpha,
            )
        )
        requeued.append(row.job_id)
    if requeued:
        log.warning("reproduce.requeued_lost_jobs", jobs=requeued)
    return requeued


async def requeue_lost_jobs(deps: Deps) -> None:
    """The service task: sweep on the projection leader every ``min(60 s, requeue_after_s)``."""
    rt, config = deps.rt, deps.config
    every = max(0.5, min(60.0, config.requeue_after_s))
    while not rt.stop.is_set():
        try:
            await asyncio.wait_for(rt.stop.wait(), every)
            return
        except TimeoutError:
            pass
        if rt.runner is not None and rt.runner.leader:
            try:
                await sweep_once(deps, config.requeue_after_s)
            except Exception as exc:  # the next sweep tries again
                log.warning("reproduce.requeue_failed", error=repr(exc))
