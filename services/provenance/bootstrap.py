"""Composition root of the provenance service."""

from qlcore.service import ServiceSpec

from services.provenance.handlers import register
from services.provenance.projection import RunsProjection

__all__ = ["spec"]


def spec() -> ServiceSpec:
    return ServiceSpec(name="provenance", projection=RunsProjection, register=register)
