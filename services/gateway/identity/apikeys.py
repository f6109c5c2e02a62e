"""API key commands: create (shown once), list, revoke.

Who may do what: keys are a person's credentials, so any member may make keys for themselves,
with at most the scopes their session holds (their role's); admins and owners see and revoke
every key of the org, others only their own. Through an API key (a script minting keys), the key
also needs the ``admin`` scope, and the new key gets at most the minting key's own scopes, in the
minting key's workspace, expiring no later than the minting key (``access``: privileges hold). Another org's key, or a
key a member may not see, is a 404, like a missing one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from qlcore.errors import NotFound, Unprocessable
from qlcore.events.identity import ApiKeyRevoked

from services.gateway import store
from services.gateway.domain.access import (
    Principal,
    authorize,
    check_expiry_grantable,
    check_grantable,
    check_workspace_grantable,
    role_at_least,
)
from services.gateway.domain.plans import check_limit
from services.gateway.identity.orgs import api_key_event
from services.gateway.identity.runtime import IdentityRuntime
from services.gateway.store import WorkspaceRow

__all__ = ["CreateKey", "create_key", "list_keys", "revoke_key"]


class CreateKey(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    scopes: list[str]
    workspace: str | None = None  # id or slug in the org; the caller's workspace when omitted
    expires_at: datetime | None = None


def _check_org(principal: Principal, org_id: str) -> None:
    """Another org's keys are not found, whatever the caller's role there."""
    if org_id not in (principal.org_id, principal.org_slug):
        raise NotFound("no such org")
    if principal.via == "api_key":
        authorize(principal, scope="admin")


def _sees_all(principal: Principal) -> bool:
    return role_at_least(principal.role, "admin")


async def create_key(rt: IdentityRuntime, principal: Principal, org_id: str, cmd: CreateKey) -> dict[str, Any]:
    _check_org(principal, org_id)
    name = cmd.name.strip()
    if not name or len(name) > 100:
        raise Unprocessable("name must be 1 to 100 characters", field="name")
    if not cmd.scopes:
        raise Unprocessable("name at least one scope", field="scopes")
    try:
        scopes = check_grantable(principal, cmd.scopes)  # NotHeld (403) beyond the caller's own
    except ValueError as exc:
        raise Unprocessable(str(exc), field="scopes") from exc
    expires = cmd.expires_at
    if expires is not None:
        if expires.tzinfo is None:
            raise Unprocessable("expires_at needs a time zone (e.g. 2026-01-01T00:00:00Z)", field="expires_at")
        if expires <= datetime.now(UTC):
            raise Unprocessable("expires_at must be in the future", field="expires_at")
    check_expiry_grantable(principal, expires)
    async with rt.pool.connection() as conn:
        ws: WorkspaceRow | None
        if cmd.workspace is None:
            ws = await store.workspace_in_org(conn, principal.org_id, principal.workspace_id)
        else:
            ws = await store.workspace_in_org(conn, principal.org_id, cmd.workspace)
        if ws is None:
            raise NotFound(f"no workspace {cmd.workspace!r} in this org", field="workspace")
        check_workspace_grantable(principal, ws.workspace_id)
        check_limit(rt.catalog.get(principal.plan), "api_keys", await store.active_key_count(conn, principal.org_id))
    expires_text = expires.astimezone(UTC).isoformat().replace("+00:00", "Z") if expires else None
    key, event = api_key_event(
        actor=principal.actor,
        org_id=principal.org_id,
        workspace_id=ws.workspace_id,
        name=name,
        scopes=scopes,
        account_id=principal.account_id,
        expires_at=expires_text,
    )
    await rt.commit(event)
    return {
        "key_id": event.key_id,
        "api_key": key.token,
        "name": name,
        "prefix": key.prefix,
        "workspace": {"id": ws.workspace_id, "slug": ws.slug, "name": ws.name},
        "scopes": event.scopes,
        "created_at": event.occurred_at,
        "expires_at": expires_text,
        "account_id": principal.account_id,
    }


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z") if t else None


async def list_keys(rt: IdentityRuntime, principal: Principal, org_id: str) -> list[dict[str, Any]]:
    """The org's keys (a member: their own), newest first; never a hash, only the visible prefix."""
    _check_org(principal, org_id)
    async with rt.pool.connection() as conn:
        rows = await store.list_keys(conn, principal.org_id, principal.account_id, _sees_all(principal))
    return [
        {
            "key_id": r[0],
            "name": r[1],
            "prefix": r[2],
            "scopes": list(r[3]),
            "workspace": {"id": r[4], "slug": r[5]},
            "created_at": _iso(r[6]),
            "created_by": r[7],
            "account_id": r[8],
            "expires_at": _iso(r[9]),
            "revoked_at": _iso(r[10]),
            "status": r[11],
            "last_used_at": _iso(r[12]),  # to the minute (services.gateway.principal.note_key_use)
        }
        for r in rows
    ]


async def revoke_key(rt: IdentityRuntime, principal: Principal, org_id: str, key_id: str) -> None:
    """Revoke at once (the next request with the key is a 401); revoking twice is harmless."""
    _check_org(principal, org_id)
    async with rt.pool.connection() as conn:
        row = await store.key_owner(conn, principal.org_id, key_id)
    if row is None or (not _sees_all(principal) and row[0] != principal.account_id):
        raise NotFound("no such API key")
    if row[1] is not None:
        return
    await rt.commit(
        ApiKeyRevoked.new(
            actor=principal.actor,
            workspace_id=principal.workspace_id,
            key_id=key_id,
            org_id=principal.org_id,
            reason="revoked",
        )
    )
