"""Result Cards: publish and unpublish a run's card, the public card (JSON, citation, embed,
provenance document, HTML page) and independent reproductions. Badges are in ``badges``.

Public reads need no credential and set no cookie; they pass ``If-None-Match`` on to the card
service, which answers 304 when the client already holds the representation. Commands answer
after the card read model applied them, and drop the card's badges from this process's cache,
so the caller's next request, badges included, sees the change.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from qlcore import rpc

from services.gateway.deps import authorized, gw_of, require_quota
from services.gateway.domain.access import Principal
from services.gateway.routes.badges import badge_cache
from services.gateway.validation import json_text

__all__ = ["CardPagesController", "CardsController"]

REPRODUCTION_TIMEOUT = 90.0


class _Submission(msgspec.Struct):
    schema: str | None = None


def _response(reply: rpc.RpcReply) -> Response[bytes]:
    return Response(reply.body, status_code=reply.status, media_type=reply.content_type, headers=reply.headers or None)


async def _call(
    request: Request[Any, Any, Any],
    op: str,
    body: bytes | dict[str, Any],
    principal: Principal | None = None,
    timeout: float | None = None,
) -> rpc.RpcReply:
    gw = gw_of(request)
    return await rpc.call(gw.nc, gw.settings, "card", op, body, gw.ctx(principal, request), timeout=timeout)


async def _command(
    request: Request[Any, Any, Any], op: str, body: bytes, principal: Principal, timeout: float | None = None
) -> Response[bytes]:
    """A card command; on success the card's cached badges are dropped here at once."""
    reply = await _call(request, op, body, principal, timeout)
    if reply.status < 300:
        slug = (reply.json() or {}).get("slug")
        if isinstance(slug, str):
            badge_cache(request.app.state).invalidate(slug)
    return _response(reply)


def _query(request: Request[Any, Any, Any], slug: str, **params: Any) -> dict[str, Any]:
    q = {"slug": slug, "if_none_match": request.headers.get("if-none-match"), **params}
    return {k: v for k, v in q.items() if v is not None}


def _wants_html(accept: str | None) -> bool:
    """A browser's Accept (``text/html`` listed, JSON not preferred) asks for the page."""
    if not accept or "text/html" not in accept:
        return False
    return "application/json" not in accept or accept.index("text/html") < accept.index("application/json")


class CardsController(Controller):
    path = "/api/v1"
    tags = ["cards"]

    @post(
        "/runs/{run_id:str}/card/publish",
        operation_id="publishCard",
        status_code=200,
        summary="Publish a run as a public, citable Result Card (again: a new version when changed)",
    )
    async def publish(self, request: Request[Any, Any, Any], run_id: str) -> Response[bytes]:
        p = await authorized(request, scope="cards:publish")
        card = await json_text(request)
        body = b'{"run_id":' + orjson.dumps(run_id) + b',"card":' + card + b"}"
        return await _command(request, "cards.publish", body, p)

    @post(
        "/runs/{run_id:str}/card/unpublish",
        operation_id="unpublishCard",
        status_code=200,
        summary="Withdraw a run's Result Card: public endpoints answer 410 with a tombstone",
    )
    async def unpublish(self, request: Request[Any, Any, Any], run_id: str) -> Response[bytes]:
        p = await authorized(request, scope="cards:publish")
        given = orjson.loads(await json_text(request))
        reason = given.get("reason") if isinstance(given, dict) else None
        body = orjson.dumps({"run_id": run_id, "reason": reason if isinstance(reason, str) else None})
        return await _command(request, "cards.unpublish", body, p)

    @get("/cards/{slug:str}", operation_id="getCard", summary="Public Result Card metadata (no auth)")
    async def card(self, request: Request[Any, Any, Any], slug: str) -> Response[bytes]:
        if _wants_html(request.headers.get("accept")):
            return _response(await _call(request, "cards.page", _query(request, slug)))
        return _response(await _call(request, "cards.get", _query(request, slug)))

    @get(
        "/cards/{slug:str}/citation",
        operation_id="getCardCitation",
        summary="Citation as BibTeX, CSL-JSON, RIS or CITATION.cff (?format= or Accept)",
    )
    async def citation(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        format: str | None = Parameter(default=None, description="bibtex | csl | ris | cff"),
    ) -> Response[bytes]:
        q = _query(request, slug, format=format, accept=request.headers.get("accept"))
        return _response(await _call(request, "cards.citation", q))

    @get(
        "/cards/{slug:str}/embed",
        operation_id="getCardEmbed",
        summary="Embed: an HTML snippet (iframe of the card page), or oEmbed JSON with ?format=json",
    )
    async def embed(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        format: str | None = None,
        maxwidth: int | None = None,
        maxheight: int | None = None,
    ) -> Response[bytes]:
        q = _query(request, slug, format=format, maxwidth=maxwidth, maxheight=maxheight)
        return _response(await _call(request, "cards.embed", q))

    @get(
        "/cards/{slug:str}/provenance",
        operation_id="getCardProvenance",
        summary="The published run's full provenance document (qlprov/run/1.0), public",
    )
    async def provenance(self, request: Request[Any, Any, Any], slug: str) -> Response[bytes]:
        return _response(await _call(request, "cards.provenance", _query(request, slug)))

    @post(
        "/cards/{slug:str}/reproductions",
        operation_id="submitReproduction",
        status_code=201,
        summary='Submit an independent reproduction: a run bundle, or {"run_id": ...} of one of your runs',
    )
    async def reproduce(self, request: Request[Any, Any, Any], slug: str) -> Response[bytes]:
        p = await authorized(request, scope="runs:write")
        raw = await json_text(request)
        try:
            bundle = msgspec.json.decode(raw, type=_Submission).schema is not None
        except (msgspec.ValidationError, msgspec.DecodeError):
            bundle = False  # the card service answers 422 naming the problem
        if bundle:
            await require_quota(request, p, "runs_per_month")  # a bundle becomes a run of the submitter
        body = b'{"slug":' + orjson.dumps(slug) + b',"submission":' + raw + b"}"
        return await _command(request, "cards.reproduce", body, p, REPRODUCTION_TIMEOUT)


class CardPagesController(Controller):
    """Pages for people: the card (``?embed=1``: the compact page the embed iframe shows)."""

    path = "/cards"
    tags = ["cards"]
    include_in_schema = False

    @get("/{slug:str}", operation_id="cardPage", media_type="text/html", opt={"frameable": "embed"})
    async def page(self, request: Request[Any, Any, Any], slug: str, embed: bool = False) -> Response[bytes]:
        return _response(await _call(request, "cards.page", _query(request, slug, embed=embed)))
