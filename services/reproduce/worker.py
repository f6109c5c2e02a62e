"""The worker: takes reproduction jobs from the work queue and runs them, in every process.

A job's life: fetched (one at a time per worker loop) → skipped and acked if the read model
already shows it settled (a redelivery after a crash between the terminal event and the ack)
→ run: drift + re-run + score (:func:`~services.reproduce.domain.reproduce`, in a thread, with
an ``in_progress`` heartbeat so JetStream does not hand it to another worker) → the reproduced
run ingested through the ingest service as the requester (``runs.ingest``: its own run id and
hash, idempotent by hash) → ``reproduction.completed`` appended with ``Nats-Msg-Id = job_id``
→ acked. A crash anywhere before the ack redelivers the job; running it again gives the same
document (the seed and the time are in the job), the same run id (ingest), and a terminal
event JetStream drops as a duplicate (and the projection ignores past the window).

An error that is not the job's fault (ingest unavailable, a bug) is retried with a back-off;
after ``max_attempts`` deliveries the job is given up as ``reproduction.failed``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
from typing import TYPE_CHECKING, Any

import orjson
import structlog
from nats import errors as nats_errors
from nats.aio.msg import Msg
from qlcore import rpc, runlog
from qlcore.events.reproduce import ReproductionCompleted, ReproductionFailed

from services.reproduce import store
from services.reproduce.adapters.jobs import Job, decode_job
from services.reproduce.views import KIND

if TYPE_CHECKING:
    from services.reproduce.bootstrap import Deps

__all__ = ["Worker", "work"]

log = structlog.get_logger("reproduce.worker")

INGEST_TIMEOUT = 60.0


class RetryLater(Exception):
    """Not the job's fault: hand it back and try again later."""


def _warm_up() -> None:
    """Import qiskit and Aer and run a trivial circuit once, so the first job pays none of it."""
    from qiskit import qasm3
    from qiskit_aer import AerSimulator

    import services.reproduce.domain.reproduce  # noqa: F401

    circuit = qasm3.loads('OPENQASM 3.0;\ninclude "stdgates.inc";\nbit[1] c;\nh $0;\nc[0] = measure $0;\n')
    AerSimulator().run(circuit, shots=1).result()


async def _nak(msg: Msg, delay: float | None = None) -> None:
    """Hand a job back now; if NATS refuses (the connection is going), JetStream redelivers it
    after ``ack_wait`` anyway: logged, not raised."""
    try:
        await asyncio.wait_for(msg.nak(delay=delay), 1.0)
    except (nats_errors.Error, TimeoutError) as exc:
        log.warning("reproduce.nak_failed", error=repr(exc), redelivered_after="ack_wait")


class Worker:
    def __init__(self, deps: Deps) -> None:
        self.deps, self.rt, self.config, self.queue = deps, deps.rt, deps.config, deps.queue
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    async def loop(self) -> None:
        """Fetch and run jobs one at a time until the service stops."""
        psub = await self.queue.subscribe()
        try:
            while not self.rt.stop.is_set():
                try:
                    msgs = await psub.fetch(1, timeout=1.0)
                except TimeoutError:
                    continue
                except nats_errors.Error as exc:
                    log.warning("reproduce.fetch_failed", error=repr(exc))
                    await asyncio.sleep(1.0)
                    continue
                for msg in msgs:
                    try:
                        await self.handle(msg)
                    except Exception as exc:  # e.g. the log refused the terminal event: the job comes back
                        log.exception("reproduce.job_error", error=repr(exc))
                        await _nak(msg, delay=1.0)
        finally:
            try:
                await psub.unsubscribe()
            except nats_errors.Error as exc:  # the connection may be closing already (shutdown)
                log.info("reproduce.unsubscribe_failed", error=repr(exc))

    async def handle(self, msg: Msg) -> None:
        try:
            job = decode_job(msg.data)
        except ValueError as exc:
            log.error("reproduce.bad_job", alert=True, error=repr(exc), data=msg.data[:200])
            await msg.term()
            return
        attempt = msg.metadata.num_delivered or 1
        structlog.contextvars.bind_contextvars(job_id=job.job_id, run_id=job.run_id)
        try:
            await self._handle(msg, job, attempt)
        finally:
            structlog.contextvars.unbind_contextvars("job_id", "run_id")

    async def _handle(self, msg: Msg, job: Job, attempt: int) -> None:
        async with self.rt.pool.connection() as conn:
            row = await store.job(conn, job.job_id)
        if row is not None and row.status != "pending":
            log.info("reproduce.job_already_settled", status=row.status, attempt=attempt)
            await msg.ack()
            return
        if attempt > self.config.max_attempts:
            event: ReproductionCompleted | ReproductionFailed = self._failed(
                job, f"given up after {attempt - 1} attempts; see the reproduce service's log", 500, attempt
            )
        else:
            beat = asyncio.create_task(self._heartbeat(msg))
            try:
                event = await self._execute(job, attempt)
            except asyncio.CancelledError:  # stopping: hand the job back at once, not after ack_wait
                await _nak(msg)
                raise
            except Exception as exc:
                delay = min(30.0, 0.5 * 2**attempt)
                level = log.warning if isinstance(exc, RetryLater) else log.exception
                level("reproduce.job_retry", attempt=attempt, delay_s=delay, error=repr(exc))
                await msg.nak(delay=delay)
                return
            finally:
                beat.cancel()
        appended = await self.rt.bus.append(event, msg_id=job.job_id)
        await msg.ack()
        log.info(
            "reproduce.job_done",
            event_type=event.type,
            attempt=attempt,
            seq=appended.seq,
            duplicate=appended.duplicate,
            verdict=getattr(event, "verdict", None),
        )

    async def _heartbeat(self, msg: Msg) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_s)
            try:
                await msg.in_progress()
            except Exception as exc:  # a lost heartbeat at worst lets another worker take the job
                log.warning("reproduce.heartbeat_failed", error=repr(exc))

    async def _execute(self, job: Job, attempt: int) -> ReproductionCompleted | ReproductionFailed:
        from services.reproduce.domain.errors import ReproduceInputError
        from services.reproduce.domain.reproduce import reproduce

        async with self.rt.pool.connection() as conn:
            run = await store.run(conn, job.run_id)
        if run is None:
            raise RetryLater(f"run {job.run_id} is not in the read model yet")
        if run.workspace_id != job.workspace_id:
            return self._failed(job, f"no run {job.run_id!r} in this workspace", 404, attempt)
        created_at = dt.datetime.fromisoformat(job.requested_at.replace("Z", "+00:00"))
        document = orjson.loads(await runlog.document_at(self.rt.bus, run.seq, run.run_id))
        try:
            outcome = await asyncio.to_thread(
                reproduce,
                document,
                days=job.days,
                profile=job.profile,
                seed=job.seed,
                alpha=job.alpha if job.alpha is not None else _default_alpha(),
                reproduction_of=run.run_hash,
                created_at=created_at,
            )
        except ReproduceInputError as exc:
            return self._failed(job, str(exc), 422, attempt)
        ctx = rpc.RpcContext(job.workspace_id, job.org_id, job.actor, job.correlation_id)
        reply = await rpc.call(
            self.rt.bus.nc,
            self.rt.settings,
            "ingest",
            "runs.ingest",
            orjson.dumps(outcome.document),
            ctx,
            timeout=INGEST_TIMEOUT,
        )
        if reply.status >= 500:
            raise RetryLater(f"ingest answered {reply.status}: {reply.body[:300]!r}")
        if reply.status >= 400:
            detail = (reply.json() or {}).get("detail") if reply.body else None
            return self._failed(job, f"ingest refused the reproduced run: {detail}", reply.status, attempt)
        ingested: dict[str, Any] = reply.json()
        return ReproductionCompleted.new(
            actor=job.actor,
            workspace_id=job.workspace_id,
            correlation_id=job.correlation_id,
            causation_id=job.requested_event_id,
            job_id=job.job_id,
            run_id=run.run_id,
            run_hash=run.run_hash,
            reproduced_run_id=str(ingested["run_id"]),
            reproduced_run_hash=str(ingested["run_hash"]),
            days=job.days,
            profile=job.profile,
            seed=job.seed,
            verdict=outcome.verdict,
            hellinger_fidelity=outcome.hellinger_fidelity,
            baseline_fidelity=outcome.baseline_fidelity,
            noise_floor=outcome.floor,
            detectable=outcome.detectable,
            drift_model=_drift_model(),
            drift_effect=outcome.drift_effect,
            error=outcome.error,
            worker=self.name,
            attempts=attempt,
            alpha=outcome.alpha,
            p_value=outcome.p_value,
            threshold=outcome.threshold,
            baseline_p_value=outcome.baseline_p_value,
            baseline_threshold=outcome.baseline_threshold,
            explanation=outcome.explanation,
            kind=KIND,  # the owner's drift simulation: never an independent reproduction
        )

    def _failed(self, job: Job, error: str, status: int, attempt: int) -> ReproductionFailed:
        return ReproductionFailed.new(
            actor=job.actor,
            workspace_id=job.workspace_id,
            correlation_id=job.correlation_id,
            causation_id=job.requested_event_id,
            job_id=job.job_id,
            run_id=job.run_id,
            error=error,
            status=status,
            worker=self.name,
            attempts=attempt,
        )


def _default_alpha() -> float:
    from services.reproduce.domain.drift import DEFAULT_ALPHA

    return DEFAULT_ALPHA


def _drift_model() -> str:
    from services.reproduce.domain.drift import DRIFT_MODEL_VERSION

    return DRIFT_MODEL_VERSION


async def work(deps: Deps) -> None:
    """The service's worker task: warm up, then ``concurrency`` loops over the shared consumer."""
    await asyncio.to_thread(_warm_up)
    worker = Worker(deps)
    await asyncio.gather(*(worker.loop() for _ in range(deps.config.concurrency)))
