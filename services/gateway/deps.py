"""What every gateway route needs, kept on ``app.state.gw``: who is calling, what they may do,
and the forwarding helper.

Three checks guard an operation, and a route states all it needs in one call::

    p = await authorized(request, scope="runs:write", feature="reproductions", quota="reproductions_per_month")

* **scope** (403 ``missing-scope`` naming it): what the credential allows;
* **role** (403 ``missing-role``): what the member is in the org;
* **plan feature** (402 ``plan-feature-missing`` naming it) and **quota** (402 ``plan-limit-reached``):
  what the org pays for (``plans.yaml``).

The role is checked before the scope, and both before the plan: "ask an admin" comes before
"upgrade". Resources of another workspace or org are the owning service's ``NotFound`` (404).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from litestar import Request, Response
from nats.aio.client import Client as NATS
from psycopg_pool import AsyncConnectionPool
from qlcore import rpc
from qlcore.bus import Bus
from qlcore.config import BACKEND_SERVICES as SERVICES
from qlcore.config import Settings

from services.gateway import store
from services.gateway.domain.access import Principal, Role, authorize
from services.gateway.domain.plans import Plan, PlanCatalog, check_limit, default_catalog, require_feature
from services.gateway.identity.runtime import IdentityRuntime
from services.gateway.principal import SESSION_COOKIE, resolve

__all__ = [
    "USAGE",
    "Gateway",
    "UsageReader",
    "authorized",
    "forward",
    "gw_of",
    "plan_of",
    "principal_of",
    "require_feature_of",
    "require_quota",
    "require_role",
    "require_scope",
    "usage",
]

UsageReader = Callable[[AsyncConnectionPool, Principal], Awaitable[int]]


def _monthly(metric: str) -> UsageReader:
    async def read(pool: AsyncConnectionPool, p: Principal) -> int:
        async with pool.connection() as conn:
            return await store.used_this_month(conn, p.org_id, metric)

    return read


async def _active_keys(pool: AsyncConnectionPool, p: Principal) -> int:
    async with pool.connection() as conn:
        return await store.active_key_count(conn, p.org_id)


async def _workspaces(pool: AsyncConnectionPool, p: Principal) -> int:
    async with pool.connection() as conn:
        return await store.workspace_count(conn, p.org_id)


async def _members(pool: AsyncConnectionPool, p: Principal) -> int:
    async with pool.connection() as conn:
        return await store.member_count(conn, p.org_id)


# How each plan limit is counted: monthly ones from events the identity projection counts,
# the others from its tables. A new limit in plans.yaml needs its reader here.
USAGE: dict[str, UsageReader] = {
    "runs_per_month": _monthly("runs_per_month"),
    "reproductions_per_month": _monthly("reproductions_per_month"),
    "api_keys": _active_keys,
    "workspaces": _workspaces,
    "members": _members,
}


@dataclass
class Gateway:
    settings: Settings
    nc: NATS
    pool: AsyncConnectionPool
    services: tuple[str, ...] = SERVICES
    identity: IdentityRuntime | None = None
    catalog: PlanCatalog = field(default_factory=default_catalog)
    statements: AsyncConnectionPool | None = None  # autocommit connections (Runtime.statements)

    @functools.cached_property
    def bus(self) -> Bus:
        """The bus with JetStream (the Object Store of attestation evidence)."""
        return Bus(self.nc, self.settings)

    def ctx(self, principal: Principal | None, request: Request[Any, Any, Any] | None = None) -> rpc.RpcContext:
        rid = structlog.contextvars.get_contextvars().get("request_id")
        if principal is None:
            return rpc.RpcContext(request_id=rid)
        return rpc.RpcContext(principal.workspace_id, principal.org_id, principal.actor, rid)

    @property
    def ident(self) -> IdentityRuntime:
        if self.identity is None:
            raise RuntimeError("the gateway was built without its identity runtime")
        return self.identity


def gw_of(request: Request[Any, Any, Any]) -> Gateway:
    return request.app.state.gw  # type: ignore[no-any-return]


async def principal_of(request: Request[Any, Any, Any]) -> Principal:
    """Resolve the caller from ``Authorization: Bearer`` or the session cookie (401 problem when
    missing, malformed, unknown, revoked, ended or expired); cached for the request."""
    cached = request.scope.get("ql_principal")
    if isinstance(cached, Principal):
        return cached
    gw = gw_of(request)  # one SELECT on every request: an autocommit connection saves two round trips
    p = await resolve(
        gw.statements or gw.pool, request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
    )
    request.scope["ql_principal"] = p  # type: ignore[typeddict-unknown-key]
    structlog.contextvars.bind_contextvars(workspace_id=p.workspace_id, org_id=p.org_id)
    return p


def require_scope(principal: Principal, scope: str) -> None:
    """403 ``missing-scope`` naming ``scope``. Scopes do not imply one another (``admin`` is org
    administration, not a superset)."""
    authorize(principal, scope=scope)  # type: ignore[arg-type]


def require_role(principal: Principal, role: Role) -> None:
    """403 ``missing-role`` unless the member's role is at least ``role``."""
    authorize(principal, role=role)


def plan_of(request: Request[Any, Any, Any], principal: Principal) -> Plan:
    return gw_of(request).catalog.get(principal.plan)


def require_feature_of(request: Request[Any, Any, Any], principal: Principal, feature: str) -> None:
    """402 ``plan-feature-missing`` naming ``feature`` unless the org's plan includes it."""
    require_feature(plan_of(request, principal), feature)


async def usage(request: Request[Any, Any, Any], principal: Principal, limit: str) -> int:
    reader = USAGE.get(limit)
    if reader is None:
        raise ValueError(f"no usage reader for the limit {limit!r}")
    return await reader(gw_of(request).pool, principal)


async def require_quota(request: Request[Any, Any, Any], principal: Principal, limit: str, adding: int = 1) -> int:
    """402 ``plan-limit-reached`` if ``adding`` more would exceed the plan's ``limit``; returns the
    count used so far (``-1`` when the plan has no limit: nothing is counted then)."""
    plan = plan_of(request, principal)
    if plan.limit(limit) is None:
        return -1
    used = await usage(request, principal, limit)
    check_limit(plan, limit, used, adding)
    return used


async def authorized(
    request: Request[Any, Any, Any],
    *,
    scope: str | None = None,
    role: Role | None = None,
    feature: str | None = None,
    quota: str | None = None,
) -> Principal:
    """Resolve the caller and apply every check a route needs (see the module docstring)."""
    p = await principal_of(request)
    authorize(p, scope=scope, role=role)  # type: ignore[arg-type]
    if feature is not None:
        require_feature_of(request, p, feature)
    if quota is not None:
        await require_quota(request, p, quota)
    return p


async def forward(
    request: Request[Any, Any, Any],
    service: str,
    op: str,
    body: bytes | Any = b"",
    principal: Principal | None = None,
    timeout: float | None = None,
) -> Response[bytes]:
    """Call a service and return its reply as the HTTP response, body untouched."""
    gw = gw_of(request)
    reply = await rpc.call(gw.nc, gw.settings, service, op, body, gw.ctx(principal), timeout=timeout)
    media_type = reply.content_type
    if media_type.startswith("text/"):  # litestar appends "; charset=utf-8" to text/* itself
        media_type = media_type.split(";", 1)[0]
    return Response(reply.body, status_code=reply.status, media_type=media_type, headers=reply.headers or None)
