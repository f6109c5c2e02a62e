"""Accounts and API keys: register, verify the address, log in and out, mint and revoke keys.

``org`` defaults to the caller's own org (from ``/me``, asked once per client).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from quantumledger._calls import Call, Resource, decoded, empty, endpoint, seg
from quantumledger.models import (
    ApiKey,
    CreatedApiKey,
    EmailVerified,
    Invitation,
    Member,
    Membership,
    Registered,
    Session,
)

__all__ = ["Auth", "Keys", "Members"]

M = TypeVar("M")


def _org(org: str | None) -> str:
    return f"/api/v1/orgs/{seg(org) if org else '{org}'}/api-keys"


class Auth(Resource[M]):
    """Accounts and sessions. None of these is retried: each may have acted, and a throttled
    login (429) is reported at once with its ``retry_after`` rather than waited out."""

    @endpoint
    def register(self, email: str, password: str, *, name: str, org_name: str) -> Call[Registered]:
        """Create an account, its org and workspace; a verification mail follows."""
        body = {"email": email, "password": password, "name": name, "org_name": org_name}
        return Call("POST", "/api/v1/auth/register", decoded(Registered), body=body, idempotent=False, retries=False)

    @endpoint
    def verify_email(self, token: str) -> Call[EmailVerified]:
        """Redeem the single-use token from the verification mail."""
        return Call(
            "POST", "/api/v1/auth/verify-email", decoded(EmailVerified), body={"token": token}, idempotent=False
        )

    @endpoint
    def login(self, email: str, password: str, *, org: str | None = None) -> Call[Session]:
        """Start a session: ``token`` (``ql_sess_…``) authenticates like an API key until it
        expires or you log out. ``org``: id or slug (default: your oldest membership)."""
        body: dict[str, Any] = {"email": email, "password": password}
        if org:
            body["org"] = org
        return Call("POST", "/api/v1/auth/login", decoded(Session), body=body, idempotent=False, retries=False)

    @endpoint
    def logout(self) -> Call[None]:
        """End the session this client authenticates with, at once."""
        return Call("POST", "/api/v1/auth/logout", empty, idempotent=True)


class Keys(Resource[M]):
    """API keys of an org (a key needs the ``admin`` scope to manage keys; a session does not)."""

    @endpoint
    def create(
        self,
        name: str,
        scopes: Sequence[str],
        *,
        workspace: str | None = None,
        expires_at: datetime | str | None = None,
        org: str | None = None,
    ) -> Call[CreatedApiKey]:
        """A new key (``ql_live_…``): ``api_key`` is in this answer only; store it now.
        Scopes: ``runs:read``, ``runs:write``, ``cards:publish``, ``attest:write``, ``admin``."""
        body: dict[str, Any] = {"name": name, "scopes": list(scopes)}
        if workspace:
            body["workspace"] = workspace
        if expires_at is not None:
            body["expires_at"] = expires_at.isoformat() if isinstance(expires_at, datetime) else expires_at
        return Call("POST", _org(org) + "/", decoded(CreatedApiKey), body=body, idempotent=False)

    @endpoint
    def list(self, *, org: str | None = None) -> Call[builtins.list[ApiKey]]:
        """The org's keys, newest first (a member sees their own)."""
        return Call("GET", _org(org) + "/", decoded(builtins.list[ApiKey]))

    @endpoint
    def revoke(self, key_id: str, *, org: str | None = None) -> Call[None]:
        """Revoke a key: the next request with it is refused (revoking twice is harmless)."""
        return Call("DELETE", f"{_org(org)}/{seg(key_id)}", empty)


def _members(org: str | None) -> str:
    return f"/api/v1/orgs/{seg(org) if org else '{org}'}"


class Members(Resource[M]):
    """Members and invitations of an org (owners and admins manage them; a key also needs the
    ``admin`` scope). A role is granted only by someone who holds it: an admin invites or promotes
    up to admin, never to owner; the last owner cannot be demoted or removed."""

    @endpoint
    def list(self, *, org: str | None = None) -> Call[builtins.list[Member]]:
        """The org's members and their roles, oldest first."""
        return Call("GET", _members(org) + "/members", decoded(builtins.list[Member]))

    @endpoint
    def change_role(self, account_id: str, role: str, *, org: str | None = None) -> Call[Member]:
        """Give a member another role: ``admin``, ``member``, ``viewer`` (an owner may also give ``owner``)."""
        path = f"{_members(org)}/members/{seg(account_id)}"
        return Call("PATCH", path, decoded(Member), body={"role": role}, idempotent=True)

    @endpoint
    def remove(self, account_id: str, *, org: str | None = None) -> Call[None]:
        """Remove a member (or leave, with your own id): their sessions and keys stop at once."""
        return Call("DELETE", f"{_members(org)}/members/{seg(account_id)}", empty)

    @endpoint
    def invitations(self, *, every: bool = False, org: str | None = None) -> Call[builtins.list[Invitation]]:
        """Pending invitations, newest first (``every=True``: accepted, revoked and expired too)."""
        params = {"all": "true"} if every else None
        return Call("GET", _members(org) + "/invitations", decoded(builtins.list[Invitation]), params=params)

    @endpoint
    def invite(self, email: str, *, role: str = "member", org: str | None = None) -> Call[Invitation]:
        """Invite ``email`` as ``admin``, ``member`` or ``viewer``: the link is mailed to that address."""
        body = {"email": email, "role": role}
        return Call("POST", _members(org) + "/invitations", decoded(Invitation), body=body, idempotent=False)

    @endpoint
    def revoke_invitation(self, invitation_id: str, *, org: str | None = None) -> Call[None]:
        """Withdraw a pending invitation: its link stops working."""
        return Call("DELETE", f"{_members(org)}/invitations/{seg(invitation_id)}", empty)

    @endpoint
    def accept(self, token: str) -> Call[Membership]:
        """Accept an invitation (the ``ql_invite_…`` token from its link), signed in with the
        invited address: you become a member with its role (log in to that org to work in it)."""
        return Call("POST", "/api/v1/invitations/accept", decoded(Membership), body={"token": token}, idempotent=False)
