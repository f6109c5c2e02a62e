"""The log's entries: appended with the tree, read one by one, by range, or by what they are about."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

__all__ = ["FoundEntry", "append_entries", "entries_range", "entry_at", "find", "known_refs", "ref_entry"]


@dataclass(frozen=True)
class FoundEntry:
    index: int
    data: bytes


async def known_refs(cur: psycopg.AsyncCursor[Any], pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which ``(kind, ref)`` facts are logged already."""
    if not pairs:
        return set()
    rows = await (
        await cur.execute(
            "SELECT kind, ref FROM entries JOIN unnest(%s::text[], %s::text[]) AS want (kind, ref) USING (kind, ref)",
            ([p[0] for p in pairs], [p[1] for p in pairs]),
        )
    ).fetchall()
    return {(r[0], r[1]) for r in rows}


async def ref_entry(cur: psycopg.AsyncCursor[Any], kind: str, ref: str) -> bytes | None:
    """The entry bytes of a logged fact (the projection reads an issuance to log its revocation)."""
    row = await (await cur.execute("SELECT data FROM entries WHERE kind = %s AND ref = %s", (kind, ref))).fetchone()
    return None if row is None else bytes(row[0])


async def append_entries(cur: psycopg.AsyncCursor[Any], rows: Sequence[tuple[int, str, str, str, bytes, int]]) -> None:
    """``(idx, kind, subject, ref, data, seq)`` rows (COPY: an index written twice is an error)."""
    if not rows:
        return
    async with cur.copy("COPY entries (idx, kind, subject, ref, data, seq) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)


async def entry_at(pool: AsyncConnectionPool, index: int) -> bytes | None:
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT data FROM entries WHERE idx = %s", (index,))).fetchone()
    return None if row is None else bytes(row[0])


async def entries_range(pool: AsyncConnectionPool, first: int, count: int, origin: str) -> list[bytes]:
    """Up to ``count`` entries from index ``first``, only those under the latest checkpoint of ``origin``."""
    async with pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT data FROM entries WHERE idx >= %s AND idx < %s"
                " AND idx < (SELECT max(size) FROM checkpoints WHERE origin = %s) ORDER BY idx",
                (first, first + count, origin),
            )
        ).fetchall()
    return [bytes(r[0]) for r in rows]


async def find(pool: AsyncConnectionPool, kind: str, subject: str, ref: str | None = None) -> FoundEntry | None:
    """The latest entry of ``kind`` about ``subject`` (with ``ref``: that fact exactly)."""
    sql = "SELECT idx, data FROM entries WHERE kind = %s AND subject = %s"
    args: list[object] = [kind, subject]
    if ref is not None:
        sql += " AND ref = %s"
        args.append(ref)
    async with pool.connection() as conn:
        row = await (await conn.execute(sql + " ORDER BY idx DESC LIMIT 1", args)).fetchone()
    return None if row is None else FoundEntry(int(row[0]), bytes(row[1]))
