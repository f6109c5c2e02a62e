"""What the web pages share: calling a service as the signed-in member, the sign-in redirect,
error pages, safe redirects."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from litestar import Request, Response
from litestar.response import Redirect
from qlcore import rpc
from qlcore.errors import NotFound, QLError

from services.gateway.deps import gw_of
from services.gateway.domain.access import Principal
from services.gateway.web.render import page, viewer

__all__ = ["ServiceError", "call", "error_page", "not_found", "require_viewer", "safe_next", "see_other"]


class ServiceError(QLError):
    """A service answered with a problem; its status, title and detail are kept."""

    def __init__(self, status: int, title: str, detail: str | None) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title


async def call(
    request: Request[Any, Any, Any],
    service: str,
    op: str,
    body: bytes | Any,
    principal: Principal | None,
    timeout: float | None = None,
) -> rpc.RpcReply:
    """The same service call the REST route makes; a problem reply raises :class:`ServiceError`."""
    gw = gw_of(request)
    reply = await rpc.call(gw.nc, gw.settings, service, op, body, gw.ctx(principal, request), timeout=timeout)
    if reply.status >= 400:
        try:
            problem = orjson.loads(reply.body)
        except orjson.JSONDecodeError:
            problem = {}
        raise ServiceError(reply.status, str(problem.get("title") or "Error"), problem.get("detail"))
    return reply


def see_other(url: str) -> Response[Any]:
    return Redirect(url, status_code=303, headers={"Cache-Control": "no-store"})


def safe_next(value: str | None, default: str = "/runs") -> str:
    """A local path to go back to after signing in (never another site: no ``//`` or scheme)."""
    if not value or not value.startswith("/") or "\\" in value or any(c.isspace() or ord(c) < 32 for c in value):
        return default  # browsers drop tabs and newlines from URLs: "/\t/evil" would become "//evil"
    if value.startswith("//") or len(value) > 2000:
        return default
    return value


async def require_viewer(request: Request[Any, Any, Any]) -> Principal | Response[Any]:
    """The signed-in member, or the redirect to the sign-in page (back here after it)."""
    who = await viewer(request)
    if who is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return see_other(f"/signin?next={quote(target, safe='')}")
    return who


def error_page(
    request: Request[Any, Any, Any], err: QLError, who: Principal | None, back: str | None = None
) -> Response[str]:
    status = err.status if 400 <= err.status < 600 else 500
    return page(
        request,
        "error.html",
        title=err.title,
        who=who,
        status=status,
        heading=err.title,
        detail=err.detail or err.title,
        back=back,
        code=status,
    )


def not_found(request: Request[Any, Any, Any], who: Principal | None, what: str = "page") -> Response[str]:
    """The site's one 404 page (as for an unknown address): nothing tells a missing resource
    from another workspace's."""
    err = NotFound(f"There is no such {what}, or it is not yours to see.")
    err.title = "Page not found"
    return error_page(request, err, who)
