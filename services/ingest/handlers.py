"""Ingest's request handlers: accept bundles, append each run's document and ``run.ingested`` exactly once."""

from __future__ import annotations

import asyncio

import msgspec
import orjson
import structlog
from qlcore.errors import BadRequest, QLError, Unauthorized
from qlcore.events import RunIngested, utcnow
from qlcore.rpc import RpcContext, RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext

from services.ingest import store
from services.ingest.domain import prepare

__all__ = ["MAX_BATCH", "register"]

log = structlog.get_logger("ingest")

MAX_BATCH = 64  # bundles in one ``runs.ingest_many`` request


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    claimer = store.Claimer(ctx.statements)  # one INSERT ... RETURNING a batch: autocommit commits it

    async def ingest(rctx: RpcContext, ws: str, raw: bytes) -> tuple[int, dict[str, object]]:
        """One bundle: ``(201, result)`` for a new run, ``(200, result)`` for one the workspace has."""
        prepared = prepare(raw, ctx.settings.max_bundle_bytes)
        c = await claimer.claim(ws, prepared.run_hash)
        structlog.contextvars.bind_contextvars(run_id=c.run_id)
        if not c.logged:
            # the message ids are scoped to the workspace: the same bundle in two workspaces is two runs.
            # The claim is marked logged by the claims projection; a resend before it has applied the
            # event publishes again with the same message ids, which JetStream drops as duplicates.
            key = f"{ws}:{prepared.run_hash}"
            doc = await ctx.bus.append_document(
                prepared.body, run_id=c.run_id, run_hash=prepared.run_hash, msg_id=f"{key}:doc"
            )
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
            appended = await ctx.bus.append(event, msg_id=key)
            log.info("run.ingested", run_hash=prepared.run_hash, seq=appended.seq, new=c.new, event_id=event.event_id)
        result: dict[str, object] = {"run_id": c.run_id, "run_hash": prepared.run_hash, "deduplicated": not c.new}
        return (201 if c.new else 200), result

    def workspace_of(req: RpcRequest) -> str:
        if not req.ctx.workspace_id:
            raise Unauthorized("ingest needs a workspace")
        return req.ctx.workspace_id

    async def ingest_run(req: RpcRequest) -> RpcReply:
        status, result = await ingest(req.ctx, workspace_of(req), req.body)
        return json_reply(result, status=status)

    async def ingest_many(req: RpcRequest) -> RpcReply:
        """Several bundles, one a line (the streaming endpoint batches its lines); a JSON array of results
        in the same order, each ``{"status", "result"}`` or ``{"status", "error": problem}``. A bad
        bundle fails alone. Bundles are handled concurrently, so their claims share a statement and
        their appends are in flight together."""
        ws = workspace_of(req)
        bundles = [b for b in req.body.split(b"\n") if b.strip()]
        if len(bundles) > MAX_BATCH:
            raise BadRequest(f"at most {MAX_BATCH} bundles a request")

        async def one(raw: bytes) -> dict[str, object]:
            try:
                status, result = await ingest(req.ctx, ws, raw)
                return {"status": status, "result": result}
            except QLError as err:
                return {"status": err.status, "error": err.problem()}
            except Exception:
                log.exception("ingest.bundle_failed")
                unexpected = QLError("unexpected error; see the service log")
                return {"status": unexpected.status, "error": unexpected.problem()}

        results = await asyncio.gather(*(one(b) for b in bundles))
        return RpcReply(200, orjson.dumps(results), "application/json")

    rpc.add("runs.ingest", ingest_run)
    rpc.add("runs.ingest_many", ingest_many)
