"""Typed errors of the card domain; the service maps each to one HTTP status."""

from __future__ import annotations

__all__ = [
    "CardDomainError",
    "InvalidCardInput",
    "InvalidOrcid",
    "NotAcceptable",
    "ProgramMismatch",
    "SelfReproduction",
    "UnknownBadgeType",
    "UnsupportedFormat",
]


class CardDomainError(Exception):
    """Base of every error raised by :mod:`services.card.domain`."""


class InvalidCardInput(CardDomainError, ValueError):
    """A publish request or a value in it is invalid (HTTP 422)."""


class InvalidOrcid(InvalidCardInput):
    """Not an ORCID iD, or its ISO 7064 mod 11-2 check character is wrong."""


class UnsupportedFormat(CardDomainError, ValueError):
    """``?format=`` names no citation format we produce (HTTP 422)."""


class NotAcceptable(CardDomainError):
    """Nothing in the ``Accept`` header is a format we produce (HTTP 406)."""


class UnknownBadgeType(CardDomainError, ValueError):
    """The badge type in the path is not one we draw (HTTP 404)."""


class ProgramMismatch(CardDomainError):
    """A submitted reproduction runs a different program than the card's run (HTTP 422)."""


class SelfReproduction(CardDomainError):
    """The submitted run is the card's own run (same ``run_hash``) (HTTP 422)."""
