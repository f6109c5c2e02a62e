"""Composition root of the provenance service: its dependencies, built once at start, its read
model, its queries and the task that copies documents out of the log."""

from __future__ import annotations

from dataclasses import dataclass

from qlcore.service import Runtime, ServiceSpec

from services.provenance.config import ProvenanceConfig, load_config
from services.provenance.copier import copier_status, copy_documents
from services.provenance.handlers import OPERATIONS
from services.provenance.projection import RunsProjection

__all__ = ["Deps", "build", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: ProvenanceConfig


async def build(rt: Runtime) -> Deps:
    return Deps(rt, load_config())


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(
        name="provenance",
        build=build,
        projection=RunsProjection,
        operations=OPERATIONS,
        tasks=(copy_documents,),
        status=copier_status,
    )
