from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from services.gateway.domain.errors import LoginThrottled
from services.gateway.domain.ratelimit import (
    FailureRecord,
    InMemoryThrottleStore,
    LoginThrottle,
    ThrottlePolicy,
    ThrottleStore,
    account_client_key,
    client_key,
    delay_for,
    email_key,
    next_record,
    retry_after,
)

POLICY = ThrottlePolicy(free_failures=3, window=600.0, base_delay=1.0, max_delay=60.0)


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_delay_doubles_after_the_free_failures_and_is_capped() -> None:
    assert [delay_for(n, POLICY) for n in range(1, 12)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert delay_for(10**6, POLICY) == 60


def test_next_record_counts_and_starts_over_after_a_quiet_window() -> None:
    r = next_record(None, 0.0, 600.0)
    r = next_record(r, 599.0, 600.0)
    assert r == FailureRecord(failures=2, last_failure=599.0)
    assert next_record(r, 1199.0, 600.0) == FailureRecord(failures=1, last_failure=1199.0)


def test_retry_after_counts_down() -> None:
    r = FailureRecord(failures=5, last_failure=100.0)  # 2 s delay
    assert retry_after(r, POLICY, 100.0) == 2.0
    assert retry_after(r, POLICY, 101.5) == 0.5
    assert retry_after(r, POLICY, 102.0) == 0.0
    assert retry_after(None, POLICY, 0.0) == 0.0


def test_keys_normalise_addresses() -> None:
    assert email_key("  Ada@Lab.Example ") == email_key("ada@lab.example")
    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1") == "ip:2001:db8::/64"
    assert client_key("2001:db8:0:1::1") != client_key("2001:db8::1")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "ip:192.0.2.7"
    assert client_key("not-an-ip") == "ip:not-an-ip"


ACCOUNT = ThrottlePolicy(free_failures=10, window=3600.0, base_delay=1.0, max_delay=30.0)


def throttle(clock: Clock, store: ThrottleStore | None = None) -> LoginThrottle:
    return LoginThrottle(
        store or InMemoryThrottleStore(),
        clock=clock,
        per_pair=POLICY,
        per_client=ThrottlePolicy(free_failures=6, window=600.0, base_delay=1.0, max_delay=60.0),
        per_account=ACCOUNT,
    )


async def test_backoff_per_account_and_client() -> None:
    clock = Clock()
    t = throttle(clock)
    waits = [await t.record_failure("ada@lab.example", "192.0.2.1") for _ in range(3)]
    assert waits == [0, 0, 0]
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    assert await t.record_failure("ada@lab.example", "192.0.2.1") == 1.0
    with pytest.raises(LoginThrottled) as info:
        await t.ensure_allowed("ADA@lab.example", "192.0.2.1")
    assert info.value.retry_after == 1 and info.value.status == 429
    assert info.value.problem()["retry_after"] == 1
    await t.ensure_allowed("bob@lab.example", "198.51.100.9")  # other addresses are not affected
    clock.t += 1.0
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    assert await t.record_failure("ada@lab.example", "192.0.2.1") == 2.0


async def test_an_attacker_cannot_lock_the_owner_out_from_elsewhere() -> None:
    """Issue 11: six wrong passwords from one address made the owner get 429 from any address."""
    clock = Clock()
    t = throttle(clock)
    for _ in range(6):
        await t.record_failure("ada@lab.example", "203.0.113.66")
    with pytest.raises(LoginThrottled):
        await t.ensure_allowed("ada@lab.example", "203.0.113.66")
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")  # the owner, from her own address
    await t.record_success("ada@lab.example", "192.0.2.1")
    with pytest.raises(LoginThrottled):  # and her success did not forgive the attacker
        await t.ensure_allowed("ada@lab.example", "203.0.113.66")


async def test_the_global_account_limit_still_applies() -> None:
    """Many clients, few failures each (under every per-client limit): the account's own count stops
    them, for every client, until its backoff passes."""
    clock = Clock()
    t = throttle(clock)
    for i in range(ACCOUNT.free_failures):
        assert await t.record_failure("ada@lab.example", f"198.51.100.{i}") == 0.0
    assert await t.record_failure("ada@lab.example", "198.51.100.200") == 1.0
    with pytest.raises(LoginThrottled):
        await t.ensure_allowed("ada@lab.example", "192.0.2.1")  # a fresh client too
    await t.ensure_allowed("bob@lab.example", "192.0.2.1")
    clock.t += 1.0
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    for i in range(5):
        await t.record_failure("ada@lab.example", f"198.51.100.{i}")
    assert await t.retry_after("ada@lab.example", "192.0.2.1") == ACCOUNT.max_delay  # capped


async def test_unlock_clears_every_count_against_the_account() -> None:
    clock = Clock()
    store = InMemoryThrottleStore()
    t = throttle(clock, store)
    for i in range(ACCOUNT.free_failures + 1):
        await t.record_failure("ada@lab.example", f"198.51.100.{i % 3}")
    await t.record_failure("adam@lab.example", "198.51.100.0")  # a neighbour by prefix
    with pytest.raises(LoginThrottled):
        await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    assert await t.unlock("ADA@lab.example") == 4  # three clients' counts and the global one
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    await t.ensure_allowed("ada@lab.example", "198.51.100.0")
    assert await store.get(account_client_key("adam@lab.example", "198.51.100.0")) is not None
    client = await store.get(client_key("198.51.100.0"))
    assert client is not None and client.failures == 5  # the clients' own counts stay
    assert await t.unlock("nobody@lab.example") == 0


async def test_quiet_window_resets_the_count() -> None:
    clock = Clock()
    t = throttle(clock)
    for _ in range(5):
        await t.record_failure("ada@lab.example", "192.0.2.1")
    assert await t.retry_after("ada@lab.example", "192.0.2.1") == 2.0
    clock.t += 600.0
    assert await t.retry_after("ada@lab.example", "192.0.2.1") == 0.0
    assert await t.record_failure("ada@lab.example", "192.0.2.1") == 0.0


async def test_one_client_guessing_many_addresses_is_slowed() -> None:
    clock = Clock()
    t = throttle(clock)
    for i in range(6):
        assert await t.record_failure(f"user{i}@lab.example", "192.0.2.66") == 0.0
    assert await t.record_failure("user7@lab.example", "192.0.2.66") == 1.0
    with pytest.raises(LoginThrottled):
        await t.ensure_allowed("fresh@lab.example", "192.0.2.66")
    await t.ensure_allowed("fresh@lab.example", "192.0.2.67")


async def test_success_clears_the_address_but_not_the_client() -> None:
    clock = Clock()
    store = InMemoryThrottleStore()
    t = throttle(clock, store)
    for _ in range(4):
        await t.record_failure("ada@lab.example", "192.0.2.1")
    clock.t += 1.0
    await t.record_success("ada@lab.example", "192.0.2.1")
    assert await store.get(account_client_key("ada@lab.example", "192.0.2.1")) is None
    client = await store.get(client_key("192.0.2.1"))
    assert client is not None and client.failures == 4
    account = await store.get(email_key("ada@lab.example"))
    assert account is not None and account.failures == 4


STORES: list[Callable[[], ThrottleStore]] = [InMemoryThrottleStore]


@pytest.mark.parametrize("make_store", STORES)
async def test_store_contract(make_store: Callable[[], ThrottleStore]) -> None:
    store = make_store()
    assert await store.get("k") is None
    assert await store.record_failure("k", 10.0, 60.0) == FailureRecord(1, 10.0)
    assert await store.record_failure("k", 20.0, 60.0) == FailureRecord(2, 20.0)
    assert await store.get("k") == FailureRecord(2, 20.0)
    assert await store.record_failure("k", 80.0, 60.0) == FailureRecord(1, 80.0)
    await store.clear("k")
    await store.clear("never-set")
    assert await store.get("k") is None
    for key in ("email:a@x.example|ip:1", "email:a@x.example|ip:2", "email:a@x.example", "email:a_@x.example|ip:1"):
        await store.record_failure(key, 10.0, 60.0)
    assert await store.clear_prefix("email:a@x.example|") == 2
    assert await store.get("email:a@x.example") is not None and await store.get("email:a_@x.example|ip:1")
    assert await store.clear_prefix("email:%") == 0  # a prefix, not a pattern


@pytest.mark.parametrize("make_store", STORES)
async def test_store_counts_concurrent_failures_exactly(make_store: Callable[[], ThrottleStore]) -> None:
    store = make_store()
    await asyncio.gather(*(store.record_failure("k", 1.0, 60.0) for _ in range(50)))
    assert await store.get("k") == FailureRecord(50, 1.0)
