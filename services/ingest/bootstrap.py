"""Composition root of the ingest service."""

from qlcore.service import LegacySpec

from services.ingest.handlers import register
from services.ingest.store import ClaimsProjection

__all__ = ["spec"]


def spec() -> LegacySpec:
    return LegacySpec(name="ingest", projection=ClaimsProjection, register=register, pool_size=16)
