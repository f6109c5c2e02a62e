"""Security headers on every response, set once for the whole gateway (a ``before_send`` hook).

Whatever produced a response (a route, a service's reply forwarded, a mounted ASGI app, litestar's
OpenAPI pages, an error), when it leaves the gateway:

* every response has ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``
  (``no-referrer`` unless the producer chose one);
* every document (``text/html``, ``image/svg+xml``) has a ``Content-Security-Policy``: the
  producer's own when it sent one (card pages, reports, the trust center hash their inline
  style), else :data:`DEFAULT_CSP` (``/schema``: :data:`DOCS_CSP`, the web app's policy: the API
  reference there is its server-rendered page);
* every HTML page has ``frame-ancestors 'none'`` in its policy (replacing what the producer said)
  and ``X-Frame-Options: DENY``, except a page its route declares frameable: the card page with
  ``?embed=1`` is what the embed snippet's iframe shows anywhere (``opt={"frameable": "embed"}``
  on the route: frameable when that query parameter is true), and gets ``frame-ancestors *``;
* a textual ``Content-Type`` carries exactly one ``charset=utf-8`` (litestar appends one to
  ``text/*`` media types, and a service's reply already has one).

SVG badges are documents but not pages: they get the policy, not ``frame-ancestors`` (they are
shown with ``<img>``, which frame-ancestors does not govern). ``docs/security.md`` lists it all.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from litestar.types import Message, Scope

from services.gateway.web.render import CSP as WEB_CSP

__all__ = [
    "DEFAULT_CSP",
    "DOCS_CSP",
    "REFERRER_POLICY",
    "normalize_content_type",
    "security_headers",
    "with_frame_ancestors",
]

DEFAULT_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'"
# the API reference under /schema is the web app's page, rendered on the server (its styles and
# scripts from /static, nothing from a CDN): the web app's policy
DOCS_CSP = WEB_CSP
REFERRER_POLICY = b"no-referrer"
_TRUE = {"1", "true", "yes", "on"}
_DOCUMENTS = ("text/html", "image/svg+xml")


def normalize_content_type(value: str) -> str:
    """One ``charset`` (the first one given), ``utf-8`` added to textual types that have none."""
    media, *params = (p.strip() for p in value.split(";"))
    kept: list[str] = []
    charset = False
    for p in params:
        if not p:
            continue
        if p.lower().startswith("charset="):
            if charset:
                continue
            charset = True
        kept.append(p)
    if not charset and (media.lower().startswith("text/") or media.lower() == "image/svg+xml"):
        kept.append("charset=utf-8")
    return "; ".join([media, *kept])


def with_frame_ancestors(csp: str, sources: str) -> str:
    """``csp`` with its ``frame-ancestors`` directive set to ``sources`` (added or replaced)."""
    directives = [d.strip() for d in csp.split(";") if d.strip()]
    kept = [d for d in directives if d.split(None, 1)[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, f"frame-ancestors {sources}"])


def _frameable(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    param = getattr(handler, "opt", {}).get("frameable") if handler is not None else None
    if not param:
        return False
    if param is True:
        return True
    query = scope.get("query_string", b"").decode("latin-1")
    return any(k == param and v.lower() in _TRUE for k, v in parse_qsl(query))


async def security_headers(message: Message, scope: Scope) -> None:
    """The ``before_send`` hook: complete the response's headers as the module docstring says."""
    if message["type"] != "http.response.start":
        return
    headers: list[tuple[bytes, bytes]] = list(message.get("headers") or [])
    ctype, csp = "", None
    have: set[bytes] = set()
    for i, (k, v) in enumerate(headers):
        name = k.lower()
        have.add(name)
        if name == b"content-type":
            ctype = normalize_content_type(v.decode("latin-1"))
            headers[i] = (k, ctype.encode("latin-1"))
        elif name == b"content-security-policy":
            csp = i
    if b"x-content-type-options" not in have:
        headers.append((b"x-content-type-options", b"nosniff"))
    if b"referrer-policy" not in have:
        headers.append((b"referrer-policy", REFERRER_POLICY))
    media = ctype.split(";", 1)[0].strip().lower()
    if media in _DOCUMENTS:
        if csp is None:
            path: str = scope.get("path", "")
            docs = path == "/schema" or path.startswith("/schema/")
            headers.append((b"content-security-policy", (DOCS_CSP if docs else DEFAULT_CSP).encode()))
            csp = len(headers) - 1
        if media == "text/html":
            frameable = _frameable(scope)
            k, v = headers[csp]
            policy = with_frame_ancestors(v.decode("latin-1"), "*" if frameable else "'none'")
            headers[csp] = (k, policy.encode("latin-1"))
            if not frameable and b"x-frame-options" not in have:
                headers.append((b"x-frame-options", b"DENY"))
    message["headers"] = headers  # type: ignore[typeddict-unknown-key]
