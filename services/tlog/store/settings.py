"""What the projection needs to decide which events make leaves: opt-ins and card owners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

__all__ = ["OptIn", "card_owner", "opt_in_of", "opted_in", "set_card_owner", "set_opt_in"]


@dataclass(frozen=True)
class OptIn:
    """A workspace's setting as stored: committed or not, and since when (an event's time)."""

    opted_in: bool
    changed_at: str | None


async def opted_in(cur: psycopg.AsyncCursor[Any]) -> set[str]:
    """Every workspace whose runs are committed now (a small table: read once per batch)."""
    rows = await (await cur.execute("SELECT workspace_id FROM opt_ins WHERE opted_in")).fetchall()
    return {r[0] for r in rows}


async def set_opt_in(cur: psycopg.AsyncCursor[Any], workspace_id: str, value: bool, at: str, seq: int) -> None:
    await cur.execute(
        "INSERT INTO opt_ins (workspace_id, opted_in, changed_at, seq) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (workspace_id) DO UPDATE SET opted_in = excluded.opted_in, changed_at = excluded.changed_at,"
        " seq = excluded.seq",
        (workspace_id, value, at, seq),
    )


async def opt_in_of(pool: AsyncConnectionPool, workspace_id: str) -> OptIn:
    async with pool.connection() as conn:
        row = await (
            await conn.execute("SELECT opted_in, changed_at FROM opt_ins WHERE workspace_id = %s", (workspace_id,))
        ).fetchone()
    return OptIn(False, None) if row is None else OptIn(bool(row[0]), row[1])


async def card_owner(cur: psycopg.AsyncCursor[Any], concept_id: str) -> str | None:
    row = await (
        await cur.execute("SELECT workspace_id FROM card_owners WHERE concept_id = %s", (concept_id,))
    ).fetchone()
    return None if row is None else str(row[0])


async def set_card_owner(cur: psycopg.AsyncCursor[Any], concept_id: str, workspace_id: str) -> None:
    """A card's workspace, from its first version (a card never changes workspace)."""
    await cur.execute(
        "INSERT INTO card_owners (concept_id, workspace_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (concept_id, workspace_id),
    )
