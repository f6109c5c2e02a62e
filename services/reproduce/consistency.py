"""Read-your-writes: wait until the reproduce read model has applied a log position.

On the projection leader the runner's in-memory position is awaited; a standby instance
(which serves requests and runs jobs but does not project) watches the stored checkpoint.
Either way a bounded wait: a stalled projection is a 503, not a hang.
"""

from __future__ import annotations

import asyncio

from qlcore.errors import Unavailable
from qlcore.service import ServiceContext

__all__ = ["applied", "caught_up"]

TIMEOUT = 10.0


async def applied(ctx: ServiceContext, seq: int, timeout: float = TIMEOUT) -> None:
    runner = ctx.runner
    if runner is None:
        raise RuntimeError("the reproduce service runs with its projection")
    try:
        if runner.leader:
            await runner.wait_for(seq, timeout)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.005
        while await runner.stored_position() < seq:
            if loop.time() > deadline:
                raise TimeoutError
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
    except TimeoutError as exc:
        raise Unavailable(f"the reproduce read model has not reached position {seq} yet; retry") from exc


async def caught_up(ctx: ServiceContext, timeout: float = TIMEOUT) -> None:
    """Return once the read model includes everything in the log now."""
    await applied(ctx, await ctx.bus.last_seq(), timeout)
