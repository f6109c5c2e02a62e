"""Who is calling: resolve a bearer token (API key or session) or the session cookie to a
:class:`Principal`, from the identity read model.

Tokens are 256-bit random secrets with a checksum (:mod:`.identity.tokens`): a malformed one is
refused before any query, a well-formed one is looked up by its SHA-256. No cache: a revoked
key, an ended session or a changed role takes effect on the next request, on every gateway
instance, because every instance reads the same tables.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import structlog
from psycopg_pool import AsyncConnectionPool
from qlcore.errors import Unauthorized

from services.gateway import store
from services.gateway.domain.access import SCOPES, Principal, effective_scopes, session_scopes
from services.gateway.domain.tokens import PREFIXES, ensure_usable, parse_token, token_kind

__all__ = ["ALL_SCOPES", "KEY_PREFIX", "SESSION_COOKIE", "Principal", "resolve", "resolve_token"]

KEY_PREFIX = PREFIXES["api_key"]
SESSION_COOKIE = "ql_session"
ALL_SCOPES = SCOPES

log = structlog.get_logger("gateway.principal")
USE_RESOLUTION_S = 60.0  # a key's last use is written at most once a minute per gateway process
_noted: dict[str, float] = {}


async def note_key_use(pool: AsyncConnectionPool, key_id: str) -> None:
    """Record that ``key_id`` was used now (Settings → API keys shows it); at most once a minute
    per process, so a busy key costs one small write a minute, not one a request."""
    now = time.monotonic()
    if now - _noted.get(key_id, -USE_RESOLUTION_S) < USE_RESOLUTION_S:
        return
    _noted[key_id] = now
    if len(_noted) > 100_000:  # bounded: forget the oldest half
        for k in sorted(_noted, key=_noted.__getitem__)[:50_000]:
            del _noted[k]
    try:
        async with pool.connection() as conn:
            await store.note_key_use(conn, key_id)
    except Exception:  # the request is authenticated either way; the miss is logged with its cause
        _noted.pop(key_id, None)
        log.warning("api_key.last_use_not_recorded", key_id=key_id, exc_info=True)


async def resolve(pool: AsyncConnectionPool, authorization: str | None, cookie: str | None = None) -> Principal:
    """The caller of a request: the ``Authorization`` header wins over the session cookie."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <API key or session token>'")
        return await resolve_token(pool, token.strip())
    if cookie:
        return await resolve_token(pool, cookie.strip(), cookie=True)
    raise Unauthorized("send an API key (Authorization: Bearer ql_live_...) or log in for a session")


async def resolve_token(pool: AsyncConnectionPool, token: str, *, cookie: bool = False) -> Principal:
    kind = token_kind(token)
    if kind == "api_key" and not cookie:
        return await _api_key(pool, parse_token(token, "api_key"))
    if kind == "session":
        return await _session(pool, parse_token(token, "session"))
    raise Unauthorized("not a QuantumLedger API key or session token")


async def _api_key(pool: AsyncConnectionPool, token_hash: str) -> Principal:
    async with pool.connection() as conn:
        row = await store.key_credential(conn, token_hash)
    if row is None:
        raise Unauthorized("unknown API key")
    key_id, key_scopes, account_id, expires_at, revoked_at, role = row[:6]
    ensure_usable(now=datetime.now(UTC), expires_at=expires_at, revoked_at=revoked_at)
    if account_id is None:
        role = "owner"  # an operator's key acts for the org itself
    elif role is None:
        raise Unauthorized("this API key's member has left the org")
    await note_key_use(pool, key_id)
    return Principal(
        org_id=row[6],
        org_slug=row[7],
        org_name=row[8],
        plan=row[9],
        workspace_id=row[10],
        workspace_slug=row[11],
        workspace_name=row[12],
        scopes=effective_scopes(role, key_scopes),
        role=role,
        via="api_key",
        account_id=account_id,
        key_id=key_id,
        expires_at=expires_at,
    )


async def _session(pool: AsyncConnectionPool, token_hash: str) -> Principal:
    async with pool.connection() as conn:
        row = await store.session_credential(conn, token_hash)
    if row is None:
        raise Unauthorized("unknown session; log in again")
    session_id, account_id, expires_at, ended_at, role = row[:5]
    ensure_usable(now=datetime.now(UTC), expires_at=expires_at, revoked_at=ended_at)
    if role is None:
        raise Unauthorized("this account is no longer a member of the org")
    return Principal(
        org_id=row[5],
        org_slug=row[6],
        org_name=row[7],
        plan=row[8],
        workspace_id=row[9],
        workspace_slug=row[10],
        workspace_name=row[11],
        scopes=session_scopes(role),
        role=role,
        via="session",
        account_id=account_id,
        session_id=session_id,
        expires_at=expires_at,
    )
