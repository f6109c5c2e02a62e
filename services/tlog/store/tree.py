"""The tree's rows: its size, its stored hashes (read by coordinates or by tile), appends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool
from qlprov.tlog.merkle import Coord, HashReader, MerkleError

from services.tlog.domain.frontier import StoredHash
from services.tlog.domain.reading import with_hashes

__all__ = [
    "Executor",
    "append_hashes",
    "generate",
    "locked_size",
    "read_hashes",
    "set_size",
    "tile_hashes",
    "tree_size",
]

T = TypeVar("T")

Executor = psycopg.AsyncConnection[Any] | psycopg.AsyncCursor[Any]
"""Either runs a statement: ``await (await x.execute(sql, args)).fetchall()`` works on both."""


async def locked_size(cur: psycopg.AsyncCursor[Any]) -> int:
    """The tree size, the row locked until the caller's transaction ends (the projection's append)."""
    row = await (await cur.execute("SELECT size FROM tree WHERE id = 1 FOR UPDATE")).fetchone()
    return int(row[0]) if row else 0


async def set_size(cur: psycopg.AsyncCursor[Any], size: int) -> None:
    await cur.execute("UPDATE tree SET size = %s WHERE id = 1", (size,))


async def tree_size(pool: AsyncConnectionPool) -> int:
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT size FROM tree WHERE id = 1")).fetchone()
    return int(row[0]) if row else 0


async def read_hashes(x: Executor, coords: Sequence[Coord]) -> list[bytes]:
    """The stored hashes at ``coords``, in order, in one statement (MerkleError if one is missing)."""
    if not coords:
        return []
    rows = await (
        await x.execute(
            "SELECT level, n, hash FROM hashes JOIN unnest(%s::smallint[], %s::bigint[]) AS want (level, n)"
            " USING (level, n)",
            ([c[0] for c in coords], [c[1] for c in coords]),
        )
    ).fetchall()
    found = {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}
    try:
        return [found[c] for c in coords]
    except KeyError as exc:
        raise MerkleError(f"no stored hash at {exc.args[0]}") from None


async def append_hashes(cur: psycopg.AsyncCursor[Any], hashes: Sequence[StoredHash]) -> None:
    """New stored hashes (COPY: a hash written twice is a unique violation, never ignored)."""
    if not hashes:
        return
    async with cur.copy("COPY hashes (level, n, hash) FROM STDIN") as copy:
        for row in hashes:
            await copy.write_row(row)


async def tile_hashes(pool: AsyncConnectionPool, level: int, first: int, count: int, origin: str) -> list[bytes]:
    """Up to ``count`` consecutive stored hashes at tree ``level`` from ``n = first`` (a tile's
    contents), only those under the latest checkpoint of ``origin``: one statement."""
    async with pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT hash FROM hashes WHERE level = %s AND n >= %s AND n < %s"
                " AND n < (SELECT max(size) FROM checkpoints WHERE origin = %s) >> %s::int ORDER BY n",
                (level, first, first + count, origin, level),
            )
        ).fetchall()
    return [bytes(r[0]) for r in rows]


async def generate(pool: AsyncConnectionPool, fn: Callable[[HashReader], T]) -> T:
    """Run a tree head or proof generation of ``qlprov.tlog.merkle`` over the stored hashes (one
    read; ``MerkleError`` when a hash it needs is not stored)."""

    async def fetch(coords: Sequence[Coord]) -> list[bytes]:
        async with pool.connection() as conn:
            return await read_hashes(conn, coords)

    return await with_hashes(fn, fetch)
