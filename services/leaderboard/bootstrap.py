"""Composition root of the leaderboard service: its dependencies, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from qlcore.service import Runtime, ServiceSpec

from services.leaderboard.config import LeaderboardConfig, load_config
from services.leaderboard.handlers import OPERATIONS
from services.leaderboard.projection import ObservationsProjection
from services.leaderboard.reply_cache import ReplyCache

__all__ = ["Deps", "build", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: LeaderboardConfig
    cache: ReplyCache  # replies per read-model position; one per process, shared by the query handlers


async def build(rt: Runtime) -> Deps:
    config = load_config()
    return Deps(rt, config, ReplyCache(config.reply_cache_entries))


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(name="leaderboard", build=build, projection=ObservationsProjection, operations=OPERATIONS)
