"""Wrong passwords slow down: 429 with Retry-After, per (account, client), per client and per
account (the slower global limit), in PostgreSQL; an operator unlocks an account."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from qlcore.db import make_pool

from services.gateway.domain.ratelimit import (
    ACCOUNT_POLICY,
    PAIR_POLICY,
    FailureRecord,
    ThrottleStore,
    email_key,
)
from services.gateway.store import PgThrottleStore, ensure_throttle_table
from tests.fixtures import Stack
from tests.integration.identity.helpers import signup
from tests.integration.identity.test_enforcement import ql
from tests.unit.identity import test_ratelimit as contract

pytestmark = pytest.mark.integration


def client_from(stack: Stack, address: str) -> httpx.AsyncClient:
    """A client whose requests come from another loopback address (a distinct client IP)."""
    return httpx.AsyncClient(
        base_url=stack.base_url, timeout=60.0, transport=httpx.AsyncHTTPTransport(local_address=address)
    )


async def test_wrong_passwords_are_throttled_then_allowed_again(stack: Stack) -> None:
    async with stack.client() as c:
        user = await signup(stack, c)
    async with client_from(stack, "127.0.0.2") as c:
        wrong = {"email": user.email, "password": "not the password at all"}
        for _ in range(PAIR_POLICY.free_failures + 1):
            r = await c.post("/api/v1/auth/login", json=wrong)
            assert r.status_code == 401 and r.json()["type"].endswith("/invalid-credentials")
        r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        assert r.status_code == 429
        assert r.headers["content-type"].startswith("application/problem+json")
        assert int(r.headers["retry-after"]) >= 1 and r.json()["retry_after"] == int(r.headers["retry-after"])
        # a throttled attempt is not counted: once Retry-After has passed the right password works
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (
            r := await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        ).status_code == 429:
            assert loop.time() < deadline, "still throttled"
            await asyncio.sleep(0.2)
        assert r.status_code == 200


async def test_an_attacker_cannot_lock_the_owner_out_from_another_address(stack: Stack) -> None:
    """Issue 11: six wrong passwords from one address made the owner get 429 from any address."""
    async with stack.client() as c:
        user = await signup(stack, c)
    right = {"email": user.email, "password": user.password}
    async with client_from(stack, "127.0.0.5") as attacker, client_from(stack, "127.0.0.6") as owner:
        for _ in range(6):
            r = await attacker.post("/api/v1/auth/login", json={"email": user.email, "password": "guess guess 1"})
            assert r.status_code == 401
        assert (await attacker.post("/api/v1/auth/login", json=right)).status_code == 429
        r = await owner.post("/api/v1/auth/login", json=right)
        assert r.status_code == 200, r.text
        assert r.json()["account_id"] == user.account_id
        # the owner's success forgives only the owner's address
        assert (await attacker.post("/api/v1/auth/login", json=right)).status_code == 429


async def test_a_forged_forwarded_for_does_not_escape_the_throttle(stack: Stack) -> None:
    """No proxy is trusted by default: a client that names another address in each request's
    X-Forwarded-For is still one client (uvicorn alone believes it from 127.0.0.1)."""
    async with stack.client() as c:
        user = await signup(stack, c)
    async with client_from(stack, "127.0.0.1") as c:
        for i in range(PAIR_POLICY.free_failures + 1):
            forged = {"X-Forwarded-For": f"203.0.113.{i + 1}"}
            r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": "guess"}, headers=forged)
            assert r.status_code == 401
        forged = {"X-Forwarded-For": "198.51.100.77"}
        r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password}, headers=forged)
        assert r.status_code == 429, r.text


async def test_the_global_account_limit_applies_and_an_operator_unlocks(stack: Stack) -> None:
    """Many addresses' failures against one account (injected into the throttle table, as a botnet
    would leave them) throttle it from every address, until ``ql admin unlock EMAIL``."""
    async with stack.client() as c:
        user = await signup(stack, c)
    pool = await make_pool(stack.settings.database_url, stack.settings.schema("gateway"), max_size=2)
    try:
        store = PgThrottleStore(pool)
        now = time.time()
        for _ in range(ACCOUNT_POLICY.free_failures + 1):
            await store.record_failure(email_key(user.email), now, ACCOUNT_POLICY.window)
    finally:
        await pool.close()
    right = {"email": user.email, "password": user.password}
    async with client_from(stack, "127.0.0.7") as owner:
        r = await owner.post("/api/v1/auth/login", json=right)
        assert r.status_code == 429, r.text
        assert r.json()["type"].endswith("/login-throttled")
        out = await asyncio.to_thread(ql, stack, "admin", "unlock", user.email.upper())
        assert out.exit_code == 0, out.output
        assert f"{user.email}: login unlocked (1 throttle counts cleared)" in out.output.splitlines()
        assert (await owner.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_unknown_addresses_fail_like_known_ones(stack: Stack) -> None:
    async with client_from(stack, "127.0.0.4") as c:
        r = await c.post(
            "/api/v1/auth/login",
            json={"email": f"nobody-{uuid.uuid4().hex[:8]}@lab.example", "password": "whatever it is"},
        )
        assert r.status_code == 401 and r.json()["type"].endswith("/invalid-credentials")


@pytest.fixture
async def pg_store(stack: Stack) -> AsyncIterator[Callable[[], ThrottleStore]]:
    pool = await make_pool(stack.settings.database_url, stack.settings.schema("gateway"), max_size=8)
    await ensure_throttle_table(pool)

    def make() -> ThrottleStore:
        return _Namespaced(PgThrottleStore(pool), uuid.uuid4().hex)

    try:
        yield make
    finally:
        await pool.close()


class _Namespaced:
    """Each contract run on its own keys, so runs never see each other's rows."""

    def __init__(self, store: PgThrottleStore, prefix: str) -> None:
        self.store, self.prefix = store, prefix

    async def get(self, key: str) -> FailureRecord | None:
        return await self.store.get(self.prefix + key)

    async def record_failure(self, key: str, now: float, window: float) -> FailureRecord:
        return await self.store.record_failure(self.prefix + key, now, window)

    async def clear(self, key: str) -> None:
        await self.store.clear(self.prefix + key)

    async def clear_prefix(self, prefix: str) -> int:
        return await self.store.clear_prefix(self.prefix + prefix)


async def test_pg_store_meets_the_store_contract(pg_store: Callable[[], ThrottleStore]) -> None:
    await contract.test_store_contract(pg_store)
    await contract.test_store_counts_concurrent_failures_exactly(pg_store)
