"""Signed checkpoints and the witnesses' cosignatures: the log's signed state, kept across replays.

A checkpoint row is the note as the log signed it (origin, size, root, the log's signature
line); cosignatures are kept beside it, one line per witness key, and appended to the note when
it is served, so what a reader gets is one signed note with every signature collected for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool
from qlprov.tlog.note import Signature

__all__ = ["StoredCheckpoint", "at_size", "first_covering", "insert", "latest", "latest_size", "witness_sizes"]


@dataclass(frozen=True)
class StoredCheckpoint:
    origin: str
    size: int
    root: bytes
    note: bytes  # the log-signed note
    cosignatures: tuple[str, ...] = ()  # signature lines, each ending in a newline

    @property
    def served(self) -> bytes:
        """The note with every cosignature line appended (one valid signed note)."""
        return self.note + "".join(self.cosignatures).encode()


_SELECT = (
    "SELECT c.size, c.root, c.note, coalesce(array_agg(s.line ORDER BY s.witness, s.key_id)"
    " FILTER (WHERE s.line IS NOT NULL), '{}') FROM checkpoints c LEFT JOIN cosignatures s"
    " ON s.origin = c.origin AND s.size = c.size WHERE c.origin = %s"
)


async def _one(pool: AsyncConnectionPool, origin: str, where: str, args: Sequence[object]) -> StoredCheckpoint | None:
    async with pool.connection() as conn:
        row = await (
            await conn.execute(f"{_SELECT} {where} GROUP BY c.size, c.root, c.note", (origin, *args))
        ).fetchone()
    if row is None:
        return None
    return StoredCheckpoint(origin, int(row[0]), bytes(row[1]), bytes(row[2]), tuple(row[3]))


async def latest(pool: AsyncConnectionPool, origin: str) -> StoredCheckpoint | None:
    return await _one(pool, origin, "AND c.size = (SELECT max(size) FROM checkpoints WHERE origin = %s)", (origin,))


async def latest_size(pool: AsyncConnectionPool, origin: str) -> int | None:
    """The size of the latest checkpoint (one index lookup: what most queries check against)."""
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT max(size) FROM checkpoints WHERE origin = %s", (origin,))).fetchone()
    return None if row is None or row[0] is None else int(row[0])


async def at_size(pool: AsyncConnectionPool, origin: str, size: int) -> StoredCheckpoint | None:
    return await _one(pool, origin, "AND c.size = %s", (size,))


async def first_covering(pool: AsyncConnectionPool, origin: str, index: int) -> StoredCheckpoint | None:
    """The first checkpoint whose tree holds leaf ``index``: a bundle against it never changes."""
    where = "AND c.size = (SELECT min(size) FROM checkpoints WHERE origin = %s AND size > %s)"
    return await _one(pool, origin, where, (origin, index))


async def insert(
    pool: AsyncConnectionPool, cp: StoredCheckpoint, cosignatures: Sequence[Signature]
) -> StoredCheckpoint:
    """Record a signed checkpoint and its cosignatures; returns what is stored for that size.

    A size signed before (by another instance, or before a replay) keeps its first note: the
    caller compares roots, since the same size must never have two.
    """
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO checkpoints (origin, size, root, note) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (cp.origin, cp.size, cp.root, cp.note),
        )
        row = await (
            await conn.execute("SELECT root FROM checkpoints WHERE origin = %s AND size = %s", (cp.origin, cp.size))
        ).fetchone()
        if row is not None and bytes(row[0]) == cp.root:
            for s in cosignatures:
                await conn.execute(
                    "INSERT INTO cosignatures (origin, size, witness, key_id, signed_at, line)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (cp.origin, cp.size, s.name, s.key_id, int.from_bytes(s.sig[:8], "big"), s.line()),
                )
    stored = await at_size(pool, cp.origin, cp.size)
    if stored is None:  # pragma: no cover - inserted above in the same connection's committed transaction
        raise RuntimeError(f"checkpoint {cp.size} vanished")
    return stored


async def witness_sizes(pool: AsyncConnectionPool, origin: str) -> dict[str, int]:
    """For each witness, the size of the largest checkpoint it cosigned (where the log's state of it starts)."""
    async with pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT witness, max(size) FROM cosignatures WHERE origin = %s GROUP BY witness", (origin,)
            )
        ).fetchall()
    return {r[0]: int(r[1]) for r in rows}
