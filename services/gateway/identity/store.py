"""Reading the identity read model (tables of :mod:`services.gateway.projection`), and the
PostgreSQL-backed login throttle store.

Commands read through these functions to validate, then append events; they never write the
read model. The throttle table is the one exception to "derived from the log": it is
operational state, outside the projection's tables, so a replay neither rebuilds nor wipes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from services.gateway.identity.ratelimit import FailureRecord, next_record

__all__ = [
    "THROTTLE_DDL",
    "AccountRow",
    "OrgRow",
    "PgThrottleStore",
    "TicketRow",
    "WorkspaceRow",
    "account_by_email",
    "active_key_count",
    "ensure_throttle_table",
    "membership",
    "org_by_id_or_slug",
    "slug_taken",
    "ticket_by_hash",
    "used_this_month",
    "workspace_in_org",
]

THROTTLE_DDL = """
CREATE TABLE IF NOT EXISTS login_throttle (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure double precision NOT NULL
);
"""


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    email: str
    name: str
    password_hash: str
    verified: bool


@dataclass(frozen=True)
class OrgRow:
    org_id: str
    slug: str
    name: str
    plan: str


@dataclass(frozen=True)
class WorkspaceRow:
    workspace_id: str
    slug: str
    name: str


@dataclass(frozen=True)
class TicketRow:
    account_id: str
    email: str
    token_hash: str
    expires_at: datetime
    used_at: datetime | None
    superseded: bool


async def account_by_email(conn: AsyncConnection, email: str) -> AccountRow | None:
    row = await (
        await conn.execute(
            "SELECT account_id, email, name, password_hash, email_verified_at IS NOT NULL FROM accounts"
            " WHERE email = %s",
            (email,),
        )
    ).fetchone()
    return AccountRow(*row) if row else None


async def ticket_by_hash(conn: AsyncConnection, token_hash: str) -> TicketRow | None:
    row = await (
        await conn.execute(
            "SELECT account_id, email, token_hash, expires_at, used_at, superseded_at IS NOT NULL"
            " FROM verification_tickets WHERE token_hash = %s",
            (token_hash,),
        )
    ).fetchone()
    return TicketRow(*row) if row else None


async def membership(conn: AsyncConnection, account_id: str, org: str | None = None) -> tuple[OrgRow, str] | None:
    """The account's membership in ``org`` (id or slug), or its oldest one: ``(org, role)``."""
    sql = (
        "SELECT o.org_id, o.slug, o.name, o.plan, m.role FROM members m JOIN orgs o ON o.org_id = m.org_id"
        " WHERE m.account_id = %s"
    )
    args: tuple[str, ...] = (account_id,)
    if org:
        sql += " AND (o.org_id = %s OR o.slug = %s)"
        args = (account_id, org, org)
    row = await (await conn.execute(sql + " ORDER BY m.added_at, o.org_id LIMIT 1", args)).fetchone()
    return (OrgRow(*row[:4]), row[4]) if row else None


async def org_by_id_or_slug(conn: AsyncConnection, org: str) -> OrgRow | None:
    row = await (
        await conn.execute("SELECT org_id, slug, name, plan FROM orgs WHERE org_id = %s OR slug = %s", (org, org))
    ).fetchone()
    return OrgRow(*row) if row else None


async def slug_taken(conn: AsyncConnection, slug: str) -> bool:
    return await (await conn.execute("SELECT 1 FROM orgs WHERE slug = %s", (slug,))).fetchone() is not None


async def workspace_in_org(conn: AsyncConnection, org_id: str, workspace: str | None) -> WorkspaceRow | None:
    """A workspace of ``org_id`` by id or slug; the org's default workspace when ``workspace`` is None.

    Constrained to the org, so another org's workspace is indistinguishable from a missing one.
    """
    if workspace is None:
        sql = "SELECT workspace_id, slug, name FROM workspaces WHERE org_id = %s ORDER BY is_default DESC, created_at"
        args: tuple[str, ...] = (org_id,)
    else:
        sql = "SELECT workspace_id, slug, name FROM workspaces WHERE org_id = %s AND (workspace_id = %s OR slug = %s)"
        args = (org_id, workspace, workspace)
    row = await (await conn.execute(sql + " LIMIT 1", args)).fetchone()
    return WorkspaceRow(*row) if row else None


async def active_key_count(conn: AsyncConnection, org_id: str) -> int:
    row = await (
        await conn.execute(
            "SELECT count(*) FROM api_keys WHERE org_id = %s AND revoked_at IS NULL"
            " AND (expires_at IS NULL OR expires_at > now())",
            (org_id,),
        )
    ).fetchone()
    return int(row[0]) if row else 0


async def used_this_month(conn: AsyncConnection, org_id: str, metric: str) -> int:
    """How much of a monthly limit (``runs_per_month``...) the org used in the current calendar
    month (UTC), as far as the read model has applied the log."""
    row = await (
        await conn.execute(
            "SELECT n FROM monthly_usage WHERE org_id = %s AND metric = %s"
            " AND month = date_trunc('month', now() AT TIME ZONE 'UTC')",
            (org_id, metric),
        )
    ).fetchone()
    return int(row[0]) if row else 0


async def ensure_throttle_table(pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn, conn.transaction():
        # two gateways starting at once (`ql dev run --cluster`) would race in the catalog
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('ql-gateway-throttle-ddl'))")
        await conn.execute(THROTTLE_DDL)


class PgThrottleStore:
    """:class:`~services.gateway.identity.ratelimit.ThrottleStore` on a gateway table, shared by
    every gateway instance. ``record_failure`` is one upsert that applies
    :func:`~services.gateway.identity.ratelimit.next_record` in SQL, so concurrent failures on
    one key are each counted (the row lock serializes them)."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def get(self, key: str) -> FailureRecord | None:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute("SELECT failures, last_failure FROM login_throttle WHERE key = %s", (key,))
            ).fetchone()
        return FailureRecord(int(row[0]), float(row[1])) if row else None

    async def record_failure(self, key: str, now: float, window: float) -> FailureRecord:
        first = next_record(None, now, window)
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "INSERT INTO login_throttle AS t (key, failures, last_failure) VALUES (%s, %s, %s)"
                    " ON CONFLICT (key) DO UPDATE SET"
                    " failures = CASE WHEN %s - t.last_failure >= %s THEN 1 ELSE t.failures + 1 END,"
                    " last_failure = EXCLUDED.last_failure"
                    " RETURNING failures, last_failure",
                    (key, first.failures, now, now, window),
                )
            ).fetchone()
        assert row is not None
        return FailureRecord(int(row[0]), float(row[1]))

    async def clear(self, key: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute("DELETE FROM login_throttle WHERE key = %s", (key,))
