"""What the shared mechanisms give every service: its settings, bus, pools and projection runner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool
from ulid import ULID

from qlcore.bus import Bus
from qlcore.config import Settings
from qlcore.errors import Unavailable
from qlcore.projection import ProjectionRunner

__all__ = ["Runtime"]


@dataclass
class Runtime:
    """The shared part of a service's dependencies, built by :func:`qlcore.service.run_service`.

    A service's own dependencies (its typed ``Deps`` dataclass, built once by its ``bootstrap``)
    hold one of these as ``rt``.
    """

    name: str
    settings: Settings
    bus: Bus
    pool: AsyncConnectionPool
    runner: ProjectionRunner | None
    stop: asyncio.Event
    instance_id: str = field(default_factory=lambda: str(ULID()))
    autocommit_pool: AsyncConnectionPool | None = None
    status_figures: Callable[[], Awaitable[dict[str, Any]]] | None = None  # the spec's ``status``, bound

    @property
    def statements(self) -> AsyncConnectionPool:
        """Connections in autocommit mode, for hot single-statement reads and writes (one round trip,
        not three; ``qlcore.db.make_pool``). Several statements that must commit together use
        :attr:`pool`, whose connections commit when handed back."""
        return self.autocommit_pool or self.pool

    async def applied(self, seq: int, timeout: float = 10.0) -> None:
        """Read-your-writes: return once this service's read model includes log sequence ``seq``.

        On the projection leader the runner's in-memory position is awaited (woken on each
        commit); a standby instance watches the stored checkpoint. A bounded wait either way: a
        stalled projection is a 503 :class:`Unavailable`, never a hang.
        """
        runner = self.runner
        if runner is None or seq <= 0:
            return
        try:
            if runner.leader:
                await runner.wait_for(seq, timeout)
                return
            async with asyncio.timeout(timeout):
                delay = 0.005
                while await runner.stored_position() < seq:
                    await asyncio.sleep(delay)
                    delay = min(0.1, delay * 2)
        except TimeoutError as exc:
            raise Unavailable(
                f"the {self.name} read model has not reached position {seq} yet; retry", retry_after=5
            ) from exc

    async def caught_up(self, timeout: float = 10.0) -> None:
        """Return once the read model includes everything in the log now."""
        await self.applied(await self.bus.last_event_seq(), timeout)
