"""Health and the authenticated principal (``/me``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar import Controller, Request, Response, get
from qlcore import rpc

from services.gateway.deps import USAGE, gw_of, plan_of, principal_of, usage

__all__ = ["SystemController"]


class SystemController(Controller):
    path = "/api/v1"
    tags = ["system"]

    @get("/health", operation_id="health", summary="State of NATS, PostgreSQL and every service")
    async def health(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        gw = gw_of(request)

        async def nats_check() -> dict[str, Any]:
            t = time.perf_counter()
            info = await gw.nc.jetstream().stream_info(gw.settings.stream)
            return {
                "status": "up",
                "stream": gw.settings.stream,
                "last_seq": info.state.last_seq,
                "ms": round((time.perf_counter() - t) * 1000, 2),
            }

        async def pg_check() -> dict[str, Any]:
            t = time.perf_counter()
            async with gw.pool.connection() as conn:
                await conn.execute("SELECT 1")
            return {"status": "up", "ms": round((time.perf_counter() - t) * 1000, 2)}

        async def service_check(name: str) -> dict[str, Any]:
            reply = await rpc.call(gw.nc, gw.settings, name, "ops.status", b"", timeout=2.0)
            out = reply.json() or {}
            degraded = out.get("dead_letters", 0) > 0
            return {"status": "degraded" if degraded else "up", **{k: v for k, v in out.items() if k != "service"}}

        async def guarded(coro: Any) -> dict[str, Any]:
            try:
                return await asyncio.wait_for(coro, 3.0)
            except Exception as exc:
                return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}

        names = ("gateway", *gw.services)
        results = await asyncio.gather(
            guarded(nats_check()), guarded(pg_check()), *(guarded(service_check(n)) for n in names)
        )
        body: dict[str, Any] = {
            "nats": results[0],
            "postgres": results[1],
            "services": dict(zip(names, results[2:], strict=True)),
        }
        ok = all(r["status"] == "up" for r in results)
        body["status"] = "up" if ok else "down"
        return Response(body, status_code=200 if ok else 503)

    @get(
        "/me",
        operation_id="me",
        summary="The authenticated principal: account, org, workspace, role, effective plan with features and limits",
    )
    async def me(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        p = await principal_of(request)
        gw = gw_of(request)
        account = None
        if p.account_id is not None:
            async with gw.pool.connection() as conn:
                row = await (
                    await conn.execute(
                        "SELECT email, name, email_verified_at IS NOT NULL FROM accounts WHERE account_id = %s",
                        (p.account_id,),
                    )
                ).fetchone()
            if row is not None:
                account = {"id": p.account_id, "email": row[0], "name": row[1], "email_verified": row[2]}
        plan = plan_of(request, p)
        used = {name: await usage(request, p, name) for name in USAGE}
        return {
            "account": account,
            "org": {"id": p.org_id, "slug": p.org_slug, "name": p.org_name},
            "workspace": {"id": p.workspace_id, "slug": p.workspace_slug, "name": p.workspace_name},
            "role": p.role,
            "plan": {
                "name": plan.name,
                "title": plan.title,
                "features": plan.features,
                "limits": plan.limits,
                "usage": used,
            },
            "scopes": sorted(p.scopes),
            "auth": {"type": p.via, "key_id": p.key_id, "session_id": p.session_id},
        }
