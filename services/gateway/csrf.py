"""Cross-site request forgery: every unsafe request a browser's session cookie authenticates
must prove it comes from our own pages.

A request is *cookie-authenticated* when it carries the session cookie and no ``Authorization``
header (a bearer credential wins over the cookie in :func:`services.gateway.principal.resolve`,
so bearer requests, API keys and session tokens alike, are never affected: a browser never adds
an ``Authorization`` header on its own). Such a POST, PUT, PATCH or DELETE needs all of:

1. **same origin**: ``Origin`` (or, when a browser sends none, ``Referer``) names this gateway's
   origin (``QL_PUBLIC_BASE_URL`` when set, else the request's own scheme and ``Host``);
2. **the token**: ``X-CSRF-Token`` header, or the ``csrf_token`` field of an
   ``application/x-www-form-urlencoded`` form; the token is HMAC-SHA256 keyed by the session
   secret itself (:func:`token_for`), so it is bound to the session, needs no server-side state
   and no shared key between gateway instances, and reveals nothing about the secret;
3. **JSON for the API**: under ``/api/`` a body must be JSON (``application/json`` or
   ``application/*+json``; a request without a body and a content type passes): a cross-site
   ``<form>`` or ``text/plain`` fetch cannot send that without a CORS preflight, which this
   gateway never grants.

Form posts of the web pages without a session (sign in, register, verify) are refused when
their ``Origin``/``Referer`` names another site (login CSRF; a client that sends neither is no
browser, and no browser can be made to omit both on a POST). A refusal is 403 ``csrf-failed``
(problem+json, or a short HTML page for a browser). The check is an ASGI middleware,
registered once in :mod:`services.gateway.app`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from html import escape
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs, urlsplit

import orjson
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send
from qlcore.errors import Problem, problem_type

__all__ = ["FORM_FIELD", "HEADER", "UNSAFE", "csrf_protect", "token_for", "tokens_match"]

HEADER = "x-csrf-token"
FORM_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024  # the web app's forms are small; a larger one is not read for the token
_CONTEXT = b"quantumledger csrf v1"


def token_for(session_secret: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 keyed by the session's secret (the cookie value)."""
    return hmac.new(session_secret.encode(), _CONTEXT, hashlib.sha256).hexdigest()


def tokens_match(session_secret: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(token_for(session_secret), str(presented))


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        name = k.decode("latin-1").lower()
        if name == "cookie" and name in out:
            out[name] += "; " + v.decode("latin-1")
        else:
            out.setdefault(name, v.decode("latin-1"))
    return out


def _cookie(raw: str | None, name: str) -> str | None:
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        for part in raw.split(";"):
            k, _, v = part.strip().partition("=")
            if k == name:
                return v or None
        return None
    morsel = jar.get(name)
    return morsel.value or None if morsel is not None else None


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def expected_origins(scope: Scope, headers: dict[str, str], public_base_url: str = "") -> set[str]:
    """This gateway's origins: its public base URL, and the origin the request itself was sent to."""
    out: set[str] = set()
    if public_base_url:
        o = _origin_of(public_base_url)
        if o:
            out.add(o)
    host = headers.get("host")
    if host:
        o = _origin_of(f"{scope.get('scheme', 'http')}://{host}")
        if o:
            out.add(o)
    return out


def same_origin(scope: Scope, headers: dict[str, str], public_base_url: str = "") -> bool:
    """``Origin`` (else ``Referer``) names this gateway; a request with neither is refused."""
    claimed = headers.get("origin")
    if claimed is None or claimed == "null":
        referer = headers.get("referer")
        if not referer:
            return False
        claimed = referer
    origin = _origin_of(claimed)
    return origin is not None and origin in expected_origins(scope, headers, public_base_url)


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _json_or_empty(content_type: str | None, headers: dict[str, str]) -> bool:
    """A JSON body, or none at all (a DELETE, a publish without options)."""
    if content_type is not None:
        return _is_json(content_type)
    return headers.get("content-length", "0").strip() == "0" and "transfer-encoding" not in headers


def _wants_html(headers: dict[str, str]) -> bool:
    accept = headers.get("accept", "")
    return "text/html" in accept


async def _refuse(scope: Scope, send: Send, headers: dict[str, str], detail: str) -> None:
    if _wants_html(headers):
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Request refused · QuantumLedger</title>"
            "<main><h1>Request refused</h1>"
            f"<p>{escape(detail)}</p><p>Reload the page you came from and try again.</p></main></html>"
        ).encode()
        media = b"text/html; charset=utf-8"
    else:
        problem = Problem(
            type=problem_type("csrf-failed"),
            title="Cross-site request refused",
            status=403,
            detail=detail,
            instance=scope.get("path"),
        )
        body = orjson.dumps(problem.to_dict())
        media = b"application/problem+json"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", media), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive, limit: int) -> tuple[list[ReceiveMessage], bytes, bool]:
    """Every request message (to replay them) and the body; ``False`` when it exceeded ``limit``."""
    messages: list[ReceiveMessage] = []
    body = bytearray()
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, bytes(body), True
        body += message.get("body", b"") or b""
        if len(body) > limit:
            return messages, bytes(body), False
        if not message.get("more_body", False):
            return messages, bytes(body), True


def _replay(messages: Iterable[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def csrf_protect(session_cookie: str, public_base_url: str = "", web_paths: tuple[str, ...] = ()) -> object:
    """The middleware factory (litestar ``middleware=[...]`` takes ``app -> app``).

    ``web_paths``: path prefixes of the web pages whose forms get the same-origin check even
    without a session (sign in, register)."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope.get("method", "GET") not in UNSAFE:
                await app(scope, receive, send)
                return
            headers = _headers(scope)
            if headers.get("authorization"):
                await app(scope, receive, send)  # a bearer credential: the cookie is not used
                return
            path = scope.get("path", "")
            secret = _cookie(headers.get("cookie"), session_cookie)
            if secret is None:
                is_web = any(path == p or path.startswith(p.rstrip("/") + "/") for p in web_paths)
                claims = "origin" in headers or "referer" in headers  # every browser sends one on a POST
                if is_web and claims and not same_origin(scope, headers, public_base_url):
                    await _refuse(scope, send, headers, "this form must be sent from a QuantumLedger page")
                    return
                await app(scope, receive, send)
                return
            if not same_origin(scope, headers, public_base_url):
                await _refuse(scope, send, headers, "a cookie-authenticated change must come from this site")
                return
            content_type = headers.get("content-type")
            if path.startswith("/api/") and not _json_or_empty(content_type, headers):
                await _refuse(scope, send, headers, "a cookie-authenticated API change must send JSON")
                return
            presented = headers.get(HEADER)
            if presented is None and (content_type or "").split(";", 1)[0].strip().lower() == FORM:
                messages, body, complete = await _read_body(receive, MAX_FORM_BYTES)
                receive = _replay(messages, receive)
                if complete:
                    try:
                        values = parse_qs(body.decode("utf-8", "replace"), max_num_fields=200).get(FORM_FIELD)
                    except ValueError:  # too many fields: no token read
                        values = None
                    presented = values[0] if values else None
            if not tokens_match(secret, presented):
                await _refuse(scope, send, headers, "the CSRF token is missing or does not match this session")
                return
            await app(scope, receive, send)

        return middleware

    return factory
