"""CITATION.cff (``cff-version: 1.2.0``), the YAML that GitHub and Zenodo read.

Unsplittable names (see :mod:`services.card.domain.names`) go in ``family-names`` alone,
which the schema allows and every CFF tool prints whole.
"""

from __future__ import annotations

from typing import Any

import yaml

from services.card.domain.citation.common import published_date
from services.card.domain.links import CardLinks
from services.card.domain.model import Card
from services.card.domain.names import split_name
from services.card.domain.orcid import orcid_url

__all__ = ["cff_document", "to_cff"]

MESSAGE = "If you use this result, please cite it using the metadata from this file."


def _author(name: str, orcid: str | None, affiliation: str | None) -> dict[str, str]:
    parts = split_name(name)
    person: dict[str, str] = {}
    if parts.literal:
        person["family-names"] = parts.literal
    else:
        person["family-names"] = parts.family
        if parts.given:
            person["given-names"] = parts.given
        if parts.particle:
            person["name-particle"] = parts.particle
    if affiliation:
        person["affiliation"] = affiliation
    if orcid:
        person["orcid"] = orcid_url(orcid)
    return person


def cff_document(card: Card, links: CardLinks) -> dict[str, Any]:
    """The CITATION.cff mapping of ``card`` (key order as written)."""
    document: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": MESSAGE,
        "type": "dataset",
        "title": card.title,
        "authors": [_author(a.name, a.orcid, a.affiliation) for a in card.authors],
        "version": str(card.version),
        "date-released": published_date(card).isoformat(),
        "license": card.license,
        "url": links.html,
        "identifiers": [
            {"type": "url", "value": links.html, "description": "The Result Card"},
            {"type": "url", "value": links.provenance, "description": "The provenance document (qlprov/run/1.0)"},
            {
                "type": "other",
                "value": f"blake3:{card.run.run_hash}",
                "description": "run_hash: BLAKE3 of the RFC 8785 canonical provenance document",
            },
        ],
    }
    if card.abstract:
        document["abstract"] = card.abstract
    if card.keywords:
        document["keywords"] = list(card.keywords)
    return document


def to_cff(card: Card, links: CardLinks) -> str:
    """CITATION.cff text, UTF-8 (non-ASCII written as is)."""
    return yaml.safe_dump(cff_document(card, links), allow_unicode=True, sort_keys=False, width=1_000_000)
