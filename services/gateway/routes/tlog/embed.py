"""``transparency: {index, bundle}`` in the card JSON and the attestation JSON, added by the gateway.

A card (``GET /api/v1/cards/{slug}``) and an attestation (``GET /api/v1/attestations/{att_id}``)
carry the offline proof of their log entry once a signed checkpoint covers it: ``index`` (the
leaf) and ``bundle`` (a C2SP tlog-proof: the entry, its inclusion proof and that checkpoint with
its cosignatures), so a reader can check them years later without the server (``ql verify``).
Before that, ``transparency`` is ``null``. The bundle is made against the *first* checkpoint
that covers the entry, so it never changes: the card's ETag changes once, when it appears. An
attestation that was revoked also carries ``transparency.revocation``, the revocation's entry.

The card and attestation services do not know the log, so this is middleware on their gateway
routes (:func:`with_transparency` wraps their controllers in a router): it asks the tlog service
for the bundle (``log.bundle``, kept here once found: it is immutable), adds the member to a 200
JSON answer, computes the strong ETag of the new body and answers ``If-None-Match`` itself. The
card JSON's other members and the services' own 304s are untouched. When the services embed it
natively (``docs/transparency-log.md``), this module goes away.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import structlog
from litestar import Router
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from qlcore.errors import QLError
from qlcore.http_cache import if_none_match, strong_etag

from services.gateway.routes.tlog.files import Answered, fetch

__all__ = ["embed_transparency", "transparency_for", "with_transparency"]

log = structlog.get_logger("gateway.transparency")

_CARD = re.compile(r"/api/v1/cards/([^/]+)")
_ATTESTATION = re.compile(r"/api/v1/attestations/([^/]+)")
MAX_KEPT = 20_000
Key = tuple[str, str, str | None]


def _kept(app_state: Any) -> dict[Key, dict[str, Any]]:
    kept = getattr(app_state, "tlog_bundles", None)
    if kept is None:
        kept = {}
        app_state.tlog_bundles = kept
    return kept  # type: ignore[no-any-return]


async def _bundle(scope: Scope, kind: str, subject: str, ref: str | None) -> dict[str, Any] | None:
    """``{index, bundle}`` of the entry, or ``None`` while no signed checkpoint covers it."""
    state = scope["litestar_app"].state  # type: ignore[typeddict-item]
    kept = _kept(state)
    key = (kind, subject, ref)
    if key in kept:
        return kept[key]
    body = {"kind": kind, "subject": subject, **({"ref": ref} if ref else {})}
    try:
        reply = await fetch(state.gw, "log.bundle", body, timeout=2.0)
    except Answered as err:
        if err.status not in (404, 400, 422):
            log.warning("transparency.bundle_unavailable", kind=kind, subject=subject, status=err.status)
        return None
    except QLError as err:  # the tlog service is down: the JSON is served without the proof
        log.warning("transparency.bundle_unavailable", kind=kind, subject=subject, error=str(err))
        return None
    found = reply.json()
    out = {"index": found["index"], "bundle": found["bundle"]}
    if len(kept) >= MAX_KEPT:
        kept.clear()
    kept[key] = out
    return out


async def transparency_for(scope: Scope, doc: dict[str, Any], path: str) -> dict[str, Any] | bool | None:
    """The ``transparency`` member for a card or attestation JSON, ``False`` if ``doc`` is neither."""
    if _CARD.fullmatch(path) and isinstance(doc.get("slug"), str) and "run" in doc:
        ref = doc.get("version_id") if isinstance(doc.get("version_id"), str) else None
        return await _bundle(scope, "card_published", doc["slug"], ref)
    if _ATTESTATION.fullmatch(path) and isinstance(doc.get("attestation_id"), str) and "envelope" in doc:
        issued = await _bundle(scope, "attestation_issued", doc["attestation_id"], None)
        if issued is None:
            return None
        revoked = await _bundle(scope, "attestation_revoked", doc["attestation_id"], None)
        return {**issued, "revocation": revoked} if revoked is not None else issued
    return False


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


def embed_transparency(app: ASGIApp) -> ASGIApp:
    """Middleware adding ``transparency`` to 200 JSON answers of the card and attestation GETs."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or not (_CARD.fullmatch(path) or _ATTESTATION.fullmatch(path))
        ):
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _finish(scope, send, start, b"".join(chunks))

        await app(scope, receive, capture)

    return middleware


async def _finish(scope: Scope, send: Send, start: dict[str, Any], body: bytes) -> None:
    headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
    ctype = _header(headers, b"content-type") or b""
    doc: Any = None
    if start.get("status") == 200 and ctype.startswith(b"application/json"):
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            doc = None
    member = await transparency_for(scope, doc, scope["path"]) if isinstance(doc, dict) else False
    if member is False:
        await send(start)  # type: ignore[arg-type]
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return
    body = orjson.dumps({**doc, "transparency": member})
    etag = strong_etag(body)
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"etag")]
    inm = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
    if inm is not None and if_none_match(inm.decode("latin-1"), etag):
        conditional = [(k, v) for k, v in kept if k.lower() != b"content-type"]
        await send({"type": "http.response.start", "status": 304, "headers": [*conditional, (b"etag", etag.encode())]})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    out = [*kept, (b"etag", etag.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": out})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def with_transparency(*controllers: Any) -> Router:
    """The card and attestation controllers, their JSON answers carrying ``transparency``."""
    return Router(path="/", route_handlers=list(controllers), middleware=[embed_transparency])
