"""Composition root of the leaderboard service."""

from qlcore.service import LegacySpec

from services.leaderboard.handlers import register
from services.leaderboard.projection import ObservationsProjection

__all__ = ["spec"]


def spec() -> LegacySpec:
    return LegacySpec(name="leaderboard", projection=ObservationsProjection, register=register)
