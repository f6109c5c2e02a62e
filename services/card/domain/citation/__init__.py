"""Citations of a card: BibTeX, CSL-JSON, RIS and CITATION.cff, and negotiating among them."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from services.card.domain.citation.bibtex import escape_latex, to_bibtex
from services.card.domain.citation.cff import to_cff
from services.card.domain.citation.csl import to_csl_json
from services.card.domain.citation.formats import FORMATS, CitationFormat, FormatName, negotiate_format
from services.card.domain.citation.ris import to_ris
from services.card.domain.links import CardLinks
from services.card.domain.model import Card

__all__ = [
    "FORMATS",
    "CitationFormat",
    "FormatName",
    "RenderedCitation",
    "escape_latex",
    "negotiate_format",
    "render_citation",
    "to_bibtex",
    "to_cff",
    "to_csl_json",
    "to_ris",
]

_RENDERERS: dict[str, Callable[[Card, CardLinks], str]] = {
    "bibtex": to_bibtex,
    "csl": to_csl_json,
    "ris": to_ris,
    "cff": to_cff,
}


class RenderedCitation(msgspec.Struct, frozen=True):
    body: bytes
    content_type: str
    filename: str


def render_citation(card: Card, links: CardLinks, fmt: CitationFormat | FormatName) -> RenderedCitation:
    """The citation of ``card`` in ``fmt`` as response bytes with their content type."""
    chosen = FORMATS[fmt] if isinstance(fmt, str) else fmt
    text = _RENDERERS[chosen.name](card, links)
    return RenderedCitation(body=text.encode("utf-8"), content_type=chosen.content_type, filename=chosen.filename)
