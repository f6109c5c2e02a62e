"""One projection leader per service: a PostgreSQL session-level advisory lock.

The instance that holds ``pg_try_advisory_lock(hashtext(schema))`` on a connection of its own
applies the run log; the others stand by and serve queries. The lock lives as long as that
connection, so a leader that dies (or loses its connection) lets a standby take over. The
leader re-checks the connection every ``recheck`` seconds and gives leadership up when it is
gone. Two instances that briefly both believe they lead cannot corrupt the read model: each
batch locks the checkpoint row (``SELECT ... FOR UPDATE``) and skips what is already applied.

Errors (PostgreSQL down) propagate to the runner, which treats them as an outage: it stalls and
tries again; a standby instance never dies of one.
"""

from __future__ import annotations

import time

import psycopg
import structlog

__all__ = ["Leadership"]

log = structlog.get_logger("qlcore.projection")


class Leadership:
    def __init__(self, database_url: str, key: str, *, recheck: float = 5.0) -> None:
        self.database_url, self.key, self.recheck = database_url, key, recheck
        self._conn: psycopg.AsyncConnection | None = None
        self._checked = 0.0

    @property
    def held(self) -> bool:
        return self._conn is not None

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; ``True`` when this instance leads now."""
        if self._conn is not None:
            return True
        conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True, connect_timeout=5)
        try:
            row = await (await conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,))).fetchone()
        except BaseException:
            await conn.close()
            raise
        if row and row[0]:
            self._conn, self._checked = conn, time.monotonic()
            return True
        await conn.close()
        return False

    async def still_held(self) -> bool:
        """Whether the lock's connection is alive (checked at most every ``recheck`` seconds)."""
        if self._conn is None:
            return False
        if time.monotonic() - self._checked < self.recheck:
            return True
        try:
            await self._conn.execute("SELECT 1")
        except psycopg.Error as exc:
            log.warning("projection.leadership_lost", key=self.key, error=repr(exc))
            await self.release()
            return False
        self._checked = time.monotonic()
        return True

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            try:
                await conn.close()
            except psycopg.Error as exc:  # closing a broken connection: the lock went with it
                log.warning("projection.leadership_release_failed", key=self.key, error=repr(exc))
