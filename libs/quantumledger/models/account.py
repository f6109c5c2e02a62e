"""Accounts, sessions, API keys, the caller (``/me``) and health."""

from __future__ import annotations

from typing import Any

from quantumledger.models._base import Model

__all__ = [
    "Account",
    "ApiKey",
    "AuthInfo",
    "CreatedApiKey",
    "EmailVerified",
    "Health",
    "Invitation",
    "Me",
    "Member",
    "Membership",
    "OrgRef",
    "PlanInfo",
    "Registered",
    "Session",
    "WorkspaceRef",
]


class Health(Model, frozen=True, kw_only=True):
    """``up``, ``degraded`` (serving, with dead letters for an operator) or ``down``; operators
    (``ql_op_…`` token) also get the parts."""

    status: str
    nats: Any = None
    postgres: Any = None
    services: dict[str, Any] | None = None


class OrgRef(Model, frozen=True, kw_only=True):
    id: str
    slug: str | None = None
    name: str | None = None


class WorkspaceRef(Model, frozen=True, kw_only=True):
    id: str
    slug: str | None = None
    name: str | None = None


class Account(Model, frozen=True, kw_only=True):
    id: str
    email: str
    name: str | None = None
    email_verified: bool = False


class PlanInfo(Model, frozen=True, kw_only=True):
    name: str
    title: str | None = None
    features: dict[str, bool] = {}
    limits: dict[str, int | None] = {}
    usage: dict[str, int] = {}


class AuthInfo(Model, frozen=True, kw_only=True):
    type: str
    key_id: str | None = None
    session_id: str | None = None


class Me(Model, frozen=True, kw_only=True):
    """The caller: account (none for an API key made by an operator), org, workspace, role, plan."""

    org: OrgRef
    workspace: WorkspaceRef
    account: Account | None = None
    role: str | None = None
    plan: PlanInfo | None = None
    scopes: list[str] = []
    auth: AuthInfo | None = None


class Registered(Model, frozen=True, kw_only=True):
    status: str
    detail: str | None = None


class EmailVerified(Model, frozen=True, kw_only=True):
    verified: bool
    email: str | None = None


class Session(Model, frozen=True, kw_only=True):
    """A session from ``POST /auth/login``: ``token`` is a bearer token like an API key."""

    token: str
    token_type: str = "bearer"
    session_id: str | None = None
    expires_at: str | None = None
    account_id: str | None = None
    org_id: str | None = None
    workspace_id: str | None = None


class ApiKey(Model, frozen=True, kw_only=True):
    """An API key as listed: never the key itself, only its visible ``prefix``."""

    key_id: str
    name: str
    prefix: str | None = None
    scopes: list[str] = []
    workspace: WorkspaceRef | None = None
    created_at: str | None = None
    created_by: str | None = None
    account_id: str | None = None
    expires_at: str | None = None
    revoked_at: str | None = None
    status: str | None = None


class CreatedApiKey(ApiKey, frozen=True, kw_only=True):
    """A new key: ``api_key`` (``ql_live_…``) is shown in this answer only."""

    api_key: str


class Member(Model, frozen=True, kw_only=True):
    """A member of an org: ``role`` is owner, admin, member or viewer."""

    account_id: str
    role: str
    name: str | None = None
    email: str | None = None
    added_at: str | None = None


class Invitation(Model, frozen=True, kw_only=True):
    """An invitation to an org: the link goes by mail to ``email`` only (never in this answer)."""

    invitation_id: str
    email: str
    role: str
    status: str | None = None  # pending | accepted | revoked | expired
    org_id: str | None = None
    invited_by: str | None = None
    created_at: str | None = None
    expires_at: str | None = None
    accepted_at: str | None = None
    accepted_by: str | None = None
    revoked_at: str | None = None


class Membership(Model, frozen=True, kw_only=True):
    """What accepting an invitation made you: a member of ``org_slug`` with ``role``."""

    org_id: str
    role: str
    org_slug: str | None = None
    org_name: str | None = None
    account_id: str | None = None
