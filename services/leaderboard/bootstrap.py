"""Composition root of the leaderboard service."""

from qlcore.service import ServiceSpec

from services.leaderboard.handlers import register
from services.leaderboard.projection import ObservationsProjection

__all__ = ["spec"]


def spec() -> ServiceSpec:
    return ServiceSpec(name="leaderboard", projection=ObservationsProjection, register=register)
