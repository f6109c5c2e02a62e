"""HTML for people: the card page, its embed snippet and the oEmbed answer."""

from __future__ import annotations

from services.card.domain.html.assets import content_security_policy
from services.card.domain.html.embed import EMBED_HEIGHT, EMBED_WIDTH, OEmbed, embed_snippet, oembed
from services.card.domain.html.page import render_card_page, render_tombstone_page

__all__ = [
    "EMBED_HEIGHT",
    "EMBED_WIDTH",
    "OEmbed",
    "content_security_policy",
    "embed_snippet",
    "oembed",
    "render_card_page",
    "render_tombstone_page",
]
