"""A workspace's transparency setting: whether the public log commits the runs it ingests.

The setting is an event (``workspace.log_opted_in`` / ``workspace.log_opted_out``), so the
projection applies it in log order: exactly the runs ingested after the opt-in are committed,
on every replay. Setting the current value again appends nothing. The gateway allows the
workspace's admins to change it; another workspace's setting is a 404 like a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from qlcore.errors import NotFound, Unauthorized
from qlcore.events.transparency import WorkspaceLogOptedIn, WorkspaceLogOptedOut
from qlcore.rpc import RpcReply, RpcRequest, json_reply

from services.tlog import store

if TYPE_CHECKING:
    from services.tlog.bootstrap import Deps

__all__ = ["get_setting", "set_setting"]


class _Ask(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str


class _Set(msgspec.Struct, forbid_unknown_fields=True):
    workspace_id: str
    run_commitments: bool


def _own(req: RpcRequest, workspace_id: str) -> str:
    if not req.ctx.workspace_id:
        raise Unauthorized()
    if workspace_id != req.ctx.workspace_id:
        raise NotFound(f"no workspace {workspace_id!r}")
    return workspace_id


async def _view(deps: Deps, ws: str, changed: bool | None = None) -> RpcReply:
    s = await store.settings.opt_in_of(deps.rt.statements, ws)
    out: dict[str, object] = {"workspace_id": ws, "run_commitments": s.opted_in, "since": s.changed_at}
    if changed is not None:
        out["changed"] = changed
    return json_reply(out)


async def get_setting(deps: Deps, req: RpcRequest) -> RpcReply:
    ws = _own(req, req.json(_Ask).workspace_id)
    await deps.rt.caught_up()
    return await _view(deps, ws)


async def set_setting(deps: Deps, req: RpcRequest) -> RpcReply:
    cmd = req.json(_Set)
    ws = _own(req, cmd.workspace_id)
    await deps.rt.caught_up()
    if (await store.settings.opt_in_of(deps.rt.statements, ws)).opted_in == cmd.run_commitments:
        return await _view(deps, ws, changed=False)
    kind = WorkspaceLogOptedIn if cmd.run_commitments else WorkspaceLogOptedOut
    event = kind.new(actor=req.ctx.actor, workspace_id=ws, correlation_id=req.ctx.request_id)
    appended = await deps.rt.bus.append(event)
    await deps.rt.applied(appended.seq)
    return await _view(deps, ws, changed=True)
