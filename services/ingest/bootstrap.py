"""Composition root of the ingest service: its dependencies, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from qlcore.service import Runtime, ServiceSpec

from services.ingest.claimer import Claimer
from services.ingest.config import IngestConfig, load_config
from services.ingest.handlers import OPERATIONS
from services.ingest.projection import ClaimsProjection

__all__ = ["Deps", "build", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: IngestConfig
    claimer: Claimer  # claims batched into one statement (group commit), on the autocommit pool


async def build(rt: Runtime) -> Deps:
    return Deps(rt, load_config(), Claimer(rt.statements))


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(name="ingest", build=build, projection=ClaimsProjection, operations=OPERATIONS, pool_size=16)
