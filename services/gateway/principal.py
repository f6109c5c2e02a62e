"""Who is calling: resolve a bearer API key to a principal, from the identity read model.

API keys are 256-bit random secrets, so a fast hash (SHA-256) is the right storage: there is
nothing to brute-force, and the lookup runs on every request. Passwords, by contrast, use
argon2id. No cache: a revoked or expired key stops working on the next request.
"""

from __future__ import annotations

import hashlib
import secrets

import msgspec
from psycopg_pool import AsyncConnectionPool
from qlcore.errors import Unauthorized

__all__ = ["KEY_PREFIX", "Principal", "hash_secret", "new_api_key", "resolve_api_key"]

KEY_PREFIX = "ql_live_"
ALL_SCOPES = ("runs:read", "runs:write", "cards:publish", "attest:write", "admin")


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    org_id: str
    org_slug: str
    org_name: str
    plan: str
    workspace_id: str
    workspace_slug: str
    workspace_name: str
    scopes: tuple[str, ...]
    via: str = "api_key"
    key_id: str | None = None
    account_id: str | None = None
    role: str = "owner"

    @property
    def actor(self) -> str:
        return f"account:{self.account_id}" if self.account_id else f"api_key:{self.key_id}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: ``(key, visible prefix, sha256)``; the key itself is shown once."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:16], hash_secret(key)


_LOOKUP = """
SELECT k.key_id, k.scopes, o.org_id, o.slug, o.name, o.plan, w.workspace_id, w.slug, w.name
FROM api_keys k JOIN workspaces w ON w.workspace_id = k.workspace_id JOIN orgs o ON o.org_id = k.org_id
WHERE k.key_hash = %s AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
"""


async def resolve_api_key(pool: AsyncConnectionPool, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized("send an API key: Authorization: Bearer ql_live_...")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <API key>'")
    token = token.strip()
    if not token.startswith(KEY_PREFIX):
        raise Unauthorized("not a QuantumLedger API key")
    async with pool.connection() as conn:
        row = await (await conn.execute(_LOOKUP, (hash_secret(token),))).fetchone()
    if row is None:
        raise Unauthorized("unknown, revoked or expired API key")
    return Principal(key_id=row[0], scopes=tuple(row[1]), org_id=row[2], org_slug=row[3], org_name=row[4],
                     plan=row[5], workspace_id=row[6], workspace_slug=row[7], workspace_name=row[8])
