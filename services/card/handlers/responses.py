"""The card service's problems beyond ``qlcore.errors`` and its cacheable replies.

Public card resources are cached by browsers and CDNs: every one carries a strong ETag
(BLAKE3 of the body) and answers ``304 Not Modified`` to a matching ``If-None-Match``, which
the gateway passes on in the request body (``if_none_match``).
"""

from __future__ import annotations

from qlcore.errors import BadRequest, NotAcceptable, QLError
from qlcore.http_cache import if_none_match, strong_etag
from qlcore.rpc import RpcReply

from services.card.domain.model import Tombstone

__all__ = [
    "CARD_CACHE_CONTROL",
    "BadRequest",
    "Gone",
    "NotAcceptable",
    "NotImplementedProblem",
    "cacheable",
    "gone",
]

CARD_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
"""Card JSON, pages and citations: short, because a new version or a withdrawal must show soon."""


class Gone(QLError):
    status, slug, title = 410, "card-withdrawn", "Result Card withdrawn"


class NotImplementedProblem(QLError):
    status, slug, title = 501, "not-implemented", "Not implemented"


def gone(tombstone: Tombstone) -> Gone:
    """410 with the tombstone as the problem's extension members: slug, concept id, time. Never data."""
    return Gone(
        tombstone.message,
        slug=tombstone.slug,
        concept_id=tombstone.concept_id,
        withdrawn_at=tombstone.withdrawn_at,
        state=tombstone.status,
    )


def cacheable(
    body: bytes,
    content_type: str,
    if_none_match_header: str | None,
    *,
    cache_control: str = CARD_CACHE_CONTROL,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> RpcReply:
    """``body`` with a strong ETag, or an empty 304 when the client already holds it."""
    etag = strong_etag(body)
    out = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
    if status == 200 and if_none_match(if_none_match_header, etag):
        return RpcReply(304, b"", content_type, out)
    return RpcReply(status, body, content_type, out)
