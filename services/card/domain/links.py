"""Every public URL of a card, built in one place from the public base URL.

The paths are those of the API reference (``/api/v1/cards/{slug}``, ``/badge/{slug}/{type}.svg``
…); the human page is ``/cards/{slug}``. ``base_url`` is the public origin the gateway is
reached at (``https://quantumledger.example``), without a trailing slash.
"""

from __future__ import annotations

import re

import msgspec

from services.card.domain.badges.kinds import BADGE_TYPES
from services.card.domain.slugs import is_valid_slug

__all__ = ["BADGE_TYPES", "CITATION_FORMAT_NAMES", "BadgeLinks", "CardLinks", "card_links"]

CITATION_FORMAT_NAMES = ("bibtex", "csl", "ris", "cff")
_BASE = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~\-/]*)?$")


class BadgeLinks(msgspec.Struct, frozen=True):
    svg: str
    json: str


class CardLinks(msgspec.Struct, frozen=True):
    """The card's URLs as the card JSON publishes them."""

    origin: str

    html: str
    embed_page: str
    """The compact page the embed iframe shows."""
    api: str
    embed: str
    oembed: str
    provenance: str
    reproductions: str
    badges: dict[str, BadgeLinks]
    citations: dict[str, str]


def card_links(base_url: str, slug: str, run_id: str) -> CardLinks:
    """All URLs of the card ``slug`` of run ``run_id`` under ``base_url``."""
    base = base_url.rstrip("/")
    if not _BASE.match(base):
        raise ValueError(f"not a plain http(s) base URL: {base_url!r}")
    if not is_valid_slug(slug):
        raise ValueError(f"not a slug: {slug!r}")
    if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", run_id):
        raise ValueError(f"not a run id: {run_id!r}")
    api = f"{base}/api/v1/cards/{slug}"
    return CardLinks(
        origin=re.sub(r"^(https?://[^/]+).*$", r"\1", base),
        html=f"{base}/cards/{slug}",
        embed_page=f"{base}/cards/{slug}?embed=1",
        api=api,
        embed=f"{api}/embed",
        oembed=f"{api}/embed?format=json",
        provenance=f"{api}/provenance",
        reproductions=f"{api}/reproductions",
        badges={
            kind: BadgeLinks(svg=f"{base}/badge/{slug}/{kind}.svg", json=f"{base}/badge/{slug}/{kind}.json")
            for kind in BADGE_TYPES
        },
        citations={fmt: f"{api}/citation?format={fmt}" for fmt in CITATION_FORMAT_NAMES},
    )
