"""Composition root of the card service."""

from qlcore.service import ServiceSpec

from services.card.changes import broadcast_changes
from services.card.handlers import register
from services.card.projection import CardProjection

__all__ = ["spec"]


def spec() -> ServiceSpec:
    return ServiceSpec(name="card", projection=CardProjection, register=register, tasks=[broadcast_changes])
