"""Composition root of the reproduce service: read model, request handlers, the work-queue
worker and the re-enqueue sweep; settings of its own from ``QL_REPRODUCE_*``."""

from __future__ import annotations

from qlcore.service import LegacySpec, ServiceContext

from services.reproduce.completions import Completions
from services.reproduce.config import load_config
from services.reproduce.handlers import register
from services.reproduce.jobs import JobQueue
from services.reproduce.projection import ReproduceProjection
from services.reproduce.requeue import requeue_lost_jobs
from services.reproduce.worker import work

__all__ = ["spec"]


async def _start(ctx: ServiceContext) -> None:
    config = load_config()
    queue = JobQueue(ctx.bus, config)
    await queue.ensure()
    completions = Completions(ctx.bus.nc, ctx.settings)
    await completions.start()
    ctx.state.update(config=config, queue=queue, completions=completions)


async def _stop(ctx: ServiceContext) -> None:
    completions = ctx.state.get("completions")
    if isinstance(completions, Completions):
        await completions.stop()


def spec() -> LegacySpec:
    return LegacySpec(
        name="reproduce",
        projection=ReproduceProjection,
        register=register,
        tasks=[work, requeue_lost_jobs],
        on_start=_start,
        on_stop=_stop,
    )
