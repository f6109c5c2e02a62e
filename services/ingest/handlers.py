"""Ingest's request handlers: accept bundles; append each run's document and ``run.ingested`` once,
and never answer a ``run_id`` that is not the run's (decision 0012).

For one bundle: validate and hash it; claim ``(workspace, run_hash)``; make sure the claim may
decide (``services.ingest.domain.claims.settled``: every ``run.ingested`` the claims could be
missing is either applied by the claims projection, which restores or corrects lost claims, or
young enough for JetStream's de-duplication; otherwise wait for the projection); then

* a logged claim names the run: answer it, append nothing;
* otherwise append the document and the event with ``Nats-Msg-Id`` = ``{workspace}:{run_hash}``.
  JetStream acks a duplicate within its window with the *original's* sequence: the run is the
  event there, read back from the log, and a claim that said otherwise is corrected.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

import msgspec
import orjson
import structlog
from qlcore import runlog
from qlcore.errors import BadRequest, QLError, Unauthorized, Unavailable
from qlcore.events import RunIngested, utcnow
from qlcore.rpc import RpcContext, RpcReply, RpcRequest, json_reply
from qlcore.service import Operation

from services.ingest.config import MAX_BATCH
from services.ingest.domain import Claim, Prepared, answer, in_time, prepare, settled

if TYPE_CHECKING:
    from services.ingest.bootstrap import Deps

__all__ = ["MAX_BATCH", "OPERATIONS", "ingest_many", "ingest_run"]

log = structlog.get_logger("ingest")


async def _ingest(deps: Deps, rctx: RpcContext, ws: str, raw: bytes) -> tuple[int, dict[str, object]]:
    """One bundle: ``(201, result)`` for a new run, ``(200, result)`` for one the workspace has."""
    prepared = prepare(raw, deps.rt.settings.max_bundle_bytes)
    created: set[str] = set()  # run ids whose claim this request inserted
    deadline = asyncio.get_running_loop().time() + deps.config.claims_wait_s
    while True:
        c = await _settled_claim(deps, ws, prepared.run_hash, created, deadline)
        structlog.contextvars.bind_contextvars(run_id=c.run_id)
        if c.logged:
            return answer(c.run_id, created, prepared.run_hash)
        if in_time(c, asyncio.get_running_loop().time(), deps.rt.settings.dedup_window_s):
            return answer(await _append(deps, rctx, ws, prepared, c), created, prepared.run_hash)
        log.warning("ingest.claim_settled_too_late", run_hash=prepared.run_hash)  # settle again


async def _settled_claim(deps: Deps, ws: str, run_hash: str, created: set[str], deadline: float) -> Claim:
    """The bundle's claim, once it may decide (``settled``); else wait for the claims projection to
    apply the log up to the end it had when this request arrived, and read the claim again. 503 when
    it does not get there by ``deadline`` (``claims_wait_s`` after the request: stalled, replaying)."""
    loop = asyncio.get_running_loop()
    window = deps.rt.settings.dedup_window_s
    c = await deps.claimer.claim(ws, run_hash)
    log_end: int | None = None  # read only when the claim is neither logged nor covered by the window
    pause = 0.002
    while True:
        if c.new:
            created.add(c.run_id)
        if settled(c, window, log_end):
            return c
        if log_end is None:
            log_end = await deps.rt.bus.last_event_seq()
            continue
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise Unavailable("ingest's claims have not caught up with the run log; retry", retry_after=1)
        await deps.rt.applied(log_end, timeout=remaining)  # wakes when the projection commits there
        again = await deps.claimer.claim(ws, run_hash)  # read again: the projection may have corrected it
        if not settled(again, window, log_end):
            # the runner's position is ahead of its stored checkpoint (commits lost in a crash and not
            # re-applied yet): poll the stored one
            await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))
            pause = min(0.1, pause * 2)
        c = replace(again, read_at=c.read_at)  # in time of the first read (the stricter)


async def _append(deps: Deps, rctx: RpcContext, ws: str, prepared: Prepared, c: Claim) -> str:
    """Append the run's document and ``run.ingested`` under the claim's run id; the run id of the run
    the log holds (another one when JetStream reports this bundle's event as a duplicate)."""
    bus = deps.rt.bus
    key = f"{ws}:{prepared.run_hash}"  # scoped to the workspace: the same bundle in two is two runs
    doc = await bus.append_document(prepared.body, run_id=c.run_id, run_hash=prepared.run_hash, msg_id=f"{key}:doc")
    event = RunIngested.new(
        actor=rctx.actor,
        workspace_id=ws,
        correlation_id=rctx.request_id,
        run_id=c.run_id,
        run_hash=prepared.run_hash,
        head=msgspec.Raw(prepared.head),
        received_at=utcnow(),
        document_seq=doc.seq,
    )
    appended = await bus.append(event, msg_id=key)
    if not appended.duplicate:
        log.info("run.ingested", run_hash=prepared.run_hash, seq=appended.seq, new=c.new, event_id=event.event_id)
        return c.run_id
    # a duplicate's ack carries the sequence of the first copy: that event is the run
    original = await runlog.event_at(bus, appended.seq)
    if not isinstance(original, RunIngested) or (original.workspace_id, original.run_hash) != (ws, prepared.run_hash):
        raise runlog.LogInconsistent(f"the duplicate of {key} at sequence {appended.seq} is not its run.ingested")
    if original.run_id != c.run_id:
        log.warning("ingest.claim_corrected", claimed=c.run_id, logged=original.run_id, seq=appended.seq)
        await deps.claimer.record_logged(ws, prepared.run_hash, original.run_id, appended.seq)
    return original.run_id


def _workspace_of(req: RpcRequest) -> str:
    if not req.ctx.workspace_id:
        raise Unauthorized("ingest needs a workspace")
    return req.ctx.workspace_id


async def ingest_run(deps: Deps, req: RpcRequest) -> RpcReply:
    status, result = await _ingest(deps, req.ctx, _workspace_of(req), req.body)
    return json_reply(result, status=status)


async def ingest_many(deps: Deps, req: RpcRequest) -> RpcReply:
    """Several bundles, one a line (the streaming endpoint batches its lines); a JSON array of results
    in the same order, each ``{"status", "result"}`` or ``{"status", "error": problem}``. A bad
    bundle fails alone. Bundles are handled concurrently, so their claims share a statement and
    their appends are in flight together."""
    ws = _workspace_of(req)
    bundles = [b for b in req.body.split(b"\n") if b.strip()]
    if len(bundles) > deps.config.max_batch:
        raise BadRequest(f"at most {deps.config.max_batch} bundles a request")

    async def one(raw: bytes) -> dict[str, object]:
        try:
            status, result = await _ingest(deps, req.ctx, ws, raw)
            return {"status": status, "result": result}
        except QLError as err:
            return {"status": err.status, "error": err.problem()}
        except Exception:
            log.exception("ingest.bundle_failed")
            unexpected = QLError("unexpected error; see the service log")
            return {"status": unexpected.status, "error": unexpected.problem()}

    results = await asyncio.gather(*(one(b) for b in bundles))
    return RpcReply(200, orjson.dumps(results), "application/json")


OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("runs.ingest", ingest_run),
    Operation("runs.ingest_many", ingest_many),
)
