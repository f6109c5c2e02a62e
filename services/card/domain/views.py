"""The public JSON of a card (``GET /api/v1/cards/{slug}``): metadata, run, reproductions, links."""

from __future__ import annotations

import msgspec

from services.card.domain.licenses import license_url
from services.card.domain.links import CardLinks
from services.card.domain.model import Author, Card, ReproductionSummary

__all__ = ["CardView", "RunView", "card_view"]


class RunView(msgspec.Struct, frozen=True):
    run_id: str
    run_hash: str
    hash_verified: bool
    backend: str
    backend_provider: str
    backend_name: str
    num_qubits: int
    shots: int
    calibration_taken_at: str
    program_name: str
    created_at: str


class CardView(msgspec.Struct, frozen=True):
    slug: str
    concept_id: str
    version_id: str
    version: int
    title: str
    authors: tuple[Author, ...]
    abstract: str | None
    license: str
    license_url: str
    keywords: tuple[str, ...]
    published_at: str
    first_published_at: str
    run: RunView
    reproductions: ReproductionSummary
    links: CardLinks


def card_view(card: Card, links: CardLinks, reproductions: ReproductionSummary) -> CardView:
    """The card as the public API shows it (a withdrawn card shows its tombstone instead)."""
    if card.withdrawn:
        raise ValueError("a withdrawn card is shown as its tombstone")
    run = card.run
    return CardView(
        slug=card.slug,
        concept_id=card.concept_id,
        version_id=card.version_id,
        version=card.version,
        title=card.title,
        authors=card.authors,
        abstract=card.abstract,
        license=card.license,
        license_url=license_url(card.license),
        keywords=card.keywords,
        published_at=card.published_at,
        first_published_at=card.first_published_at,
        run=RunView(
            run_id=run.run_id,
            run_hash=run.run_hash,
            hash_verified=run.hash_verified,
            backend=run.backend,
            backend_provider=run.backend_provider,
            backend_name=run.backend_name,
            num_qubits=run.num_qubits,
            shots=run.shots,
            calibration_taken_at=run.calibration_taken_at,
            program_name=run.program_name,
            created_at=run.created_at,
        ),
        reproductions=reproductions,
        links=links,
    )
