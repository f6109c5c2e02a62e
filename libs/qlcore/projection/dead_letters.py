"""Dead letters: events a projection could not apply after its retries.

An event that still fails after ``max_attempts`` is recorded in the service's ``_dead_letters``
table (with its sequence, type, event id and the error), the checkpoint moves past it in the
same transaction, the raw event is published on ``{namespace}.dlq.{service}`` and an alert is
logged. ``/health`` reports the count as degraded; the service keeps serving.

The operator reads and handles them through the ``ops.dead_letters.*`` operations
(``ql ops dead-letters ls|show|retry|skip SERVICE``):

* **retry** applies the event now (after a fix), in one transaction that also drops the dead letter;
* **skip** appends an ``ops.dead_letter_skipped`` event (who, why) to the run log: the runner drops
  the dead letter when it applies that event, and a replay, which reads every such decision before
  it starts, skips the same event again without retrying it (the decision is part of the log).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import structlog
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError
from psycopg_pool import AsyncConnectionPool

from qlcore.bus import HDR_TYPE, Bus
from qlcore.events.ops import DeadLetterSkipped
from qlcore.events.registry import decode_event

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
            rows = await (await conn.execute(_SELECT + " ORDER BY seq LIMIT %s", (limit,))).fetchall()
        return [_row(r) for r in rows]

    async def get(self, seq: int) -> DeadLetter | None:
        async with self.pool.connection() as conn:
            row = await (await conn.execute(_SELECT + " WHERE seq = %s", (seq,))).fetchone()
        return None if row is None else _row(row)

    @staticmethod
    async def resolve(cur: psycopg.AsyncCursor, seq: int) -> None:
        """Drop the dead letter at ``seq`` (inside the caller's transaction)."""
        await cur.execute("DELETE FROM _dead_letters WHERE seq = %s", (seq,))

    async def skip_decisions(self) -> set[int]:
        """The sequences operators decided this service skips: every ``ops.dead_letter_skipped``
        event of the log for this service (gets by subject from the stream leader: there are few,
        and a lagging replica could miss the newest decision)."""
        s = self.bus.settings
        tag = str(DeadLetterSkipped.__struct_config__.tag)
        subject = f"{s.log_subject_prefix}.{tag}.{self.service}"  # DeadLetterSkipped.subject_suffix
        skipped: set[int] = set()
        seq = 1
        while True:
            try:
                msg = await self.bus.js.get_msg(s.stream, seq=seq, subject=subject, next=True)
            except NotFoundError:
                return skipped
            event = decode_event(msg.data or b"", tag)
            if isinstance(event, DeadLetterSkipped) and event.service == self.service:
                skipped.add(event.seq)
            seq = int(msg.seq or seq) + 1


_SELECT = "SELECT seq, event_type, event_id, error, attempts, dead_at FROM _dead_letters"


def _row(r: tuple[object, ...]) -> DeadLetter:
    dead_at = r[5]
    return DeadLetter(
        int(r[0]),  # type: ignore[call-overload]
        str(r[1]),
        None if r[2] is None else str(r[2]),
        str(r[3]),
        int(r[4]),  # type: ignore[call-overload]
        dead_at.isoformat() if hasattr(dead_at, "isoformat") else str(dead_at),
    )
