"""Composition root of the card service."""

from qlcore.service import LegacySpec

from services.card.changes import broadcast_changes
from services.card.handlers import register
from services.card.projection import CardProjection

__all__ = ["spec"]


def spec() -> LegacySpec:
    return LegacySpec(name="card", projection=CardProjection, register=register, tasks=[broadcast_changes])
