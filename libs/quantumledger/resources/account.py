"""Accounts and API keys: register, verify the address, log in and out, mint and revoke keys.

``org`` defaults to the caller's own org (from ``/me``, asked once per client).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from quantumledger._calls import Call, Resource, decoded, empty, endpoint, seg
from quantumledger.models import ApiKey, CreatedApiKey, EmailVerified, Registered, Session

__all__ = ["Auth", "Keys"]

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
