"""Ingest's request handlers: accept one bundle, append ``run.ingested`` exactly once."""

from __future__ import annotations

import msgspec
import structlog
from qlcore.errors import Unauthorized
from qlcore.events import RunIngested, utcnow
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext

from services.ingest import store
from services.ingest.domain import prepare

__all__ = ["register"]

log = structlog.get_logger("ingest")


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    claimer = store.Claimer(ctx.pool)

    async def ingest_run(req: RpcRequest) -> RpcReply:
        ws = req.ctx.workspace_id
        if not ws:
            raise Unauthorized("ingest needs a workspace")
        prepared = prepare(req.body, ctx.settings.max_bundle_bytes)
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
                actor=req.ctx.actor,
                workspace_id=ws,
                correlation_id=req.ctx.request_id,
                run_id=c.run_id,
                run_hash=prepared.run_hash,
                document=msgspec.Raw(prepared.head),
                received_at=utcnow(),
                document_seq=doc.seq,
            )
            appended = await ctx.bus.append(event, msg_id=key)
            log.info("run.ingested", run_hash=prepared.run_hash, seq=appended.seq, new=c.new, event_id=event.event_id)
        status = 201 if c.new else 200
        return json_reply({"run_id": c.run_id, "run_hash": prepared.run_hash, "deduplicated": not c.new}, status=status)

    rpc.add("runs.ingest", ingest_run)
