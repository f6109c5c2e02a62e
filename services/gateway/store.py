"""The gateway's tables and queries: the identity read model's DDL (applied by
:mod:`services.gateway.projection`), the reads of it, and the PostgreSQL-backed login throttle.

Commands read through these functions to validate, then append events; they never write the
read model. The throttle table is the one exception to "derived from the log": it is
operational state, outside the projection's tables, so a replay neither rebuilds nor wipes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from services.gateway.domain.ratelimit import FailureRecord, next_record

__all__ = [
    "DDL",
    "TABLES",
    "THROTTLE_DDL",
    "AccountRow",
    "OrgRow",
    "PgThrottleStore",
    "TicketRow",
    "WorkspaceRow",
    "account_by_email",
    "account_profile",
    "active_key_count",
    "dev_workspace",
    "ensure_throttle_table",
    "invitation",
    "invitation_by_hash",
    "invitations",
    "key_credential",
    "key_owner",
    "list_keys",
    "member_count",
    "member_role",
    "members",
    "membership",
    "org_by_id_or_slug",
    "owner_count",
    "pending_invitation_count",
    "session_credential",
    "slug_taken",
    "ticket_by_hash",
    "used_this_month",
    "workspace_count",
    "workspace_in_org",
]

DDL = """
CREATE TABLE IF NOT EXISTS orgs (
    org_id text PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    plan text NOT NULL,
    created_at timestamptz NOT NULL
);
ALTER TABLE orgs ADD COLUMN IF NOT EXISTS created_by text;
CREATE TABLE IF NOT EXISTS workspaces (
    workspace_id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES orgs (org_id),
    name text NOT NULL,
    slug text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (org_id, slug)
);
ALTER TABLE workspaces ADD COLUMN IF NOT EXISTS is_default boolean NOT NULL DEFAULT false;
CREATE TABLE IF NOT EXISTS api_keys (
    key_id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES orgs (org_id),
    workspace_id text NOT NULL REFERENCES workspaces (workspace_id),
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    scopes text[] NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL,
    created_by text,
    revoked_at timestamptz,
    revoked_reason text
);
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS account_id text;
CREATE INDEX IF NOT EXISTS api_keys_org ON api_keys (org_id, created_at);
CREATE TABLE IF NOT EXISTS accounts (
    account_id text PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    email_verified_at timestamptz,
    password_changed_at timestamptz
);
CREATE TABLE IF NOT EXISTS members (
    org_id text NOT NULL REFERENCES orgs (org_id),
    account_id text NOT NULL REFERENCES accounts (account_id),
    role text NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, account_id)
);
CREATE INDEX IF NOT EXISTS members_account ON members (account_id, added_at);
CREATE TABLE IF NOT EXISTS sessions (
    session_id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (account_id),
    org_id text NOT NULL REFERENCES orgs (org_id),
    workspace_id text NOT NULL REFERENCES workspaces (workspace_id),
    token_hash text NOT NULL UNIQUE,
    started_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    client_ip text,
    user_agent text,
    ended_at timestamptz,
    end_reason text
);
CREATE TABLE IF NOT EXISTS verification_tickets (
    token_hash text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (account_id),
    email text NOT NULL,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    superseded_at timestamptz
);
CREATE TABLE IF NOT EXISTS plan_changes (
    event_id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES orgs (org_id),
    plan text NOT NULL,
    previous_plan text NOT NULL,
    reason text,
    actor text NOT NULL,
    changed_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS monthly_usage (
    org_id text NOT NULL,
    month date NOT NULL,
    metric text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (org_id, month, metric)
);
CREATE TABLE IF NOT EXISTS invitations (
    invitation_id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES orgs (org_id),
    email text NOT NULL,
    role text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    invited_by text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by text,
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS invitations_org ON invitations (org_id, created_at);
-- when each API key was last used (to the minute); written by the gateway as keys authenticate,
-- not by events: a rebuild of the read model keeps it (not in TABLES)
CREATE TABLE IF NOT EXISTS api_key_use (
    key_id text PRIMARY KEY,
    last_used_at timestamptz NOT NULL
);
"""

TABLES: tuple[tuple[str, str], ...] = (
    ("orgs", "org_id"),
    ("workspaces", "workspace_id"),
    ("api_keys", "key_id"),
    ("accounts", "account_id"),
    ("members", "org_id, account_id"),
    ("sessions", "session_id"),
    ("verification_tickets", "token_hash"),
    ("plan_changes", "event_id"),
    ("monthly_usage", "org_id, month, metric"),
    ("invitations", "invitation_id"),
)


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


_KEY_CREDENTIAL = """
SELECT k.key_id, k.scopes, k.account_id, k.expires_at, k.revoked_at, m.role,
       o.org_id, o.slug, o.name, o.plan, w.workspace_id, w.slug, w.name
FROM api_keys k
JOIN workspaces w ON w.workspace_id = k.workspace_id
JOIN orgs o ON o.org_id = k.org_id
LEFT JOIN members m ON m.org_id = k.org_id AND m.account_id = k.account_id
WHERE k.key_hash = %s
"""

_SESSION_CREDENTIAL = """
SELECT s.session_id, s.account_id, s.expires_at, s.ended_at, m.role,
       o.org_id, o.slug, o.name, o.plan, w.workspace_id, w.slug, w.name
FROM sessions s
JOIN workspaces w ON w.workspace_id = s.workspace_id
JOIN orgs o ON o.org_id = s.org_id
LEFT JOIN members m ON m.org_id = s.org_id AND m.account_id = s.account_id
WHERE s.token_hash = %s
"""


async def key_credential(conn: AsyncConnection, token_hash: str) -> tuple[Any, ...] | None:
    """An API key by its hash, with its member's role, org and workspace (``principal.resolve``)."""
    return await (await conn.execute(_KEY_CREDENTIAL, (token_hash,))).fetchone()


async def session_credential(conn: AsyncConnection, token_hash: str) -> tuple[Any, ...] | None:
    """A session by its token's hash, with its member's role, org and workspace."""
    return await (await conn.execute(_SESSION_CREDENTIAL, (token_hash,))).fetchone()


async def workspace_count(conn: AsyncConnection, org_id: str) -> int:
    row = await (await conn.execute("SELECT count(*) FROM workspaces WHERE org_id = %s", (org_id,))).fetchone()
    return int(row[0]) if row else 0


async def member_count(conn: AsyncConnection, org_id: str) -> int:
    row = await (await conn.execute("SELECT count(*) FROM members WHERE org_id = %s", (org_id,))).fetchone()
    return int(row[0]) if row else 0


async def members(conn: AsyncConnection, org_id: str) -> list[tuple[Any, ...]]:
    """``(account_id, name, email, role, added_at)`` of every member of the org, oldest first."""
    return await (
        await conn.execute(
            "SELECT m.account_id, a.name, a.email, m.role, m.added_at FROM members m"
            " JOIN accounts a ON a.account_id = m.account_id WHERE m.org_id = %s ORDER BY m.added_at, a.email",
            (org_id,),
        )
    ).fetchall()


async def member_role(conn: AsyncConnection, org_id: str, account_id: str) -> str | None:
    row = await (
        await conn.execute("SELECT role FROM members WHERE org_id = %s AND account_id = %s", (org_id, account_id))
    ).fetchone()
    return str(row[0]) if row else None


async def owner_count(conn: AsyncConnection, org_id: str) -> int:
    row = await (
        await conn.execute("SELECT count(*) FROM members WHERE org_id = %s AND role = 'owner'", (org_id,))
    ).fetchone()
    return int(row[0]) if row else 0


_INVITATION_COLUMNS = (
    "invitation_id, org_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at,"
    " CASE WHEN accepted_at IS NOT NULL THEN 'accepted' WHEN revoked_at IS NOT NULL THEN 'revoked'"
    " WHEN expires_at <= now() THEN 'expired' ELSE 'pending' END"
)


async def invitations(conn: AsyncConnection, org_id: str, pending_only: bool = True) -> list[tuple[Any, ...]]:
    """The org's invitations (:data:`_INVITATION_COLUMNS`), newest first."""
    sql = f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE org_id = %s"
    if pending_only:
        sql += " AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()"
    return await (await conn.execute(sql + " ORDER BY created_at DESC, invitation_id DESC", (org_id,))).fetchall()


async def invitation(conn: AsyncConnection, org_id: str, invitation_id: str) -> tuple[Any, ...] | None:
    """One invitation of the org (another org's is None, like a missing one)."""
    sql = f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE org_id = %s AND invitation_id = %s"
    return await (await conn.execute(sql, (org_id, invitation_id))).fetchone()


async def invitation_by_hash(conn: AsyncConnection, token_hash: str) -> tuple[Any, ...] | None:
    """An invitation by its token's hash, with its org's slug and name appended."""
    sql = f"SELECT {_INVITATION_COLUMNS}, (SELECT slug FROM orgs o WHERE o.org_id = i.org_id),"
    sql += " (SELECT name FROM orgs o WHERE o.org_id = i.org_id) FROM invitations i WHERE token_hash = %s"
    return await (await conn.execute(sql, (token_hash,))).fetchone()


async def pending_invitation_count(conn: AsyncConnection, org_id: str) -> int:
    row = await (
        await conn.execute(
            "SELECT count(*) FROM invitations WHERE org_id = %s AND accepted_at IS NULL AND revoked_at IS NULL"
            " AND expires_at > now()",
            (org_id,),
        )
    ).fetchone()
    return int(row[0]) if row else 0


async def account_profile(conn: AsyncConnection, account_id: str) -> tuple[str, str, bool] | None:
    """``(email, name, verified)`` of an account."""
    row = await (
        await conn.execute(
            "SELECT email, name, email_verified_at IS NOT NULL FROM accounts WHERE account_id = %s", (account_id,)
        )
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


async def dev_workspace(conn: AsyncConnection, slug: str) -> tuple[str, str] | None:
    """``(org_id, workspace_id)`` of the org ``slug``'s default workspace (the dev key's)."""
    row = await (
        await conn.execute(
            "SELECT o.org_id, w.workspace_id FROM orgs o JOIN workspaces w ON w.org_id = o.org_id"
            " WHERE o.slug = %s ORDER BY w.is_default DESC, w.created_at LIMIT 1",
            (slug,),
        )
    ).fetchone()
    return (row[0], row[1]) if row else None


_KEY_COLUMNS = (
    "k.key_id, k.name, k.prefix, k.scopes, k.workspace_id, w.slug, k.created_at, k.created_by, k.account_id,"
    " k.expires_at, k.revoked_at, CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'"
    " WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired' ELSE 'active' END, u.last_used_at"
)


async def list_keys(conn: AsyncConnection, org_id: str, account_id: str | None, every: bool) -> list[tuple[Any, ...]]:
    """The org's keys (``every=False``: the account's own), newest first: the :data:`_KEY_COLUMNS`."""
    sql = f"SELECT {_KEY_COLUMNS} FROM api_keys k JOIN workspaces w ON w.workspace_id = k.workspace_id"
    sql += " LEFT JOIN api_key_use u ON u.key_id = k.key_id WHERE k.org_id = %s"
    args: list[Any] = [org_id]
    if not every:
        sql += " AND k.account_id = %s"
        args.append(account_id)
    return await (await conn.execute(sql + " ORDER BY k.created_at DESC, k.key_id DESC", args)).fetchall()


async def note_key_use(conn: AsyncConnection, key_id: str) -> None:
    """That ``key_id`` authenticated a request now (``api_key_use``; not a read model table)."""
    await conn.execute(
        "INSERT INTO api_key_use (key_id, last_used_at) VALUES (%s, now())"
        " ON CONFLICT (key_id) DO UPDATE SET last_used_at = excluded.last_used_at",
        (key_id,),
    )


async def key_owner(conn: AsyncConnection, org_id: str, key_id: str) -> tuple[str | None, datetime | None] | None:
    """``(account_id, revoked_at)`` of a key of the org."""
    row = await (
        await conn.execute(
            "SELECT account_id, revoked_at FROM api_keys WHERE key_id = %s AND org_id = %s", (key_id, org_id)
        )
    ).fetchone()
    return (row[0], row[1]) if row else None


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
    """:class:`~services.gateway.domain.ratelimit.ThrottleStore` on a gateway table, shared by
    every gateway instance. ``record_failure`` is one upsert that applies
    :func:`~services.gateway.domain.ratelimit.next_record` in SQL, so concurrent failures on
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

    async def clear_prefix(self, prefix: str) -> int:
        async with self.pool.connection() as conn:
            cur = await conn.execute("DELETE FROM login_throttle WHERE left(key, %s) = %s", (len(prefix), prefix))
            return cur.rowcount
