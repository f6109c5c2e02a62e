"""Identity secrets are in the run log only sealed: another service reading the raw log finds no
password hash, no token hash, no API key hash, while the gateway's replay still rebuilds them."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from nats.js.errors import NotFoundError
from psycopg import sql
from qlcore.bus import Bus, connect_nats
from qlcore.busauth import TEST, credential_file

from tests.fixtures import Stack
from tests.integration.identity.helpers import signup

pytestmark = pytest.mark.integration


async def _secrets(stack: Stack, org_id: str, account_id: str) -> list[str]:
    """The hashes as the gateway's read model holds them (opened from the log by its projection)."""
    schema = sql.Identifier(stack.settings.schema("gateway"))
    queries = [
        (sql.SQL("SELECT password_hash FROM {}.accounts WHERE account_id = %s"), account_id),
        (sql.SQL("SELECT token_hash FROM {}.sessions WHERE account_id = %s"), account_id),
        (sql.SQL("SELECT token_hash FROM {}.verification_tickets WHERE account_id = %s"), account_id),
        (sql.SQL("SELECT key_hash FROM {}.api_keys WHERE org_id = %s"), org_id),
    ]
    out = []
    async with await psycopg.AsyncConnection.connect(stack.settings.database_url) as conn:
        for query, arg in queries:
            rows = await (await conn.execute(query.format(schema), (arg,))).fetchall()
            assert rows, query
            out += [str(r[0]) for r in rows]
    return out


async def _raw_log(bus: Bus) -> list[bytes]:
    """Every entry of the run log, read by sequence (direct gets), as bytes."""
    last = (await bus.js.stream_info(bus.settings.stream)).state.last_seq

    async def one(seq: int) -> bytes:
        try:
            msg = await bus.js.get_msg(bus.settings.stream, seq=seq, direct=True)
        except NotFoundError:
            return b""
        return (msg.data or b"") + repr(msg.headers).encode()

    out: list[bytes] = []
    for start in range(1, last + 1, 200):
        out += await asyncio.gather(*(one(s) for s in range(start, min(start + 200, last + 1))))
    return out


async def test_another_service_reads_only_sealed_secrets_and_a_replay_rebuilds_them(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)  # a password, a verification token, a session
        r = await c.post(
            f"/api/v1/orgs/{user.org_id}/api-keys", headers=user.headers, json={"name": "ci", "scopes": ["runs:read"]}
        )
        assert r.status_code == 201, r.text
    await stack.wait_caught_up("gateway")
    secrets = await _secrets(stack, user.org_id, user.account_id)
    assert any(s.startswith("$argon2id$") for s in secrets) and len(secrets) >= 4

    # a service that is not the gateway, with its own credential when the bus is closed (else the
    # environment's server has no users: read the log straight from JetStream)
    reader = "attestation" if credential_file(stack.settings, "attestation") else TEST
    bus = Bus(await connect_nats(stack.settings, "log-reader", user=reader), stack.settings)
    try:
        entries = await _raw_log(bus)
    finally:
        await bus.close()
    blob = b"\n".join(entries)
    assert user.email.encode() in blob  # the reader did see this account's events
    for secret in secrets:
        assert secret.encode() not in blob, "an identity secret is readable from the log"
    assert b"$argon2" not in blob
    assert blob.count(b'"password_hash":"sealed.v1.') >= 1 and blob.count(b'"key_hash":"sealed.v1.') >= 1

    before = (await stack.call("gateway", "ops.digest")).json()
    replayed = (await stack.call("gateway", "ops.replay", timeout=120)).json()
    assert replayed["digest"] == before["digest"]
    assert sorted(await _secrets(stack, user.org_id, user.account_id)) == sorted(secrets)
    async with stack.client() as c:
        r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        assert r.status_code == 200, r.text
