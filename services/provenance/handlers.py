"""Provenance queries over NATS: list a workspace's runs (cursor pagination), find and fetch one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from qlcore import runlog
from qlcore.errors import NotFound, Unauthorized
from qlcore.rpc import RpcReply, RpcRequest, json_reply
from qlcore.service import Operation
from qlprov.hashing import with_hash

from services.provenance import store
from services.provenance.domain import ListQuery, encode_cursor, item_kind, run_filter

if TYPE_CHECKING:
    from services.provenance.bootstrap import Deps

__all__ = ["MISS_WAIT_S", "OPERATIONS", "get_run", "list_runs", "locate_run"]

MISS_WAIT_S = 5.0  # how long a miss waits for the read model to reach the log's end (under the gateway's timeout)


class _RunRef(msgspec.Struct, forbid_unknown_fields=True):
    run_id: str


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


async def _locate(deps: Deps, req: RpcRequest) -> tuple[str, store.RunLocation]:
    """A run of the caller's workspace, or 404 only once the read model has applied the log as it is
    now (a read index, as etcd serves linearizable reads): a run is immutable, so a row found is
    never stale and only a miss may be; a caller whose ingest was answered reads its run at once
    (decision 0013). A miss waits for the projection's lag (a few ms); a stalled projection: 503."""
    run_id = req.json(_RunRef).run_id
    found = await store.locate_run(deps.rt.statements, req.ctx.workspace_id, run_id)
    if found is None:
        await deps.rt.caught_up(timeout=MISS_WAIT_S)
        found = await store.locate_run(deps.rt.statements, req.ctx.workspace_id, run_id)
    if found is None:  # another workspace's run is indistinguishable from a missing one
        raise NotFound(f"no run {run_id!r} in this workspace")
    return run_id, found


async def locate_run(deps: Deps, req: RpcRequest) -> RpcReply:
    """Where a run's whole document is in the log, for the gateway to read it there (a claim check:
    the 78 KB document does not travel through this service)."""
    _, found = await _locate(deps, req)
    return json_reply({"run_hash": found.run_hash, "document_seq": found.document_seq})


async def get_run(deps: Deps, req: RpcRequest) -> RpcReply:
    """The whole document with its ``run_hash`` (the gateway uses ``runs.locate``; operators and
    tests use this one)."""
    _, found = await _locate(deps, req)
    document = await runlog.document_entry(deps.rt.bus, found.document_seq, found.run_hash)
    return RpcReply(200, with_hash(document, found.run_hash), "application/json")


OPERATIONS: tuple[Operation[Deps], ...] = (
    Operation("runs.list", list_runs),
    Operation("runs.locate", locate_run),
    Operation("runs.get", get_run),
)
