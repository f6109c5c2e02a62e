"""Provenance queries over NATS: list a workspace's runs (cursor pagination), fetch one's document."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import structlog
from qlcore import runlog
from qlcore.errors import NotFound, Unauthorized
from qlcore.http_cache import if_none_match
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlcore.service import Operation
from qlprov.hashing import digest_hex, with_hash

from services.provenance import store
from services.provenance.domain import ListQuery, encode_cursor, item_kind, run_filter

if TYPE_CHECKING:
    from services.provenance.bootstrap import Deps

__all__ = ["MISS_WAIT_S", "OPERATIONS", "get_run", "list_runs"]

log = structlog.get_logger("provenance")

MISS_WAIT_S = 5.0  # how long a miss waits for the read model to reach the log's end (under the gateway's timeout)


class _RunRef(msgspec.Struct, forbid_unknown_fields=True):
    run_id: str
    if_none_match: str | None = None  # the HTTP request's If-None-Match, for a 304 without the document


async def list_runs(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = req.ctx.workspace_id
    if not ws:
        raise Unauthorized()
    f = run_filter(req.json(ListQuery), default_page=deps.config.default_page, max_page=deps.config.max_page)
    rows = await store.list_runs(deps.rt.statements, ws, f)
    items = [
        {
            "run_id": r.run_id,
            "run_hash": r.run_hash,
            "backend": f"{r.provider}/{r.backend_name}",
            "shots": r.shots,
            "status": r.status,
            "created_at": r.created_at_text,
            "program": r.program,
            "reproduction_of": r.reproduction_of,
            "kind": item_kind(r.kind, r.reproduction_of),
        }
        for r in rows[: f.limit]
    ]
    headers = {}
    if len(rows) > f.limit:
        last = rows[f.limit - 1]
        headers["X-Next-Cursor"] = encode_cursor(last.created_at, last.run_id)
    return json_reply(items, headers=headers)


async def _find(deps: Deps, ref: _RunRef, workspace_id: str | None) -> store.FoundRun:
    """A run of the caller's workspace, or 404 only once the read model has applied the log as it is
    now (a read index, as etcd serves linearizable reads): a run is immutable, so a row found is
    never stale and only a miss may be; a caller whose ingest was answered reads its run at once
    (decision 0013). A miss waits for the projection's lag (a few ms); a stalled projection: 503."""
    found = await store.find_run(deps.rt.statements, workspace_id, ref.run_id)
    if found is None:
        await deps.rt.caught_up(timeout=MISS_WAIT_S)
        found = await store.find_run(deps.rt.statements, workspace_id, ref.run_id)
    if found is None:  # another workspace's run is indistinguishable from a missing one
        raise NotFound(f"no run {ref.run_id!r} in this workspace")
    return found


async def _document(deps: Deps, run_id: str, found: store.FoundRun) -> bytes:
    """The run's canonical document: the copy in PostgreSQL if there is one and it hashes to the
    run's ``run_hash``, else the run log's entry (before the copy, or if the copy was damaged)."""
    if found.copy is not None and found.copy_hash == found.run_hash:
        body = store.unpack_document(found.copy)
        if digest_hex(body) == found.run_hash:
            return body
        log.error("provenance.document_copy_damaged", run_id=run_id)  # served from the log instead
    return await runlog.document_entry(deps.rt.bus, found.document_seq, found.run_hash)


async def get_run(deps: Deps, req: RpcRequest) -> RpcReply:
    """The whole document with its ``run_hash``; its ETag is the ``run_hash`` (a run never changes),
    and a request whose ``if_none_match`` matches it is a 304 without the document."""
    ref = req.json(_RunRef)
    found = await _find(deps, ref, req.ctx.workspace_id)
    headers = {"ETag": f'"{found.run_hash}"'}
    if if_none_match(ref.if_none_match, headers["ETag"]):
        return RpcReply(304, b"", "application/json", headers)
    body = await _document(deps, ref.run_id, found)
    return RpcReply(200, with_hash(body, found.run_hash), "application/json", headers)


OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("runs.list", list_runs),
    Operation("runs.get", get_run),
)
