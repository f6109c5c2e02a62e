"""Ingest's request handlers: accept bundles, append each run's document and ``run.ingested`` exactly once."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import msgspec
import orjson
import structlog
from qlcore.errors import BadRequest, QLError, Unauthorized
from qlcore.events import RunIngested, utcnow
from qlcore.rpc import RpcContext, RpcReply, RpcRequest, json_reply
from qlcore.service import Operation

from services.ingest.config import MAX_BATCH
from services.ingest.domain import prepare

if TYPE_CHECKING:
    from services.ingest.bootstrap import Deps

__all__ = ["MAX_BATCH", "OPERATIONS", "ingest_many", "ingest_run"]

log = structlog.get_logger("ingest")


async def _ingest(deps: Deps, rctx: RpcContext, ws: str, raw: bytes) -> tuple[int, dict[str, object]]:
    """One bundle: ``(201, result)`` for a new run, ``(200, result)`` for one the workspace has."""
    prepared = prepare(raw, deps.rt.settings.max_bundle_bytes)
    c = await deps.claimer.claim(ws, prepared.run_hash)
    structlog.contextvars.bind_contextvars(run_id=c.run_id)
    if not c.logged:
        # the message ids are scoped to the workspace: the same bundle in two workspaces is two runs.
        # The claim is marked logged by the claims projection; a resend before it has applied the
        # event publishes again with the same message ids, which JetStream drops as duplicates.
        bus = deps.rt.bus
        key = f"{ws}:{prepared.run_hash}"
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
        log.info("run.ingested", run_hash=prepared.run_hash, seq=appended.seq, new=c.new, event_id=event.event_id)
    result: dict[str, object] = {"run_id": c.run_id, "run_hash": prepared.run_hash, "deduplicated": not c.new}
    return (201 if c.new else 200), result


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
