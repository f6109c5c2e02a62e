"""Embedding a card elsewhere: the iframe snippet and the oEmbed answer (oembed.com, type rich)."""

from __future__ import annotations

from html import escape
from typing import Literal

import msgspec

from services.card.domain.links import CardLinks
from services.card.domain.model import Card

__all__ = ["EMBED_HEIGHT", "EMBED_WIDTH", "OEmbed", "embed_snippet", "oembed"]

EMBED_WIDTH = 560
EMBED_HEIGHT = 360
_MIN_WIDTH = 240
_MIN_HEIGHT = 160


class OEmbed(msgspec.Struct, frozen=True, omit_defaults=True):
    """An oEmbed 1.0 ``rich`` response (``author_name`` is left out when there is none)."""

    type: Literal["rich"]
    version: Literal["1.0"]
    html: str
    width: int
    height: int
    title: str
    provider_name: str
    provider_url: str
    cache_age: int
    author_name: str | None = None


def embed_snippet(card: Card, links: CardLinks, width: int = EMBED_WIDTH, height: int = EMBED_HEIGHT) -> str:
    """The ``<iframe>`` that shows the card's compact page.

    Sandboxed without ``allow-same-origin``: the card cannot touch the host page, and its
    links open in a new tab.
    """
    title = f"{card.title} - QuantumLedger Result Card"
    return (
        f'<iframe src="{escape(links.embed_page)}" width="{int(width)}" height="{int(height)}" '
        f'title="{escape(title)}" loading="lazy" style="border:0;max-width:100%" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="strict-origin-when-cross-origin">'
        "</iframe>"
    )


def _fit(default: int, maximum: int | None, minimum: int) -> int:
    if maximum is None:
        return default
    return max(min(default, maximum), minimum)


def oembed(card: Card, links: CardLinks, *, maxwidth: int | None = None, maxheight: int | None = None) -> OEmbed:
    """The oEmbed answer, sized within ``maxwidth``/``maxheight`` as the consumer asked."""
    width = _fit(EMBED_WIDTH, maxwidth, _MIN_WIDTH)
    height = _fit(EMBED_HEIGHT, maxheight, _MIN_HEIGHT)
    return OEmbed(
        type="rich",
        version="1.0",
        cache_age=3600,
        html=embed_snippet(card, links, width, height),
        width=width,
        height=height,
        title=card.title,
        provider_name="QuantumLedger",
        provider_url=links.origin + "/",
        author_name=", ".join(author.name for author in card.authors) or None,
    )
