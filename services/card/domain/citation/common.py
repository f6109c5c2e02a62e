"""What every citation format says the same way: key, date, publisher, note."""

from __future__ import annotations

from datetime import date, datetime

from services.card.domain.model import Card

__all__ = ["PUBLISHER", "cite_key", "note", "published_date"]

PUBLISHER = "QuantumLedger"


def cite_key(card: Card) -> str:
    """``ql-<slug>-v<version>``: unique per version, ASCII, valid in BibTeX and RIS."""
    return f"ql-{card.slug}-v{card.version}"


def published_date(card: Card) -> date:
    """The UTC date this version was published (what a citation calls "issued")."""
    return datetime.fromisoformat(card.published_at.replace("Z", "+00:00").replace("z", "+00:00")).date()


def note(card: Card) -> str:
    """One line naming what a reader needs to find the exact run again."""
    return (
        f"Result Card version {card.version}; run on {card.run.backend} "
        f"({card.run.shots} shots); run_hash (BLAKE3) {card.run.run_hash}; license {card.license}"
    )
