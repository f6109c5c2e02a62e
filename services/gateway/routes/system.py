"""Health and the authenticated principal (``/me``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from services.gateway import store
from services.gateway.deps import USAGE, gw_of, plan_of, principal_of, usage
from services.gateway.health import health_report, is_operator

__all__ = ["SystemController"]


class SystemController(Controller):
    path = "/api/v1"
    tags = ["system"]

    @get(
        "/health",
        operation_id="health",
        summary="up, degraded (serving, with dead letters to handle) or down; details for operators",
    )
    async def health(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """Public: only ``{"status": "up" | "degraded" | "down"}`` (200, 200, 503). With the
        operator token (``Authorization: Bearer ql_op_…``, ``$QL_HOME/operator-token`` under
        ``make run``) also NATS, PostgreSQL and each service's position, lag and dead letters."""
        gw = gw_of(request)
        report = await health_report(gw)
        code = 503 if report.status == "down" else 200
        if is_operator(gw.settings, request.headers.get("authorization")):
            return Response({"status": report.status, **report.details}, status_code=code)
        return Response({"status": report.status}, status_code=code)

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
                row = await store.account_profile(conn, p.account_id)
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
