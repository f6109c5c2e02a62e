"""What every gateway route needs, kept on ``app.state.gw``, and the forwarding helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from litestar import Request, Response
from nats.aio.client import Client as NATS
from psycopg_pool import AsyncConnectionPool
from qlcore import rpc
from qlcore.config import Settings
from qlcore.errors import Forbidden

from services.gateway.principal import Principal, resolve_api_key

__all__ = ["Gateway", "forward", "gw_of", "principal_of", "require_scope"]

from services.registry import BACKEND_SERVICES as SERVICES


@dataclass
class Gateway:
    settings: Settings
    nc: NATS
    pool: AsyncConnectionPool
    services: tuple[str, ...] = SERVICES

    def ctx(self, principal: Principal | None, request: Request[Any, Any, Any] | None = None) -> rpc.RpcContext:
        rid = structlog.contextvars.get_contextvars().get("request_id")
        if principal is None:
            return rpc.RpcContext(request_id=rid)
        return rpc.RpcContext(principal.workspace_id, principal.org_id, principal.actor, rid)


def gw_of(request: Request[Any, Any, Any]) -> Gateway:
    return request.app.state.gw  # type: ignore[no-any-return]


async def principal_of(request: Request[Any, Any, Any]) -> Principal:
    """Resolve the caller (401 problem when the key is missing, unknown, revoked or expired)."""
    cached = request.scope.get("ql_principal")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    p = await resolve_api_key(gw_of(request).pool, request.headers.get("authorization"))
    request.scope["ql_principal"] = p  # type: ignore[typeddict-unknown-key]
    structlog.contextvars.bind_contextvars(workspace_id=p.workspace_id)
    return p


def require_scope(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes and "admin" not in principal.scopes:
        raise Forbidden(f"this API key lacks the {scope!r} scope", missing_scope=scope)


async def forward(request: Request[Any, Any, Any], service: str, op: str, body: bytes | Any = b"",
                  principal: Principal | None = None, timeout: float | None = None) -> Response[bytes]:
    """Call a service and return its reply as the HTTP response, body untouched."""
    gw = gw_of(request)
    reply = await rpc.call(gw.nc, gw.settings, service, op, body, gw.ctx(principal), timeout=timeout)
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type,
                    headers=reply.headers or None)
