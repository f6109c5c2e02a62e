"""CSL-JSON: an array of one ``dataset`` item, as citeproc processors and Zotero read it."""

from __future__ import annotations

from typing import Any

import msgspec

from services.card.domain.citation.common import PUBLISHER, cite_key, note, published_date
from services.card.domain.links import CardLinks
from services.card.domain.model import Card
from services.card.domain.names import split_name

__all__ = ["csl_item", "to_csl_json"]


def _author(name: str) -> dict[str, str]:
    parts = split_name(name)
    if parts.literal:
        return {"literal": parts.literal}
    author = {"family": parts.family, "given": parts.given}
    if parts.particle:
        author["non-dropping-particle"] = parts.particle
    return {key: value for key, value in author.items() if value}


def csl_item(card: Card, links: CardLinks) -> dict[str, Any]:
    """The CSL item of ``card`` (CSL-JSON schema 1.0.2 field names)."""
    issued = published_date(card)
    item: dict[str, Any] = {
        "id": cite_key(card),
        "type": "dataset",
        "title": card.title,
        "author": [_author(author.name) for author in card.authors],
        "issued": {"date-parts": [[issued.year, issued.month, issued.day]]},
        "publisher": PUBLISHER,
        "version": str(card.version),
        "URL": links.html,
        "genre": "Result Card",
        "note": note(card),
    }
    if card.abstract:
        item["abstract"] = card.abstract
    if card.keywords:
        item["keyword"] = ", ".join(card.keywords)
    return item


def to_csl_json(card: Card, links: CardLinks) -> str:
    """CSL-JSON text (UTF-8, non-ASCII unescaped), ending in a newline."""
    encoded = msgspec.json.encode([csl_item(card, links)])
    return msgspec.json.format(encoded, indent=2).decode("utf-8") + "\n"
