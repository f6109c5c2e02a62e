"""The gateway's identity read model: orgs, workspaces and API keys, projected from the log."""

from __future__ import annotations

import psycopg
from qlcore.events import ApiKeyCreated, ApiKeyRevoked, Event, OrgCreated, WorkspaceCreated

__all__ = ["IdentityProjection"]

DDL = """
CREATE TABLE IF NOT EXISTS orgs (
    org_id text PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    plan text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS workspaces (
    workspace_id text PRIMARY KEY,
    org_id text NOT NULL REFERENCES orgs (org_id),
    name text NOT NULL,
    slug text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (org_id, slug)
);
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
"""


class IdentityProjection:
    service = "gateway"
    ddl = DDL
    tables = (("orgs", "org_id"), ("workspaces", "workspace_id"), ("api_keys", "key_id"))
    handles = frozenset({"org.created", "workspace.created", "api_key.created", "api_key.revoked"})

    async def apply(self, cur: psycopg.AsyncCursor, event: Event, seq: int) -> None:
        match event:
            case OrgCreated():
                await cur.execute(
                    "INSERT INTO orgs (org_id, slug, name, plan, created_at) VALUES (%s,%s,%s,%s,%s)"
                    " ON CONFLICT (org_id) DO NOTHING",
                    (event.org_id, event.slug, event.name, event.plan, event.occurred_at))
            case WorkspaceCreated():
                await cur.execute(
                    "INSERT INTO workspaces (workspace_id, org_id, name, slug, created_at) VALUES (%s,%s,%s,%s,%s)"
                    " ON CONFLICT (workspace_id) DO NOTHING",
                    (event.workspace_id, event.org_id, event.name, event.slug, event.occurred_at))
            case ApiKeyCreated():
                await cur.execute(
                    "INSERT INTO api_keys (key_id, org_id, workspace_id, name, prefix, key_hash, scopes,"
                    " expires_at, created_at, created_by) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
                    " ON CONFLICT (key_id) DO NOTHING",
                    (event.key_id, event.org_id, event.workspace_id, event.name, event.prefix, event.key_hash,
                     event.scopes, event.expires_at, event.occurred_at, event.created_by))
            case ApiKeyRevoked():
                await cur.execute(
                    "UPDATE api_keys SET revoked_at = %s, revoked_reason = %s WHERE key_id = %s"
                    " AND revoked_at IS NULL", (event.occurred_at, event.reason, event.key_id))
