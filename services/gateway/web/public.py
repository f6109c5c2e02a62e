"""The site's shared parts: its stylesheet and script, the API reference rendered on the server
(no CDN, no script: the OpenAPI UI works offline), and HTML error pages for browsers."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.types import Message, Scope

from services.gateway.openapi import typed_document
from services.gateway.web.render import HEADERS, page, render_fragment

__all__ = ["DocsRenderPlugin", "PublicPages", "html_errors"]

METHODS = ("get", "post", "put", "patch", "delete")


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAPI document's operations grouped by tag, in the document's order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in (schema.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params = [*(item.get("parameters") or []), *(op.get("parameters") or [])]
            body = op.get("requestBody") or {}
            entry = {
                "method": method.upper(),
                "path": path,
                "id": op.get("operationId") or f"{method}-{path}",
                "summary": op.get("summary") or "",
                "description": op.get("description") or "",
                "params": [
                    {
                        "name": p.get("name"),
                        "in": p.get("in"),
                        "required": bool(p.get("required")),
                        "description": p.get("description") or "",
                        "type": (p.get("schema") or {}).get("type") or "",
                    }
                    for p in params
                    if isinstance(p, dict)
                ],
                "body": sorted((body.get("content") or {}).keys()),
                "responses": sorted((op.get("responses") or {}).keys()),
            }
            for tag in op.get("tags") or ["other"]:
                groups.setdefault(str(tag), []).append(entry)
    return [{"tag": tag, "ops": ops} for tag, ops in groups.items()]


def _docs_context(schema: dict[str, Any]) -> dict[str, Any]:
    info = schema.get("info") or {}
    return {"info": info, "groups": operations(schema), "version": schema.get("openapi", "")}


class DocsRenderPlugin(OpenAPIRenderPlugin):
    """``/schema``: the same server-rendered reference as ``/docs`` (litestar's own UIs load
    their scripts from CDNs, which an offline or CSP-locked browser cannot)."""

    def __init__(self, path: str = "/") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return render_fragment(
            "docs.html",
            title="API reference",
            who=None,
            csrf="",
            path="/docs",
            **_docs_context(typed_document(openapi_schema)),
        ).encode()


class PublicPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/docs")
    async def docs(self, request: Request[Any, Any, Any]) -> Response[str]:
        from services.gateway.web.render import viewer

        schema = typed_document(request.app.openapi_schema.to_schema())
        return page(request, "docs.html", title="API reference", who=await viewer(request), **_docs_context(schema))


def _prefers_html(headers: Any) -> bool:
    accept = next((v.decode("latin-1") for k, v in headers if k == b"accept"), "")
    if "text/html" not in accept:
        return False
    return "application/json" not in accept or accept.index("text/html") < accept.index("application/json")


_PAGES = {
    404: ("Page not found", "There is no such page, or it is not yours to see."),
    405: ("Not allowed", "This address does not take that kind of request."),
}


_FLAG = "ql_html_error"


def _error_body(status: int, path: str) -> bytes:
    title, text = _PAGES[status]
    return render_fragment(
        "error.html", title=title, who=None, csrf="", path=path, heading=title, detail=text, back=None, code=status
    ).encode()


async def html_errors(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook (it sees every response, unknown routes too): a browser
    (``Accept: text/html`` before JSON) asking with GET for something that is not there gets
    the site's HTML 404 page instead of problem+json (an unknown card, org, run, or address).
    The status stays; nothing of the problem's detail is kept."""
    if scope["type"] != "http":
        return
    if message["type"] == "http.response.start":
        if scope.get("method") not in ("GET", "HEAD") or not _prefers_html(scope["headers"]):
            return
        status = message["status"]
        headers = list(message.get("headers") or [])
        ctype = next((bytes(v) for k, v in headers if bytes(k).lower() == b"content-type"), b"")
        if status not in _PAGES or ctype.startswith(b"text/html"):
            return
        body = _error_body(status, scope.get("path", ""))
        scope[_FLAG] = body  # type: ignore[literal-required]
        new = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
        new += [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        new += [(k, v) for k, v in headers if bytes(k).lower() in (b"x-request-id", b"vary")]
        message["headers"] = new
    elif message["type"] == "http.response.body" and _FLAG in scope:
        body = scope.pop(_FLAG)  # type: ignore[misc]
        message["body"] = body if scope.get("method") == "GET" else b""
        message["more_body"] = False
