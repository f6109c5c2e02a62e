"""Identity and tenancy events: orgs, workspaces, API keys (the audit trail of who may do what)."""

from __future__ import annotations

from qlcore.events.envelope import Event

__all__ = ["IDENTITY_EVENTS", "ApiKeyCreated", "ApiKeyRevoked", "OrgCreated", "WorkspaceCreated"]


class OrgCreated(Event, frozen=True, tag="org.created"):
    org_id: str
    slug: str
    name: str
    plan: str = "free"


class WorkspaceCreated(Event, frozen=True, tag="workspace.created"):
    org_id: str
    name: str
    slug: str


class ApiKeyCreated(Event, frozen=True, tag="api_key.created"):
    """The key itself is never logged: only its SHA-256 and a visible prefix."""

    key_id: str
    org_id: str
    name: str
    prefix: str
    key_hash: str
    scopes: list[str]
    expires_at: str | None = None
    created_by: str | None = None


class ApiKeyRevoked(Event, frozen=True, tag="api_key.revoked"):
    key_id: str
    org_id: str
    reason: str | None = None


IDENTITY_EVENTS: tuple[type[Event], ...] = (OrgCreated, WorkspaceCreated, ApiKeyCreated, ApiKeyRevoked)
