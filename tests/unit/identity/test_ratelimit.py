from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from services.gateway.identity.errors import LoginThrottled
from services.gateway.identity.ratelimit import (
    FailureRecord,
    InMemoryThrottleStore,
    LoginThrottle,
    ThrottlePolicy,
    ThrottleStore,
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


def throttle(clock: Clock, store: ThrottleStore | None = None) -> LoginThrottle:
    return LoginThrottle(
        store or InMemoryThrottleStore(),
        clock=clock,
        per_email=POLICY,
        per_client=ThrottlePolicy(free_failures=6, window=600.0, base_delay=1.0, max_delay=60.0),
    )


async def test_backoff_per_email() -> None:
    clock = Clock()
    t = throttle(clock)
    waits = [await t.record_failure("ada@lab.example", "192.0.2.1") for _ in range(3)]
    assert waits == [0, 0, 0]
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    assert await t.record_failure("ada@lab.example", "192.0.2.1") == 1.0
    with pytest.raises(LoginThrottled) as info:
        await t.ensure_allowed("ADA@lab.example", "198.51.100.9")  # another client, same address
    assert info.value.retry_after == 1 and info.value.status == 429
    assert info.value.problem()["retry_after"] == 1
    await t.ensure_allowed("bob@lab.example", "198.51.100.9")  # other addresses are not affected
    clock.t += 1.0
    await t.ensure_allowed("ada@lab.example", "192.0.2.1")
    assert await t.record_failure("ada@lab.example", "192.0.2.1") == 2.0


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
    assert await store.get(email_key("ada@lab.example")) is None
    client = await store.get(client_key("192.0.2.1"))
    assert client is not None and client.failures == 4


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


@pytest.mark.parametrize("make_store", STORES)
async def test_store_counts_concurrent_failures_exactly(make_store: Callable[[], ThrottleStore]) -> None:
    store = make_store()
    await asyncio.gather(*(store.record_failure("k", 1.0, 60.0) for _ in range(50)))
    assert await store.get("k") == FailureRecord(50, 1.0)
