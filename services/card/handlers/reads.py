"""Public reads of a card over NATS (``cards.get``, ``.citation``, ``.embed``, ``.page``,
``.provenance``, ``.badge``): JSON, citation, embed, page, provenance document, badges.

No caller identity is needed: a published card is public. A withdrawn card answers 410 with
its tombstone everywhere except its badges, which stay 200 and say ``withdrawn`` in grey (a
badge is an image in someone's README; shields.io shows an error for a non-2xx endpoint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from qlcore import runlog
from qlcore.errors import NotFound, Unprocessable
from qlcore.http_cache import BADGE_CACHE_CONTROL
from qlcore.rpc import RpcReply, RpcRequest
from qlprov.hashing import with_hash

from services.card import store
from services.card.domain.attestations import AttestationSummary
from services.card.domain.badges import BadgeView, badge_for, not_found_badge, parse_badge_type
from services.card.domain.citation import FORMATS, CitationFormat, negotiate_format, render_citation
from services.card.domain.errors import NotAcceptable as NoFormat
from services.card.domain.errors import UnknownBadgeType, UnsupportedFormat
from services.card.domain.html import (
    content_security_policy,
    embed_snippet,
    oembed,
    render_card_page,
    render_tombstone_page,
)
from services.card.domain.lifecycle import summarize_reproductions
from services.card.domain.links import CardLinks, card_links
from services.card.domain.slugs import is_valid_slug
from services.card.domain.views import card_view
from services.card.handlers.responses import NotAcceptable, NotImplementedProblem, cacheable, gone
from services.card.store import CardRow

if TYPE_CHECKING:
    from services.card.bootstrap import Deps

__all__ = ["CardQuery", "badge", "citation", "embed", "get_card", "page", "provenance"]

HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"
NOT_FOUND_CACHE = "public, max-age=60"
_json = msgspec.json.Encoder()


class CardQuery(msgspec.Struct, forbid_unknown_fields=True):
    slug: str
    if_none_match: str | None = None
    format: str | None = None
    accept: str | None = None
    embed: bool = False
    maxwidth: int | None = None
    maxheight: int | None = None
    badge: str = ""


def _links(deps: Deps, row: CardRow) -> CardLinks:
    return card_links(deps.base_url, row.card.slug, row.card.run.run_id)


async def _lookup(deps: Deps, slug: str) -> CardRow:
    row = None
    if is_valid_slug(slug):
        async with deps.rt.pool.connection() as conn:
            row = await store.card_by_slug(conn, slug)
    if row is None:
        raise NotFound(f"no Result Card {slug!r}")
    return row


async def _published(deps: Deps, q: CardQuery) -> CardRow:
    """The card named by ``q.slug``: 404 when there is none, 410 when it was withdrawn."""
    row = await _lookup(deps, q.slug)
    if row.card.withdrawn:
        raise gone(row.card.tombstone())
    return row


async def get_card(deps: Deps, req: RpcRequest) -> RpcReply:
    q: CardQuery = req.json(CardQuery)
    row = await _published(deps, q)
    async with deps.rt.pool.connection() as conn:
        items = tuple(await store.reproductions(conn, row.card.run.run_id))
    view = card_view(row.card, _links(deps, row), summarize_reproductions(items), items)
    return cacheable(_json.encode(view), "application/json", q.if_none_match, headers={"Vary": "Accept"})


async def citation(deps: Deps, req: RpcRequest) -> RpcReply:
    q: CardQuery = req.json(CardQuery)
    try:
        fmt = negotiate_format(q.format, q.accept)
    except UnsupportedFormat as exc:
        raise Unprocessable(str(exc), parameter="format") from exc
    except NoFormat as exc:
        raise NotAcceptable(str(exc), available=[f.media_type for f in _formats()]) from exc
    row = await _published(deps, q)
    rendered = render_citation(row.card, _links(deps, row), fmt)
    headers = {"Content-Disposition": f'inline; filename="{rendered.filename}"', "Vary": "Accept"}
    return cacheable(rendered.body, rendered.content_type, q.if_none_match, headers=headers)


async def embed(deps: Deps, req: RpcRequest) -> RpcReply:
    q: CardQuery = req.json(CardQuery)
    fmt = (q.format or "html").lower()
    if fmt == "xml":
        raise NotImplementedProblem("oEmbed is offered as JSON only (format=json)")
    if fmt not in ("html", "json"):
        raise Unprocessable(f"unknown embed format {q.format!r}; use html or json", parameter="format")
    if any(v is not None and v < 1 for v in (q.maxwidth, q.maxheight)):
        raise Unprocessable("maxwidth and maxheight must be positive")
    row = await _published(deps, q)
    links = _links(deps, row)
    if fmt == "json":
        answer = oembed(row.card, links, maxwidth=q.maxwidth, maxheight=q.maxheight)
        return cacheable(_json.encode(answer), "application/json", q.if_none_match)
    return cacheable(embed_snippet(row.card, links).encode(), HTML, q.if_none_match)


async def page(deps: Deps, req: RpcRequest) -> RpcReply:
    q: CardQuery = req.json(CardQuery)
    row = await _lookup(deps, q.slug)
    if row.card.withdrawn:
        tombstone = render_tombstone_page(row.card.tombstone()).encode()
        # the same page shell (inline style and script) as a card: the same policy lets them run
        headers = {"Cache-Control": NOT_FOUND_CACHE, "Content-Security-Policy": content_security_policy()}
        return RpcReply(410, tombstone, HTML, headers)
    links = _links(deps, row)
    async with deps.rt.pool.connection() as conn:
        items = await store.reproductions(conn, row.card.run.run_id)
        attested = await store.attestations(conn, row.workspace_id)
        refs = await store.attestation_refs(conn, row.workspace_id)
    html = render_card_page(row.card, links, items, attestations=attested, attestation_refs=refs, embed=q.embed)
    headers = {"Content-Security-Policy": content_security_policy(links.origin), "Vary": "Accept"}
    return cacheable(html.encode(), HTML, q.if_none_match, headers=headers)


async def provenance(deps: Deps, req: RpcRequest) -> RpcReply:
    """The published run's full ``qlprov/run/1.0`` document; it re-hashes to its run_hash."""
    q: CardQuery = req.json(CardQuery)
    row = await _published(deps, q)
    async with deps.rt.pool.connection() as conn:
        found = await store.run_ref(conn, row.card.run.run_id)
    if found is None:  # the card's run is always in the read model; guard the type
        raise NotFound(f"no provenance document for {q.slug!r}")
    seq, run_hash = found
    document = await runlog.document_at(deps.rt.bus, seq, row.card.run.run_id)
    return cacheable(
        with_hash(document, run_hash), "application/json", q.if_none_match, cache_control="public, max-age=300"
    )


async def badge(deps: Deps, req: RpcRequest) -> RpcReply:
    q: CardQuery = req.json(CardQuery)
    name, _, ext = q.badge.rpartition(".")
    if ext not in ("svg", "json"):
        raise NotFound("a badge is /badge/{slug}/{type}.svg or .json")
    try:
        kind = parse_badge_type(name)
    except UnknownBadgeType:
        view = msgspec.structs.replace(not_found_badge(name), message="unknown badge type")
        return _badge_reply(view, ext, 404, q.if_none_match, NOT_FOUND_CACHE)
    row, items, attested = None, [], AttestationSummary()
    if is_valid_slug(q.slug):
        async with deps.rt.pool.connection() as conn:
            row = await store.card_by_slug(conn, q.slug)
            if row is not None and not row.card.withdrawn:
                items = await store.reproductions(conn, row.card.run.run_id)
                attested = await store.attestations(conn, row.workspace_id)
    if row is None:
        return _badge_reply(not_found_badge(kind), ext, 404, q.if_none_match, NOT_FOUND_CACHE)
    view = badge_for(kind, row.card, summarize_reproductions(items), attested)
    return _badge_reply(view, ext, 200, q.if_none_match, BADGE_CACHE_CONTROL)


def _formats() -> list[CitationFormat]:
    return list(FORMATS.values())


def _badge_reply(view: BadgeView, ext: str, status: int, inm: str | None, cache_control: str) -> RpcReply:
    body = view.svg() if ext == "svg" else view.endpoint_json()
    headers = {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
    if ext == "svg":
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return cacheable(
        body,
        SVG if ext == "svg" else "application/json",
        inm,
        cache_control=cache_control,
        status=status,
        headers=headers,
    )
