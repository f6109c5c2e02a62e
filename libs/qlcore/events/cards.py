"""Result Card events (card service). Authors and other nested values are plain JSON objects so
the log stays readable by any consumer; the card service validates them with its own types."""

from __future__ import annotations

from typing import Any

from qlcore.events.envelope import Event

__all__ = ["CARD_EVENTS", "CardPublished", "CardUnpublished", "ReproductionSubmitted"]


class CardPublished(Event, frozen=True, tag="card.published"):
    """A run became a public card, or a new version of one (Zenodo model: concept + version ids)."""

    concept_id: str
    version_id: str
    card_version: int  # 1, 2, ...
    slug: str
    run_id: str
    run_hash: str
    title: str
    authors: list[dict[str, Any]]
    license: str
    abstract: str | None = None
    keywords: list[str] = []
    published_at: str = ""


class CardUnpublished(Event, frozen=True, tag="card.unpublished"):
    """Withdrawn: public endpoints answer 410 with a tombstone from now on."""

    concept_id: str
    slug: str
    reason: str | None = None


class ReproductionSubmitted(Event, frozen=True, tag="card.reproduction_submitted"):
    """An independent reproduction (from any workspace; ``workspace_id`` is the submitter's) scored
    against the card's run."""

    reproduction_id: str
    concept_id: str
    slug: str
    run_id: str
    run_hash: str
    hellinger_fidelity: float
    noise_floor: float
    verdict: str
    program_hash: str = ""
    card_run_id: str = ""
    """The card's own run (the one reproduced); ``run_id`` is the submitted run."""
    backend_provider: str = ""
    backend_name: str = ""
    shots: int = 0
    kind: str = ""
    """``independent`` (submitted by another workspace, or run on hardware) or ``simulated`` (the
    card's own workspace, on a simulator); empty in events written before it existed (the card's
    projection derives it then)."""


CARD_EVENTS: tuple[type[Event], ...] = (CardPublished, CardUnpublished, ReproductionSubmitted)
