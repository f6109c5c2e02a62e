"""Members and invitations of an org: invite an address with a role, accept, change roles, remove.

Who may do what (``docs/security.md``, "privileges hold"):

* Any member lists the members; owners and admins list, issue and revoke invitations, change
  roles and remove members. Through an API key the key also needs the ``admin`` scope (to list
  the members too).
* An invitation grants ``admin``, ``member`` or ``viewer``, never ``owner`` (an owner makes
  another owner by changing the role of a member), and never a role above the inviter's.
* A role change grants at most the caller's own role; an admin changes and removes members
  ranked below admin only (changing admins and owners is the owner's privilege, ``roles.yaml``).
* The org never loses its last owner: demoting or removing them is a 409.
* Anyone may leave an org (remove themselves), except its last owner.

The invitation token goes to the invited address only (a mail); the log holds its SHA-256,
sealed like every credential hash. It is accepted by the account with that address, signed in:
the invitation and the account must name the same mailbox. Another org's member or invitation
is a 404, like a missing one. Commands that read a role and then write hold the identity lock
until the projection applied the events, so two concurrent demotions cannot both see a second
owner.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from qlcore.errors import Conflict, Forbidden, NotFound, Unprocessable
from qlcore.events.identity import (
    InvitationAccepted,
    InvitationIssued,
    InvitationRevoked,
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
)

from services.gateway import store
from services.gateway.adapters.mail import build_invitation_mail
from services.gateway.domain.access import ROLES, Principal, Role, authorize, role_at_least, roles
from services.gateway.domain.errors import InvalidToken, NotHeld, TokenExpired, TokenRevoked, TokenUsed
from services.gateway.domain.plans import check_limit
from services.gateway.domain.tokens import INVITATION_TTL, issue_token, parse_token
from services.gateway.identity.accounts import normalize_email
from services.gateway.identity.orgs import identity_lock
from services.gateway.identity.runtime import IdentityRuntime

__all__ = [
    "INVITABLE",
    "AcceptInvitation",
    "ChangeRole",
    "Invite",
    "accept_invitation",
    "change_role",
    "invitation_preview",
    "invite",
    "list_invitations",
    "list_members",
    "remove_member",
    "revoke_invitation",
]

INVITABLE: tuple[Role, ...] = ("admin", "member", "viewer")


class InvitationForAnotherAddress(Forbidden):
    slug, title = "invitation-for-another-address", "The invitation is for another email address"


class Invite(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: str = "member"


class ChangeRole(msgspec.Struct, forbid_unknown_fields=True):
    role: str


class AcceptInvitation(msgspec.Struct, forbid_unknown_fields=True):
    token: str


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z") if t else None


def _check_org(principal: Principal, org_id: str) -> None:
    """Another org is not found, whatever the caller's role there."""
    if org_id not in (principal.org_id, principal.org_slug):
        raise NotFound("no such org")


def _require_admin(principal: Principal) -> None:
    authorize(principal, role="admin")
    if principal.via == "api_key":
        authorize(principal, scope="admin")


def _role(value: str, allowed: tuple[Role, ...] = ROLES) -> Role:
    if value not in allowed:
        raise Unprocessable(f"role must be one of {list(allowed)}", field="role")
    return value  # type: ignore[return-value]


def _grant_check(principal: Principal, role: Role) -> None:
    """A caller grants at most the role it holds (:class:`NotHeld` names the role)."""
    if not role_at_least(principal.role, role):
        raise NotHeld(role=role, held_role=principal.role)


def _member(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"account_id": row[0], "name": row[1], "email": row[2], "role": row[3], "added_at": _iso(row[4])}


def _invitation(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "invitation_id": row[0],
        "org_id": row[1],
        "email": row[2],
        "role": row[3],
        "invited_by": row[4],
        "created_at": _iso(row[5]),
        "expires_at": _iso(row[6]),
        "accepted_at": _iso(row[7]),
        "accepted_by": row[8],
        "revoked_at": _iso(row[9]),
        "status": row[10],
    }


async def list_members(rt: IdentityRuntime, principal: Principal, org_id: str) -> list[dict[str, Any]]:
    """Every member of the org with their role, oldest first (any member may read it; through an
    API key, which a script may hold with ``runs:read`` only, the key needs ``admin``: the list
    names people and their addresses)."""
    _check_org(principal, org_id)
    if principal.via == "api_key":
        authorize(principal, scope="admin")
    async with rt.pool.connection() as conn:
        rows = await store.members(conn, principal.org_id)
    return [_member(r) for r in rows]


async def list_invitations(
    rt: IdentityRuntime, principal: Principal, org_id: str, every: bool = False
) -> list[dict[str, Any]]:
    """The org's pending invitations (``every``: accepted, revoked and expired ones too), newest first."""
    _check_org(principal, org_id)
    _require_admin(principal)
    async with rt.pool.connection() as conn:
        rows = await store.invitations(conn, principal.org_id, pending_only=not every)
    return [_invitation(r) for r in rows]


async def invite(rt: IdentityRuntime, principal: Principal, org_id: str, cmd: Invite) -> dict[str, Any]:
    """Invite an address with a role; the link goes to that address (the answer never holds it)."""
    _check_org(principal, org_id)
    _require_admin(principal)
    email = normalize_email(cmd.email)
    role = _role(cmd.role, INVITABLE)
    _grant_check(principal, role)
    now = datetime.now(UTC)
    token = issue_token("invitation")
    expires = now + INVITATION_TTL
    async with identity_lock(rt) as conn:
        existing = await store.account_by_email(conn, email)
        if existing is not None and await store.member_role(conn, principal.org_id, existing.account_id):
            raise Conflict("that address is already a member of the org", field="email")
        members = await store.member_count(conn, principal.org_id)
        pending = await store.pending_invitation_count(conn, principal.org_id)
        check_limit(rt.catalog.get(principal.plan), "members", members + pending)
        profile = await store.account_profile(conn, principal.account_id) if principal.account_id else None
        event = InvitationIssued.new(
            actor=principal.actor,
            workspace_id=None,
            invitation_id=f"inv_{token.token_id}",
            org_id=principal.org_id,
            email=email,
            role=role,
            token_hash=token.token_hash,
            expires_at=_iso(expires) or "",
            invited_by=principal.actor,
        )
        await rt.commit(event)
    inviter = f"{profile[1]} ({profile[0]})" if profile else f"An administrator of {principal.org_name}"
    await rt.send(
        build_invitation_mail(
            to=email,
            sender=rt.sender,
            inviter=inviter,
            org_name=principal.org_name,
            role=role,
            token=token.token,
            public_url=rt.settings.base_url(),
            expires_at=expires,
            now=now,
        )
    )
    return {
        "invitation_id": event.invitation_id,
        "org_id": principal.org_id,
        "email": email,
        "role": role,
        "invited_by": principal.actor,
        "created_at": event.occurred_at,
        "expires_at": event.expires_at,
        "status": "pending",
    }


async def revoke_invitation(rt: IdentityRuntime, principal: Principal, org_id: str, invitation_id: str) -> None:
    """Withdraw a pending invitation (its link stops working); revoking twice is harmless."""
    _check_org(principal, org_id)
    _require_admin(principal)
    async with rt.pool.connection() as conn:
        row = await store.invitation(conn, principal.org_id, invitation_id)
    if row is None:
        raise NotFound("no such invitation")
    if row[10] == "accepted":
        raise Conflict("the invitation was accepted: remove the member instead")
    if row[10] == "revoked":
        return
    await rt.commit(
        InvitationRevoked.new(
            actor=principal.actor, workspace_id=None, invitation_id=invitation_id, org_id=principal.org_id
        )
    )


def _usable(row: tuple[Any, ...]) -> None:
    status = row[10]
    if status == "accepted":
        raise TokenUsed("this invitation has already been accepted")
    if status == "revoked":
        raise TokenRevoked("this invitation was withdrawn (or replaced by a newer one)")
    if status == "expired":
        raise TokenExpired("this invitation has expired; ask for a new one")


async def invitation_preview(rt: IdentityRuntime, token: str) -> dict[str, Any]:
    """What an invitation link offers (org, role, address), for the acceptance page."""
    token_hash = parse_token(token.strip(), "invitation")
    async with rt.pool.connection() as conn:
        row = await store.invitation_by_hash(conn, token_hash)
    if row is None:
        raise InvalidToken("unknown invitation")
    _usable(row)
    return {"org_slug": row[11], "org_name": row[12], "role": row[3], "email": row[2], "expires_at": _iso(row[6])}


async def accept_invitation(rt: IdentityRuntime, principal: Principal, cmd: AcceptInvitation) -> dict[str, Any]:
    """The signed-in account with the invited address becomes a member with the invited role."""
    if principal.account_id is None:
        raise Forbidden("accept an invitation as a person: sign in with the invited address")
    token_hash = parse_token(cmd.token.strip(), "invitation")
    async with identity_lock(rt) as conn:  # single use even when two requests race
        row = await store.invitation_by_hash(conn, token_hash)
        if row is None:
            raise InvalidToken("unknown invitation")
        _usable(row)
        profile = await store.account_profile(conn, principal.account_id)
        if profile is None or profile[0] != row[2]:
            raise InvitationForAnotherAddress("this invitation is for another email address: sign in with it")
        org_id, role = row[1], row[3]
        if await store.member_role(conn, org_id, principal.account_id) is not None:
            raise Conflict("you are already a member of that org")
        actor = principal.actor
        accepted = InvitationAccepted.new(
            actor=actor, workspace_id=None, invitation_id=row[0], org_id=org_id, account_id=principal.account_id
        )
        added = MemberAdded.new(
            actor=actor,
            workspace_id=None,
            correlation_id=accepted.event_id,
            org_id=org_id,
            account_id=principal.account_id,
            role=role,
        )
        await rt.commit(accepted, added)
    return {
        "org_id": org_id,
        "org_slug": row[11],
        "org_name": row[12],
        "account_id": principal.account_id,
        "role": role,
    }


async def _target(conn: Any, principal: Principal, account_id: str) -> Role:
    role = await store.member_role(conn, principal.org_id, account_id)
    if role is None:
        raise NotFound("no such member")
    return role  # type: ignore[return-value]


def _may_manage(principal: Principal, target_role: Role) -> None:
    """An admin manages members ranked below admin; an owner manages everyone."""
    if principal.role != "owner" and role_at_least(target_role, principal.role):
        raise NotHeld(role=target_role, held_role=principal.role)


async def _last_owner(conn: Any, principal: Principal, target_role: Role) -> None:
    if target_role == "owner" and await store.owner_count(conn, principal.org_id) <= 1:
        raise Conflict("the org's last owner cannot be demoted or removed: make another member owner first")


async def change_role(
    rt: IdentityRuntime, principal: Principal, org_id: str, account_id: str, cmd: ChangeRole
) -> dict[str, Any]:
    _check_org(principal, org_id)
    _require_admin(principal)
    role = _role(cmd.role)
    _grant_check(principal, role)
    async with identity_lock(rt) as conn:
        current = await _target(conn, principal, account_id)
        _may_manage(principal, current)
        if current != role:
            await _last_owner(conn, principal, current)
            await rt.commit(
                MemberRoleChanged.new(
                    actor=principal.actor,
                    workspace_id=None,
                    org_id=principal.org_id,
                    account_id=account_id,
                    role=role,
                    previous_role=current,
                )
            )
        rows = await store.members(conn, principal.org_id)
    found = next(r for r in rows if r[0] == account_id)
    return _member((found[0], found[1], found[2], role, found[4]))


async def remove_member(rt: IdentityRuntime, principal: Principal, org_id: str, account_id: str) -> None:
    """Remove a member (or leave, for oneself): their sessions in the org and keys stop at once."""
    _check_org(principal, org_id)
    leaving = account_id == principal.account_id
    if not leaving:
        _require_admin(principal)
    async with identity_lock(rt) as conn:
        current = await _target(conn, principal, account_id)
        if not leaving:
            _may_manage(principal, current)
        await _last_owner(conn, principal, current)
        await rt.commit(
            MemberRemoved.new(
                actor=principal.actor,
                workspace_id=None,
                org_id=principal.org_id,
                account_id=account_id,
                previous_role=current,
            )
        )


def role_descriptions() -> list[tuple[str, str]]:
    return [(name, spec.description) for name, spec in sorted(roles().items(), key=lambda kv: -kv[1].rank)]
