"""The public JSON of a card (``GET /api/v1/cards/{slug}``): metadata, run, reproductions, links."""

from __future__ import annotations

import msgspec

from services.card.domain.licenses import license_url
from services.card.domain.links import CardLinks
from services.card.domain.model import Author, Card, Reproduction, ReproductionSummary

__all__ = ["CardView", "ReproductionView", "RunView", "card_view"]


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


class ReproductionView(msgspec.Struct, frozen=True):
    """One reproduction as the public sees it: its kind, who submitted it (the card's owner or
    another workspace, never which one), how (a submitted run or a drift simulation); no private
    run id."""

    reproduction_id: str
    run_hash: str
    backend: str
    shots: int
    hellinger_fidelity: float
    noise_floor: float
    verdict: str
    submitted_at: str
    kind: str
    submitted_by: str
    method: str


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
    reproduction_list: tuple[ReproductionView, ...] = ()
    """Every reproduction, newest first (what the card page lists)."""


def card_view(
    card: Card, links: CardLinks, reproductions: ReproductionSummary, items: tuple[Reproduction, ...] = ()
) -> CardView:
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
        reproduction_list=tuple(
            ReproductionView(
                reproduction_id=item.reproduction_id,
                run_hash=item.run_hash,
                backend=f"{item.backend_provider}/{item.backend_name}",
                shots=item.shots,
                hellinger_fidelity=item.hellinger_fidelity,
                noise_floor=item.noise_floor,
                verdict=item.verdict,
                submitted_at=item.submitted_at,
                kind=item.kind,
                submitted_by=item.submitted_by,
                method=item.method,
            )
            for item in sorted(items, key=lambda item: (item.submitted_at, item.reproduction_id), reverse=True)
        ),
    )
