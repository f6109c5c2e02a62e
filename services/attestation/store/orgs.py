"""Orgs and workspaces (what the trust center is addressed by) and an org's public cards."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import AsyncConnection

__all__ = [
    "OrgRow",
    "insert_org",
    "insert_workspace",
    "org_by_slug",
    "public_card_count",
    "public_cards_of",
    "workspace_ids_of",
]


@dataclass(frozen=True)
class OrgRow:
    org_id: str
    slug: str
    name: str


async def insert_org(cur: psycopg.AsyncCursor, org_id: str, slug: str, name: str, created_at: str) -> None:
    await cur.execute(
        "INSERT INTO orgs (org_id, slug, name, created_at) VALUES (%s,%s,%s,%s) ON CONFLICT (org_id) DO NOTHING",
        (org_id, slug, name, created_at),
    )


async def insert_workspace(cur: psycopg.AsyncCursor, workspace_id: str, org_id: str, slug: str, name: str) -> None:
    await cur.execute(
        "INSERT INTO workspaces (workspace_id, org_id, slug, name) VALUES (%s,%s,%s,%s)"
        " ON CONFLICT (workspace_id) DO NOTHING",
        (workspace_id, org_id, slug, name),
    )


async def org_by_slug(conn: AsyncConnection, slug: str) -> OrgRow | None:
    row = await (await conn.execute("SELECT org_id, slug, name FROM orgs WHERE slug = %s", (slug,))).fetchone()
    return OrgRow(*row) if row else None


async def workspace_ids_of(conn: AsyncConnection, org_id: str) -> list[tuple[str, str]]:
    """``(workspace_id, slug)`` of every workspace of the org."""
    rows = await (
        await conn.execute(
            "SELECT workspace_id, slug FROM workspaces WHERE org_id = %s ORDER BY slug, workspace_id", (org_id,)
        )
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


async def public_cards_of(
    conn: AsyncConnection, workspace_ids: list[str], *, limit: int, offset: int = 0
) -> list[tuple[str, str]]:
    """A page of ``(slug, title)`` of the published, not withdrawn cards of the given workspaces."""
    rows = await (
        await conn.execute(
            "SELECT slug, title FROM cards WHERE workspace_id = ANY(%s) AND NOT withdrawn ORDER BY slug"
            " LIMIT %s OFFSET %s",
            (workspace_ids, limit, offset),
        )
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


async def public_card_count(conn: AsyncConnection, workspace_ids: list[str]) -> int:
    row = await (
        await conn.execute(
            "SELECT count(*) FROM cards WHERE workspace_id = ANY(%s) AND NOT withdrawn", (workspace_ids,)
        )
    ).fetchone()
    return int(row[0]) if row else 0
