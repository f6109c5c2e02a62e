"""Rendering the web app's pages: one Jinja2 environment (autoescaping on), one layout, the
headers every page gets, and who is looking (the session, or nobody)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from litestar import Request, Response
from qlcore.errors import Unauthorized

from services.gateway.csrf import token_for
from services.gateway.deps import principal_of
from services.gateway.domain.access import Principal
from services.gateway.principal import SESSION_COOKIE

__all__ = ["CSP", "HEADERS", "page", "query_url", "viewer"]

TEMPLATES = Path(__file__).parent / "templates"

#: Scripts and styles only from this gateway (no inline script, no CDN); forms post here only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(value: str | None) -> str:
    """An RFC 3339 time as a short UTC text (the page's script shows it in the reader's zone)."""
    if not value:
        return ""
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,  # every {{ }} is escaped; markup only through Markup() built here
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["when"] = _when
_env.filters["num"] = _num


def query_url(path: str, params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(kept, doseq=True)}" if kept else path


async def viewer(request: Request[Any, Any, Any]) -> Principal | None:
    """The signed-in session of this browser, or ``None`` (never an error)."""
    if not request.cookies.get(SESSION_COOKIE) and not request.headers.get("authorization"):
        return None
    try:
        return await principal_of(request)
    except Unauthorized:
        return None


def csrf_token(request: Request[Any, Any, Any]) -> str:
    cookie = request.cookies.get(SESSION_COOKIE)
    return token_for(cookie) if cookie else ""


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    title: str,
    who: Principal | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    html = _env.get_template(template).render(
        title=title,
        who=who,
        csrf=csrf_token(request),
        path=request.url.path,
        **context,
    )
    return Response(html, status_code=status, media_type="text/html", headers={**HEADERS, **(headers or {})})


def render_fragment(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)
