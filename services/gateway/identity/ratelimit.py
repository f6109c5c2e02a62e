"""Login throttling: exponential backoff per email address and per client address.

Each key (``email:<address>``, ``ip:<address>``) counts failed logins. The first
``free_failures`` cost nothing; each one after that doubles the wait before the next attempt
(``base_delay``, 2x, 4x... capped at ``max_delay``). The count resets once ``window`` seconds
pass without a failure, so a slow, patient guesser keeps its count while a person who
mistyped twice last week starts afresh.

Both keys must be clear to attempt a login. A success clears the address's count but not the
client's: otherwise an attacker holding one valid account could reset its own IP counter
between guesses at others. Unknown addresses are counted like known ones, so throttling does
not reveal which addresses have accounts.

The logic is pure over an async :class:`ThrottleStore` with an injectable clock. Throttle
state is operational, not domain state: it is not an event in the run log (replaying would
re-lock accounts) and lives in the gateway's own table (phase 2).
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable
from typing import Protocol

import msgspec

from services.gateway.identity.errors import LoginThrottled

__all__ = [
    "CLIENT_POLICY",
    "EMAIL_POLICY",
    "FailureRecord",
    "InMemoryThrottleStore",
    "LoginThrottle",
    "ThrottlePolicy",
    "ThrottleStore",
    "client_key",
    "delay_for",
    "email_key",
    "next_record",
    "retry_after",
]


class ThrottlePolicy(msgspec.Struct, frozen=True, kw_only=True):
    free_failures: int
    window: float
    base_delay: float = 1.0
    max_delay: float = 900.0


EMAIL_POLICY = ThrottlePolicy(free_failures=5, window=900.0)
# A lab behind one NAT shares an address: allow more before slowing the whole lab down.
CLIENT_POLICY = ThrottlePolicy(free_failures=20, window=900.0)


class FailureRecord(msgspec.Struct, frozen=True):
    failures: int
    last_failure: float


def next_record(prev: FailureRecord | None, now: float, window: float) -> FailureRecord:
    """The record after one more failure at ``now`` (a stale record starts over)."""
    if prev is None or now - prev.last_failure >= window:
        return FailureRecord(failures=1, last_failure=now)
    return FailureRecord(failures=prev.failures + 1, last_failure=now)


def delay_for(failures: int, policy: ThrottlePolicy) -> float:
    """Seconds to wait after the ``failures``-th failure."""
    excess = failures - policy.free_failures
    if excess <= 0:
        return 0.0
    return min(policy.base_delay * 2.0 ** min(excess - 1, 64), policy.max_delay)


def retry_after(record: FailureRecord | None, policy: ThrottlePolicy, now: float) -> float:
    """Seconds from ``now`` until the next attempt is allowed (0 when it is allowed now)."""
    if record is None or now - record.last_failure >= policy.window:
        return 0.0
    return max(0.0, record.last_failure + delay_for(record.failures, policy) - now)


def email_key(email: str) -> str:
    return "email:" + email.strip().casefold()


def client_key(address: str) -> str:
    """IPv4 per address; IPv6 per /64, the block one host or home line usually holds."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "ip:" + address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"ip:{ip.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"ip:{ip}"


class ThrottleStore(Protocol):
    """Where failure counts live. ``record_failure`` must be atomic per key (an upsert applying
    :func:`next_record`), since concurrent failed logins race on the same key."""

    async def get(self, key: str) -> FailureRecord | None: ...

    async def record_failure(self, key: str, now: float, window: float) -> FailureRecord: ...

    async def clear(self, key: str) -> None: ...


class InMemoryThrottleStore:
    """A single-process store for unit tests and the contract suite."""

    def __init__(self) -> None:
        self._records: dict[str, FailureRecord] = {}
        self._lock = asyncio.Lock()

    async def get(self, key: str) -> FailureRecord | None:
        return self._records.get(key)

    async def record_failure(self, key: str, now: float, window: float) -> FailureRecord:
        async with self._lock:
            record = next_record(self._records.get(key), now, window)
            self._records[key] = record
            return record

    async def clear(self, key: str) -> None:
        self._records.pop(key, None)


class LoginThrottle:
    def __init__(
        self,
        store: ThrottleStore,
        *,
        clock: Callable[[], float] = time.time,
        per_email: ThrottlePolicy = EMAIL_POLICY,
        per_client: ThrottlePolicy = CLIENT_POLICY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.per_email = per_email
        self.per_client = per_client

    async def retry_after(self, email: str, client_ip: str) -> float:
        """Seconds until a login for ``email`` from ``client_ip`` may be attempted (0: now)."""
        now = self.clock()
        by_email = retry_after(await self.store.get(email_key(email)), self.per_email, now)
        by_client = retry_after(await self.store.get(client_key(client_ip)), self.per_client, now)
        return max(by_email, by_client)

    async def ensure_allowed(self, email: str, client_ip: str) -> None:
        """Raise :class:`LoginThrottled` (429, ``retry_after``) before checking any password."""
        wait = await self.retry_after(email, client_ip)
        if wait > 0:
            raise LoginThrottled(wait)

    async def record_failure(self, email: str, client_ip: str) -> float:
        """Count a failed login; return the wait it imposes on the next attempt."""
        now = self.clock()
        by_email = await self.store.record_failure(email_key(email), now, self.per_email.window)
        by_client = await self.store.record_failure(client_key(client_ip), now, self.per_client.window)
        return max(retry_after(by_email, self.per_email, now), retry_after(by_client, self.per_client, now))

    async def record_success(self, email: str, client_ip: str) -> None:
        await self.store.clear(email_key(email))
