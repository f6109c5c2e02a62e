"""The reproduce service's operations over NATS, module-level functions of ``(deps, request)``
registered from :data:`OPERATIONS`:

* ``reproductions.request`` - validate, append ``reproduction.requested``, enqueue the job, wait
  for its end up to a time limit: 200 with the outcome (already in every read model the caller
  reads next: :func:`visible_everywhere`), else 202 with the job's location;
* ``reproductions.get`` - a job's state (pending, completed, failed);
* ``runs.report`` - the run report, JSON or HTML (:mod:`services.reproduce.report`), listing the
  latest :data:`~services.reproduce.report.model.MAX_EMBEDDED` reproductions (``before``: older).

A run or job of another workspace is a 404, like a missing one. Bad input is a 422 before
anything is appended.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import orjson
import structlog
from qlcore import rpc as qlrpc
from qlcore import runlog
from qlcore.errors import NotFound, QLError, Unauthorized, Unavailable, Unprocessable
from qlcore.events.reproduce import ReproductionFailed, ReproductionRequested
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlcore.service import Operation
from qlprov.hashing import digest_hex
from ulid import ULID

from services.reproduce import store
from services.reproduce.adapters.jobs import Job
from services.reproduce.report.model import (
    MAX_EMBEDDED,
    MAX_SERIES,
    ReportInputs,
    build_report,
    counts_of,
    used_qubits,
)
from services.reproduce.report.page import CSP, render_report_page
from services.reproduce.views import job_location, view_of_event, view_of_job, view_of_row

if TYPE_CHECKING:
    from services.reproduce.bootstrap import Deps

__all__ = [
    "OPERATIONS",
    "ReproduceCommand",
    "ReproduceParams",
    "get_job",
    "report",
    "request",
    "visible_everywhere",
]

log = structlog.get_logger("reproduce.handlers")
VISIBLE_TIMEOUT_S = 10.0  # how long an answer with a verdict waits for the read models to show it
MISS_WAIT_S = 10.0  # how long a miss waits for the read model to reach the log's end (decision 0013)
T = TypeVar("T")


class ReproduceParams(msgspec.Struct, forbid_unknown_fields=True):
    """The client's body of ``POST /runs/{run_id}/reproduce``."""

    days: float
    profile: str = "typical"
    seed: int | None = None
    alpha: float | None = None  # the verdict's level, 0.001-0.1 (default 0.01)


class ReproduceCommand(msgspec.Struct, forbid_unknown_fields=True):
    run_id: str
    params: msgspec.Raw = msgspec.Raw(b"{}")
    wait: float | None = None  # seconds the caller will wait (``Prefer: wait=N``); capped by the config


class _JobQuery(msgspec.Struct):
    job_id: str


class _ReportQuery(msgspec.Struct):
    run_id: str
    format: str = "json"
    before: str | None = None  # a job id: the page of reproductions requested before it


async def _found(deps: Deps, read: Callable[[], Awaitable[T | None]]) -> T | None:
    """``read()``, again once the read model has caught up with the log if it found nothing
    (a run ingested or a job requested a moment ago)."""
    found = await read()
    if found is None:
        await deps.rt.caught_up(MISS_WAIT_S)
        found = await read()
    return found


def _validated(raw: bytes) -> tuple[float, str, int, float]:
    from services.reproduce.domain.drift import (
        DEFAULT_ALPHA,
        get_profile,
        validate_alpha,
        validate_days,
        validate_seed,
    )

    try:
        params = msgspec.json.decode(raw or b"{}", type=ReproduceParams)
    except msgspec.ValidationError as exc:
        raise Unprocessable(f"invalid reproduction request: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise Unprocessable(f"the request body is not JSON: {exc}") from exc
    days = validate_days(params.days)
    get_profile(params.profile)
    seed = validate_seed(params.seed) if params.seed is not None else secrets.randbits(53)
    alpha = validate_alpha(params.alpha) if params.alpha is not None else DEFAULT_ALPHA
    return days, params.profile, seed, alpha


async def _run_of(deps: Deps, run_id: str, ws: str) -> store.RunRow:
    async def read() -> store.RunRow | None:
        async with deps.rt.pool.connection() as conn:
            return await store.run(conn, run_id)

    found = await _found(deps, read)
    if found is None or found.workspace_id != ws:
        raise NotFound(f"no run {run_id!r} in this workspace")
    return found


async def visible_everywhere(deps: Deps, job_id: str, timeout: float = VISIBLE_TIMEOUT_S) -> str | None:
    """Return once the job's terminal event is in every read model the caller reads next: this
    service's (the report, ``GET /reproductions/{id}``) and the card's (the card, its page and
    badges; ``cards.applied``). The reproduced run itself is the provenance read model's, whose
    miss waits for the log (decision 0013). Returns the slug of the run's card, if it has one, for
    the gateway to drop that card's cached badges.

    The job is done whatever happens here: a read model that does not catch up in ``timeout`` is
    logged with the cause and the answer goes out (the next read may lag; nothing is lost)."""
    rt = deps.rt
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:  # the terminal event reached this process over plain NATS: the log may trail it by a moment
            await rt.caught_up(max(0.01, deadline - loop.time()))
            async with rt.pool.connection() as conn:
                row = await store.job(conn, job_id)
                card = await store.card_of(conn, row.run_id) if row is not None else None
            if row is not None and row.status != "pending" and row.finished_seq:
                break
            if loop.time() > deadline:
                raise Unavailable(f"job {job_id} is not settled in the read model after {timeout} s")
            await asyncio.sleep(0.005)
        reply = await qlrpc.call(
            rt.bus.nc,
            rt.settings,
            "card",
            "cards.applied",
            {"seq": row.finished_seq},
            timeout=max(0.1, deadline - loop.time()),
        )
        if reply.status >= 400:
            raise Unavailable(f"cards.applied answered {reply.status}: {reply.body[:300]!r}")
    except (Unavailable, TimeoutError) as exc:
        log.warning("reproduce.outcome_not_yet_visible", job_id=job_id, error=repr(exc))
        return None
    return card.slug if card is not None and not card.withdrawn else None


async def request(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    cmd: ReproduceCommand = req.json(ReproduceCommand)
    run = await _run_of(deps, cmd.run_id, ws)
    days, profile, seed, alpha = _validated(bytes(cmd.params))
    from services.reproduce.domain.reproduce import check_inputs

    check_inputs(orjson.loads(await runlog.document_at(deps.rt.bus, run.seq, run.run_id)))
    event = ReproductionRequested.new(
        actor=req.ctx.actor,
        workspace_id=ws,
        correlation_id=req.ctx.request_id,
        job_id=str(ULID()),
        run_id=run.run_id,
        days=days,
        profile=profile,
        seed=seed,
        alpha=alpha,
    )
    job = Job(
        job_id=event.job_id,
        run_id=run.run_id,
        workspace_id=ws,
        days=days,
        profile=profile,
        seed=seed,
        requested_at=event.occurred_at,
        org_id=req.ctx.org_id,
        actor=req.ctx.actor,
        correlation_id=event.correlation_id,
        requested_event_id=event.event_id,
        alpha=alpha,
    )
    config = deps.config
    wait = config.wait_s if cmd.wait is None else max(0.0, min(cmd.wait, config.wait_s))
    done = deps.completions.expect(job.job_id)
    try:
        appended = await deps.rt.bus.append(event)
        try:
            await deps.queue.enqueue(job)
        except Exception as exc:  # requested and in the log: the re-enqueue sweep will queue it
            log.warning("reproduce.enqueue_failed", job_id=job.job_id, error=repr(exc))
            wait = 0.0
        try:
            terminal = await asyncio.wait_for(done, wait) if wait > 0 else None
        except TimeoutError:
            terminal = None
    finally:
        deps.completions.forget(job.job_id)
    if terminal is None:
        # read-your-writes: the caller's next report lists this job as pending (a stalled read
        # model only delays that; the job goes on)
        try:
            await deps.rt.applied(appended.seq, timeout=5.0)
        except Unavailable as exc:
            log.warning("reproduce.request_not_yet_visible", job_id=job.job_id, error=repr(exc))
        return json_reply(view_of_job(job), 202, headers={"Location": job_location(job.job_id), "Retry-After": "1"})
    body = view_of_event(terminal, job)
    slug = await visible_everywhere(deps, job.job_id)
    if slug is not None:
        body["card_slug"] = slug
    if isinstance(terminal, ReproductionFailed):
        raise _JobFailed(terminal, body)
    return json_reply(body, headers={"Location": job_location(job.job_id)})


async def get_job(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    job_id = req.json(_JobQuery).job_id

    async def read() -> store.JobRow | None:
        async with deps.rt.pool.connection() as conn:
            return await store.job(conn, job_id)

    row = await _found(deps, read)
    if row is None or row.workspace_id != ws:
        raise NotFound(f"no reproduction {job_id!r} in this workspace")
    headers = {"Retry-After": "1"} if row.status == "pending" else {}
    return json_reply(view_of_row(row), headers=headers)


async def report(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    q: _ReportQuery = req.json(_ReportQuery)
    if q.format not in ("json", "html"):
        raise Unprocessable(f"format must be json or html, got {q.format!r}")
    run = await _run_of(deps, q.run_id, ws)
    body = build_report(await _report_inputs(deps, run, q.before), deps.rt.settings.base_url())
    headers = {"Vary": "Accept", "Cache-Control": "private, no-cache"}
    if q.format == "html":
        html = render_report_page(body).encode()
        return RpcReply(200, html, "text/html; charset=utf-8", {**headers, "Content-Security-Policy": CSP})
    return json_reply(body, headers=headers)


async def _report_inputs(deps: Deps, run: store.RunRow, before: str | None) -> ReportInputs:
    """What a report shows, read with a bound however many reproductions the run has: one page of
    them, their summary in SQL, and the documents of the run and of the histogram's latest few."""
    async with deps.rt.pool.connection() as conn:
        page = await store.jobs_of(conn, run.run_id, limit=MAX_EMBEDDED + 1, before=before)
        summary = await store.job_summary(conn, run.run_id)
        series = await store.latest_completed(conn, run.run_id, MAX_SERIES - 1)
        reproduced = await store.runs(conn, [str(j.reproduced_run_id) for j in series])
        card = await store.card_of(conn, run.run_id)
        original = await store.run_by_hash(conn, run.workspace_id, run.reproduction_of) if run.reproduction_of else None
    has_older = len(page) > MAX_EMBEDDED
    jobs = page[1:] if has_older else page
    bodies = await runlog.documents_at(deps.rt.bus, [(r.seq, r.run_id) for r in (run, *reproduced.values())])
    document: dict[str, Any] = orjson.loads(bodies[run.run_id])
    return ReportInputs(
        run=run,
        document=document,
        hash_verified=digest_hex(bodies[run.run_id]) == run.run_hash,
        used_qubits=await asyncio.to_thread(used_qubits, document),
        jobs=jobs,
        reproduced_counts={rid: counts_of(bodies[rid]) for rid in reproduced},
        original=original,
        card=card,
        summary=summary,
        series=series,
        older=jobs[0].job_id if has_older else None,
        before=before,
    )


class _JobFailed(QLError):
    """The job ran and failed (its inputs were refused downstream, or it was given up)."""

    slug, title = "reproduction-failed", "The reproduction failed"

    def __init__(self, event: ReproductionFailed, view: dict[str, Any]) -> None:
        super().__init__(event.error, **{k: v for k, v in view.items() if k != "error"})
        self.status = event.status if 400 <= event.status < 600 else 500


OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("reproductions.request", request),
    Operation("reproductions.get", get_job),
    Operation("runs.report", report),
)
