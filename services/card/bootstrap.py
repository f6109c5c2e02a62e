"""Composition root of the card service: its dependencies, built once at start."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from qlcore.service import Runtime, ServiceSpec

from services.card.adapters.changes import ChangeFeed, broadcast_changes
from services.card.config import CardConfig, load_config
from services.card.handlers import OPERATIONS
from services.card.projection import CardProjection

__all__ = ["Deps", "build", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: CardConfig
    base_url: str  # of every public link of a card
    changes: ChangeFeed | None  # the projection's notes of changed cards (None without a projection)
    lifecycle_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # publish/unpublish, in process


async def build(rt: Runtime) -> Deps:
    projection = rt.runner.p if rt.runner is not None else None
    changes = projection.changes if isinstance(projection, CardProjection) else None
    return Deps(rt, load_config(), rt.settings.base_url(), changes)


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(
        name="card", build=build, projection=CardProjection, operations=OPERATIONS, tasks=(broadcast_changes,)
    )
