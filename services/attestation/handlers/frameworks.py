"""The framework catalogue (public: published standards, the same for everyone) and enabling a
framework for a workspace (its latest version unless one is named; enabling again is a no-op)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from qlcore.errors import NotFound
from qlcore.events.attestation import FrameworkEnabled
from qlcore.rpc import RpcReply, RpcRequest, json_reply

from services.attestation import store
from services.attestation.domain import framework_digest
from services.attestation.handlers.requests import PUBLIC_CACHE, EnableCommand, FrameworkQuery, own

if TYPE_CHECKING:
    from services.attestation.bootstrap import Deps

__all__ = ["enable", "get_framework", "list_frameworks"]


async def list_frameworks(deps: Deps, _: RpcRequest) -> RpcReply:
    catalog = deps.catalog
    items = [
        {
            "id": fw.id,
            "version": fw.version,
            "title": fw.title,
            "description": fw.description,
            "publisher": fw.publisher,
            "controls": len(fw.controls),
            "versions": [v.version for v in catalog.versions(fw.id)],
        }
        for fw in catalog.latest()
    ]
    return json_reply(items, headers={"Cache-Control": PUBLIC_CACHE})


async def get_framework(deps: Deps, req: RpcRequest) -> RpcReply:
    q: FrameworkQuery = req.json(FrameworkQuery)
    fw = deps.catalog.get(q.framework_id, q.version)
    if fw is None:
        raise NotFound(f"no framework {q.framework_id!r}" + (f" version {q.version!r}" if q.version else ""))
    body = {
        **msgspec.to_builtins(fw),
        "digest": framework_digest(fw),
        "versions": [v.version for v in deps.catalog.versions(fw.id)],
    }
    return json_reply(body, headers={"Cache-Control": PUBLIC_CACHE})


async def enable(deps: Deps, req: RpcRequest) -> RpcReply:
    """201 when enabled (or moved to another version), 200 when it already was."""
    cmd: EnableCommand = req.json(EnableCommand)
    workspace_id = own(req, cmd.workspace_id)
    framework = deps.catalog.get(cmd.framework_id, cmd.version)
    if framework is None:
        raise NotFound(f"no framework {cmd.framework_id!r}" + (f" version {cmd.version!r}" if cmd.version else ""))
    async with deps.rt.pool.connection() as conn:
        current = {e.framework_id: e for e in await store.enabled_frameworks(conn, workspace_id)}.get(framework.id)
    created = current is None or current.framework_version != framework.version
    if created:
        event = FrameworkEnabled.new(
            actor=req.ctx.actor,
            workspace_id=workspace_id,
            correlation_id=req.ctx.request_id,
            framework_id=framework.id,
            framework_version=framework.version,
        )
        msg_id = f"enable:{workspace_id}:{framework.id}:{framework.version}"
        await deps.rt.applied((await deps.rt.bus.append(event, msg_id=msg_id)).seq)
        async with deps.rt.pool.connection() as conn:
            current = {e.framework_id: e for e in await store.enabled_frameworks(conn, workspace_id)}[framework.id]
    assert current is not None
    body = {
        "workspace_id": workspace_id,
        "framework_id": framework.id,
        "framework_version": current.framework_version,
        "title": framework.title,
        "enabled": True,
        "enabled_at": current.enabled_at,
        "changed": created,
    }
    return json_reply(body, status=201 if created else 200)
