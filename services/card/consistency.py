"""Read-your-writes for commands: wait until the card read model has applied a log position.

On the projection leader the runner's in-memory position is awaited (woken on each commit);
a standby instance (which serves requests but does not project) watches the stored
checkpoint instead. Either way a bounded wait: a stalled projection is a 503, not a hang.
"""

from __future__ import annotations

from qlcore.service import ServiceContext

__all__ = ["applied", "caught_up"]

TIMEOUT = 10.0


async def applied(ctx: ServiceContext, seq: int, timeout: float = TIMEOUT) -> None:
    """Return once the read model includes log sequence ``seq`` (see ``ServiceContext.applied``)."""
    await ctx.applied(seq, timeout)


async def caught_up(ctx: ServiceContext, timeout: float = TIMEOUT) -> None:
    """Return once the read model includes everything in the log now."""
    await ctx.caught_up(timeout)
