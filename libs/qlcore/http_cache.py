"""HTTP caching helpers for what CDNs cache: strong ETags and ``If-None-Match``.

A strong ETag is a hash of the exact response body, so two servers (or a replayed read model)
give the same tag for the same bytes and a CDN can revalidate against any of them.
"""

from __future__ import annotations

import re

import blake3

__all__ = ["BADGE_CACHE_CONTROL", "if_none_match", "strong_etag"]

_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"|\*')

BADGE_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"
"""Badges: fresh for 5 minutes, then served stale for up to a day while revalidating."""


def strong_etag(body: bytes) -> str:
    """``"<128-bit BLAKE3 of the body, hex>"`` (quoted, as the header carries it)."""
    return '"' + blake3.blake3(body).hexdigest(length=16) + '"'


def if_none_match(header: str | None, etag: str) -> bool:
    """Does ``If-None-Match`` match ``etag``, so the answer is 304 (RFC 9110 §13.1.2)?

    The comparison is weak, as the RFC requires for ``If-None-Match``: ``W/"x"`` matches ``"x"``.
    ``*`` matches any current representation.
    """
    if header is None:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in _ENTITY_TAG.findall(header))
