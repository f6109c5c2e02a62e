"""Composition root of the ingest service."""

from qlcore.service import ServiceSpec

from services.ingest.handlers import register
from services.ingest.store import ClaimsProjection

__all__ = ["spec"]


def spec() -> ServiceSpec:
    return ServiceSpec(name="ingest", projection=ClaimsProjection, register=register, pool_size=16)
