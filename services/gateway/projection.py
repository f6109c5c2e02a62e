"""The gateway's identity read model, projected from the run log.

Orgs, workspaces, accounts, memberships, API keys, sessions, email verification tickets, plan
changes, and the monthly counts that plan limits are checked against (``runs_per_month`` fed
by ``run.ingested``, ``reproductions_per_month`` by ``reproduction.requested``). Every value
comes from an event's fields, never from the clock, so a replay from sequence 1 rebuilds the
same rows and the same digest. Checks that depend on the time
(has this key or session expired?) compare the stored times with ``now()`` when read.

The tables are in :mod:`services.gateway.store`. Login throttling counters live beside them but
are not part of the read model: a replay must not re-lock anyone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import psycopg
from qlcore.events import Event, RunIngested
from qlcore.events.identity import (
    IDENTITY_EVENTS,
    SEALED_FIELDS,
    AccountRegistered,
    ApiKeyCreated,
    ApiKeyRevoked,
    EmailVerificationIssued,
    EmailVerified,
    InvitationAccepted,
    InvitationIssued,
    InvitationRevoked,
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    OrgCreated,
    OrgPlanChanged,
    PasswordChanged,
    SessionEnded,
    SessionStarted,
    WorkspaceCreated,
)
from qlcore.events.reproduce import ReproductionRequested
from qlcore.projection import apply_grouped

from services.gateway import store
from services.gateway.domain.sealing import SealKeys, open_event

__all__ = ["IdentityProjection", "month_of"]

HANDLED: tuple[type[Event], ...] = (*IDENTITY_EVENTS, RunIngested, ReproductionRequested)


def month_of(rfc3339: str) -> str:
    """The first day (UTC) of the month an event occurred in: the key of monthly usage."""
    return datetime.fromisoformat(rfc3339).strftime("%Y-%m-01")


class IdentityProjection:
    service: str = "gateway"
    ddl: str = store.DDL
    tables: Sequence[tuple[str, str]] = store.TABLES
    handles: frozenset[str] | None = frozenset(str(t.__struct_config__.tag) for t in HANDLED)

    def __init__(self, keys: SealKeys | None = None) -> None:
        self.keys = keys  # opens the sealed secrets; given at start (services.gateway.bootstrap.build)

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        if event.type in SEALED_FIELDS:
            if self.keys is None:
                raise RuntimeError("the identity projection has no sealing keys to open this event with")
            event = open_event(event, self.keys)
        match event:
            case OrgCreated() | WorkspaceCreated() | OrgPlanChanged() | MemberAdded():
                await _apply_org(cur, event)
            case MemberRoleChanged() | MemberRemoved():
                await _apply_member(cur, event)
            case InvitationIssued() | InvitationAccepted() | InvitationRevoked():
                await _apply_invitation(cur, event)
            case AccountRegistered() | EmailVerificationIssued() | EmailVerified() | PasswordChanged():
                await _apply_account(cur, event)
            case ApiKeyCreated() | ApiKeyRevoked() | SessionStarted() | SessionEnded():
                await _apply_credential(cur, event)
            case RunIngested():
                await _count(cur, [(event, seq)], "runs_per_month")
            case ReproductionRequested():
                await _count(cur, [(event, seq)], "reproductions_per_month")

    async def apply_batch(self, cur: psycopg.AsyncCursor, items: list[tuple[Event, int]]) -> None:
        await apply_grouped(cur, items, RunIngested, self._ingested, self.apply)

    async def _ingested(self, cur: psycopg.AsyncCursor, group: list[tuple[Event, int]]) -> None:
        await _count(cur, group, "runs_per_month")  # one statement per org and month


async def _count(cur: psycopg.AsyncCursor, items: list[tuple[Event, int]], metric: str) -> None:
    """One more of a monthly plan limit's unit per event, for the org of the event's workspace. Exactly
    once per event: the runner applies each event once, with the checkpoint, in one transaction."""
    n: Counter[tuple[str, str | None]] = Counter((month_of(e.occurred_at), e.workspace_id) for e, _ in items)
    await cur.executemany(
        "INSERT INTO monthly_usage (org_id, month, metric, n)"
        " SELECT org_id, %s, %s, %s FROM workspaces WHERE workspace_id = %s"
        " ON CONFLICT (org_id, month, metric) DO UPDATE SET n = monthly_usage.n + EXCLUDED.n",
        [(month, metric, k, ws) for (month, ws), k in n.items()],
    )


async def _apply_org(cur: psycopg.AsyncCursor, event: Event) -> None:
    match event:
        case OrgCreated():
            await cur.execute(
                "INSERT INTO orgs (org_id, slug, name, plan, created_at, created_by) VALUES (%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (org_id) DO NOTHING",
                (event.org_id, event.slug, event.name, event.plan, event.occurred_at, event.created_by),
            )
        case WorkspaceCreated():
            await cur.execute(
                "INSERT INTO workspaces (workspace_id, org_id, name, slug, created_at, is_default)"
                " VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT (workspace_id) DO NOTHING",
                (event.workspace_id, event.org_id, event.name, event.slug, event.occurred_at, event.is_default),
            )
        case OrgPlanChanged():
            await cur.execute("UPDATE orgs SET plan = %s WHERE org_id = %s", (event.plan, event.org_id))
            await cur.execute(
                "INSERT INTO plan_changes (event_id, org_id, plan, previous_plan, reason, actor, changed_at)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (event_id) DO NOTHING",
                (
                    event.event_id,
                    event.org_id,
                    event.plan,
                    event.previous_plan,
                    event.reason,
                    event.actor,
                    event.occurred_at,
                ),
            )
        case MemberAdded():
            await cur.execute(
                "INSERT INTO members (org_id, account_id, role, added_at) VALUES (%s,%s,%s,%s)"
                " ON CONFLICT (org_id, account_id) DO UPDATE SET role = EXCLUDED.role",
                (event.org_id, event.account_id, event.role, event.occurred_at),
            )


async def _apply_member(cur: psycopg.AsyncCursor, event: Event) -> None:
    match event:
        case MemberRoleChanged():
            await cur.execute(
                "UPDATE members SET role = %s WHERE org_id = %s AND account_id = %s",
                (event.role, event.org_id, event.account_id),
            )
        case MemberRemoved():
            await cur.execute(
                "DELETE FROM members WHERE org_id = %s AND account_id = %s", (event.org_id, event.account_id)
            )


async def _apply_invitation(cur: psycopg.AsyncCursor, event: Event) -> None:
    match event:
        case InvitationIssued():
            await cur.execute(  # a newer invitation of the address to the org supersedes the pending one
                "UPDATE invitations SET revoked_at = %s WHERE org_id = %s AND email = %s"
                " AND accepted_at IS NULL AND revoked_at IS NULL",
                (event.occurred_at, event.org_id, event.email),
            )
            await cur.execute(
                "INSERT INTO invitations (invitation_id, org_id, email, role, token_hash, invited_by, created_at,"
                " expires_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (invitation_id) DO NOTHING",
                (
                    event.invitation_id,
                    event.org_id,
                    event.email,
                    event.role,
                    event.token_hash,
                    event.invited_by,
                    event.occurred_at,
                    event.expires_at,
                ),
            )
        case InvitationAccepted():
            await cur.execute(
                "UPDATE invitations SET accepted_at = %s, accepted_by = %s WHERE invitation_id = %s"
                " AND accepted_at IS NULL",
                (event.occurred_at, event.account_id, event.invitation_id),
            )
        case InvitationRevoked():
            await cur.execute(
                "UPDATE invitations SET revoked_at = %s WHERE invitation_id = %s AND revoked_at IS NULL"
                " AND accepted_at IS NULL",
                (event.occurred_at, event.invitation_id),
            )


async def _apply_account(cur: psycopg.AsyncCursor, event: Event) -> None:
    match event:
        case AccountRegistered():
            await cur.execute(
                "INSERT INTO accounts (account_id, email, name, password_hash, created_at) VALUES (%s,%s,%s,%s,%s)"
                " ON CONFLICT (account_id) DO NOTHING",
                (event.account_id, event.email, event.name, event.password_hash, event.occurred_at),
            )
        case EmailVerificationIssued():
            await cur.execute(  # a newer link supersedes the unused older ones
                "UPDATE verification_tickets SET superseded_at = %s"
                " WHERE account_id = %s AND used_at IS NULL AND superseded_at IS NULL",
                (event.occurred_at, event.account_id),
            )
            await cur.execute(
                "INSERT INTO verification_tickets (token_hash, account_id, email, issued_at, expires_at)"
                " VALUES (%s,%s,%s,%s,%s) ON CONFLICT (token_hash) DO NOTHING",
                (event.token_hash, event.account_id, event.email, event.occurred_at, event.expires_at),
            )
        case EmailVerified():
            await cur.execute(
                "UPDATE verification_tickets SET used_at = %s WHERE token_hash = %s AND used_at IS NULL",
                (event.occurred_at, event.token_hash),
            )
            await cur.execute(
                "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, %s) WHERE account_id = %s",
                (event.occurred_at, event.account_id),
            )
        case PasswordChanged():
            await cur.execute(
                "UPDATE accounts SET password_hash = %s, password_changed_at = %s WHERE account_id = %s",
                (event.password_hash, event.occurred_at, event.account_id),
            )


async def _apply_credential(cur: psycopg.AsyncCursor, event: Event) -> None:
    match event:
        case ApiKeyCreated():
            await cur.execute(
                "INSERT INTO api_keys (key_id, org_id, workspace_id, name, prefix, key_hash, scopes,"
                " expires_at, created_at, created_by, account_id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (key_id) DO NOTHING",
                (
                    event.key_id,
                    event.org_id,
                    event.workspace_id,
                    event.name,
                    event.prefix,
                    event.key_hash,
                    event.scopes,
                    event.expires_at,
                    event.occurred_at,
                    event.created_by,
                    event.account_id,
                ),
            )
        case ApiKeyRevoked():
            await cur.execute(
                "UPDATE api_keys SET revoked_at = %s, revoked_reason = %s WHERE key_id = %s AND org_id = %s"
                " AND revoked_at IS NULL",
                (event.occurred_at, event.reason, event.key_id, event.org_id),
            )
        case SessionStarted():
            await cur.execute(
                "INSERT INTO sessions (session_id, account_id, org_id, workspace_id, token_hash, started_at,"
                " expires_at, client_ip, user_agent) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                " ON CONFLICT (session_id) DO NOTHING",
                (
                    event.session_id,
                    event.account_id,
                    event.org_id,
                    event.workspace_id,
                    event.token_hash,
                    event.occurred_at,
                    event.expires_at,
                    event.client_ip,
                    event.user_agent,
                ),
            )
        case SessionEnded():
            await cur.execute(
                "UPDATE sessions SET ended_at = %s, end_reason = %s WHERE session_id = %s AND ended_at IS NULL",
                (event.occurred_at, event.reason, event.session_id),
            )
