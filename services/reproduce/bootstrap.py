"""Composition root of the reproduce service: its dependencies, built once at start (the work
queue ensured, the completion listener started), its read model, operations and tasks (the
worker and the re-enqueue sweep); settings of its own from ``QL_REPRODUCE_*``."""

from __future__ import annotations

from dataclasses import dataclass

from qlcore.service import Runtime, ServiceSpec

from services.reproduce.adapters.completions import Completions
from services.reproduce.adapters.jobs import JobQueue
from services.reproduce.config import ReproduceConfig, load_config
from services.reproduce.handlers import OPERATIONS
from services.reproduce.projection import ReproduceProjection
from services.reproduce.requeue import requeue_lost_jobs
from services.reproduce.worker import work

__all__ = ["Deps", "build", "close", "spec"]


@dataclass(frozen=True)
class Deps:
    rt: Runtime
    config: ReproduceConfig
    queue: JobQueue  # the work queue (JetStream, apart from the run log)
    completions: Completions  # wakes a waiting request when its job ends, whichever process ran it


async def build(rt: Runtime) -> Deps:
    config = load_config()
    queue = JobQueue(rt.bus, config)
    await queue.ensure()
    completions = Completions(rt.bus.nc, rt.settings)
    await completions.start()
    return Deps(rt, config, queue, completions)


async def close(deps: Deps) -> None:
    await deps.completions.stop()


def spec() -> ServiceSpec[Deps]:
    return ServiceSpec(
        name="reproduce",
        build=build,
        projection=ReproduceProjection,
        operations=OPERATIONS,
        tasks=(work, requeue_lost_jobs),
        close=close,
    )
