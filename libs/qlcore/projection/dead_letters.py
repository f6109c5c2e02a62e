"""Dead letters: events a projection could not apply after its retries.

An event that still fails after ``max_attempts`` is recorded in the service's ``_dead_letters``
table (with its sequence, type, event id and the error), the checkpoint moves past it in the
same transaction, the raw event is published on ``{namespace}.dlq.{service}`` and an alert is
logged. ``/health`` reports the count as degraded. The operator reads and handles them through
the ``ops.dead_letters.*`` operations (``ql ops dead-letters``).
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from nats.aio.msg import Msg
from psycopg_pool import AsyncConnectionPool

from qlcore.bus import HDR_TYPE, Bus

__all__ = ["DeadLetter", "DeadLetters"]

log = structlog.get_logger("qlcore.projection")

HDR_EVENT_ID = "Ql-Event-Id"


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    event_type: str
    event_id: str | None
    error: str
    attempts: int
    dead_at: str


class DeadLetters:
    """The dead letters of one service's read model."""

    def __init__(self, bus: Bus, pool: AsyncConnectionPool, service: str) -> None:
        self.bus, self.pool, self.service = bus, pool, service

    @property
    def subject(self) -> str:
        return f"{self.bus.settings.namespace}.dlq.{self.service}"

    async def record(self, m: Msg, exc: BaseException, attempts: int) -> None:
        """Dead-letter ``m`` and move the checkpoint past it (one transaction), then announce it."""
        seq = m.metadata.sequence.stream
        h = m.headers or {}
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO _dead_letters (seq, event_type, event_id, error, attempts) VALUES (%s,%s,%s,%s,%s)"
                " ON CONFLICT (seq) DO NOTHING",
                (seq, h.get(HDR_TYPE, "?"), h.get(HDR_EVENT_ID), repr(exc)[:2000], attempts),
            )
            await conn.execute("UPDATE _checkpoint SET seq = GREATEST(seq, %s) WHERE id = 1", (seq,))
        await self.bus.nc.publish(
            self.subject, m.data, headers={**h, "Ql-Error": repr(exc)[:500], "Ql-Stream-Seq": str(seq)}
        )
        log.error(
            "projection.dead_letter",
            alert=True,
            service=self.service,
            seq=seq,
            event_type=h.get(HDR_TYPE),
            event_id=h.get(HDR_EVENT_ID),
            error=repr(exc),
            attempts=attempts,
        )

    async def count(self) -> int:
        async with self.pool.connection() as conn:
            row = await (await conn.execute("SELECT count(*) FROM _dead_letters")).fetchone()
        return int(row[0]) if row else 0

    async def list(self, limit: int = 100) -> list[DeadLetter]:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "SELECT seq, event_type, event_id, error, attempts, dead_at FROM _dead_letters"
                    " ORDER BY seq LIMIT %s",
                    (limit,),
                )
            ).fetchall()
        return [DeadLetter(r[0], r[1], r[2], r[3], r[4], r[5].isoformat()) for r in rows]
