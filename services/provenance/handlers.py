"""Provenance queries: list a workspace's runs (cursor pagination) and fetch one document."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import orjson
from qlcore import runlog
from qlcore.errors import NotFound, Unauthorized, Unprocessable
from qlcore.rpc import RpcReply, RpcRequest, RpcServer, json_reply
from qlcore.service import ServiceContext
from qlprov.hashing import with_hash

__all__ = ["ListQuery", "register"]

MAX_LIMIT = 200


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 50
    cursor: str | None = None
    backend: str | None = None  # provider/name
    status: str | None = None


def _encode_cursor(created_at: Any, run_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([created_at.isoformat(), run_id])).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        created, run_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(created), str(run_id)
    except Exception as exc:
        raise Unprocessable("invalid cursor") from exc


def register(rpc: RpcServer, ctx: ServiceContext) -> None:
    async def list_runs(req: RpcRequest) -> RpcReply:
        ws = req.ctx.workspace_id
        if not ws:
            raise Unauthorized()
        q: ListQuery = req.json(ListQuery)
        if not 1 <= q.limit <= MAX_LIMIT:
            raise Unprocessable(f"limit must be between 1 and {MAX_LIMIT}")
        where, args = ["workspace_id = %s"], [ws]
        if q.backend:
            provider, _, name = q.backend.partition("/")
            if not name:
                raise Unprocessable("backend filter is provider/name, e.g. ibm/ibm_kyiv")
            where += ["provider = %s", "backend_name = %s"]
            args += [provider, name]
        if q.status:
            where.append("status = %s")
            args.append(q.status)
        if q.cursor:
            created, run_id = _decode_cursor(q.cursor)
            where.append("(created_at, run_id) < (%s::timestamptz, %s)")
            args += [created, run_id]
        sql = (
            "SELECT run_id, run_hash, provider, backend_name, shots, status, created_at_text, created_at"
            f" FROM runs WHERE {' AND '.join(where)} ORDER BY created_at DESC, run_id DESC LIMIT %s"
        )
        async with ctx.statements.connection() as conn:
            rows = await (await conn.execute(sql, (*args, q.limit + 1))).fetchall()
        items = [
            {
                "run_id": r[0],
                "run_hash": r[1],
                "backend": f"{r[2]}/{r[3]}",
                "shots": r[4],
                "status": r[5],
                "created_at": r[6],
            }
            for r in rows[: q.limit]
        ]
        headers = {}
        if len(rows) > q.limit:
            last = rows[q.limit - 1]
            headers["X-Next-Cursor"] = _encode_cursor(last[7], last[0])
        return json_reply(items, headers=headers)

    async def get_run(req: RpcRequest) -> RpcReply:
        ws = req.ctx.workspace_id
        run_id = req.json(dict).get("run_id", "")
        async with ctx.statements.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT run_hash, seq FROM runs WHERE run_id = %s AND workspace_id = %s", (run_id, ws)
                )
            ).fetchone()
        if row is None:  # another workspace's run is indistinguishable from a missing one
            raise NotFound(f"no run {run_id!r} in this workspace")
        run_hash, seq = row
        # either event format (decision 0008); the gateway itself reads new runs' documents (runs.locate)
        document = await runlog.document_at(ctx.bus, seq, run_id)
        return RpcReply(200, with_hash(document, run_hash), "application/json")

    async def locate_run(req: RpcRequest) -> RpcReply:
        """Where a run's whole document is in the log, for the gateway to read it there (a claim check:
        the 78 KB document does not travel through this service). ``document_seq`` is null for a
        run logged before decision 0008; ``runs.get`` returns those."""
        ws = req.ctx.workspace_id
        run_id = req.json(dict).get("run_id", "")
        async with ctx.statements.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT run_hash, document_seq FROM runs WHERE run_id = %s AND workspace_id = %s", (run_id, ws)
                )
            ).fetchone()
        if row is None:  # another workspace's run is indistinguishable from a missing one
            raise NotFound(f"no run {run_id!r} in this workspace")
        return json_reply({"run_hash": row[0], "document_seq": row[1]})

    rpc.add("runs.list", list_runs)
    rpc.add("runs.locate", locate_run)
    rpc.add("runs.get", get_run)
