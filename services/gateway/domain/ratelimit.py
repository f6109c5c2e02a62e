"""Login throttling: exponential backoff per (account, client address), per client address, and a
slower global limit per account.

Three counts of failed logins, each under its own key:

* ``email:<address>|ip:<client>`` (:data:`PAIR_POLICY`): one client guessing one account's
  password. This is the tight one (5 free failures); it blocks only that client for that account,
  so an attacker cannot lock the owner out from elsewhere (issue 11: six wrong passwords from one
  address used to lock the owner out from every address).
* ``ip:<client>`` (:data:`CLIENT_POLICY`): one client guessing many accounts (20 free failures: a
  lab behind one NAT shares an address).
* ``email:<address>`` (:data:`ACCOUNT_POLICY`): every client together against one account, the
  distributed guesser. Slower to start (50 free failures an hour) and capped lower, it still
  stops a botnet; an owner caught by it is unlocked by an operator (``ql admin unlock EMAIL``,
  ``docs/operations.md``) or by waiting for the window to pass.

The first ``free_failures`` of a key cost nothing; each one after that doubles the wait before the
next attempt (``base_delay``, 2x, 4x... capped at ``max_delay``). A count resets once ``window``
seconds pass without a failure, so a slow, patient guesser keeps its count while a person who
mistyped twice last week starts afresh.

Every key must be clear to attempt a login. A success clears that client's count for the account
only: not the client's own count (an attacker holding one valid account could otherwise reset its
IP counter between guesses at others) nor the account's global one (a distributed guesser is not
forgiven because the owner logged in). Unknown addresses are counted like known ones, so
throttling does not reveal which addresses have accounts.

The logic is pure over an async :class:`ThrottleStore` with an injectable clock. Throttle
state is operational, not domain state: it is not an event in the run log (replaying would
re-lock accounts) and lives in the gateway's own table.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable
from typing import Protocol

import msgspec

from services.gateway.domain.errors import LoginThrottled

__all__ = [
    "ACCOUNT_POLICY",
    "CLIENT_POLICY",
    "PAIR_POLICY",
    "FailureRecord",
    "InMemoryThrottleStore",
    "LoginThrottle",
    "ThrottlePolicy",
    "ThrottleStore",
    "account_client_key",
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


# One client against one account: the tight limit, which locks out no one else.
PAIR_POLICY = ThrottlePolicy(free_failures=5, window=900.0)
# A lab behind one NAT shares an address: allow more before slowing the whole lab down.
CLIENT_POLICY = ThrottlePolicy(free_failures=20, window=900.0)
# Every client against one account: starts late and waits at most 5 minutes between attempts.
ACCOUNT_POLICY = ThrottlePolicy(free_failures=50, window=3600.0, max_delay=300.0)


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


def account_client_key(email: str, address: str) -> str:
    """The key of one client's failures against one account (starts with :func:`email_key` + ``|``)."""
    return f"{email_key(email)}|{client_key(address)}"


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

    async def clear_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix``; return how many there were."""
        ...


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

    async def clear_prefix(self, prefix: str) -> int:
        gone = [k for k in self._records if k.startswith(prefix)]
        for k in gone:
            del self._records[k]
        return len(gone)


class LoginThrottle:
    def __init__(
        self,
        store: ThrottleStore,
        *,
        clock: Callable[[], float] = time.time,
        per_pair: ThrottlePolicy = PAIR_POLICY,
        per_client: ThrottlePolicy = CLIENT_POLICY,
        per_account: ThrottlePolicy = ACCOUNT_POLICY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.per_pair = per_pair
        self.per_client = per_client
        self.per_account = per_account

    def _keys(self, email: str, client_ip: str) -> tuple[tuple[str, ThrottlePolicy], ...]:
        return (
            (account_client_key(email, client_ip), self.per_pair),
            (client_key(client_ip), self.per_client),
            (email_key(email), self.per_account),
        )

    async def retry_after(self, email: str, client_ip: str) -> float:
        """Seconds until a login for ``email`` from ``client_ip`` may be attempted (0: now)."""
        now = self.clock()
        waits = [retry_after(await self.store.get(k), policy, now) for k, policy in self._keys(email, client_ip)]
        return max(waits)

    async def ensure_allowed(self, email: str, client_ip: str) -> None:
        """Raise :class:`LoginThrottled` (429, ``retry_after``) before checking any password."""
        wait = await self.retry_after(email, client_ip)
        if wait > 0:
            raise LoginThrottled(wait)

    async def record_failure(self, email: str, client_ip: str) -> float:
        """Count a failed login under each key; return the wait it imposes on the next attempt."""
        now = self.clock()
        waits = [
            retry_after(await self.store.record_failure(k, now, policy.window), policy, now)
            for k, policy in self._keys(email, client_ip)
        ]
        return max(waits)

    async def record_success(self, email: str, client_ip: str) -> None:
        await self.store.clear(account_client_key(email, client_ip))

    async def unlock(self, email: str) -> int:
        """The operator's unlock: forget every count against ``email`` (from every client and the
        global one; a client's own count across accounts stays). Returns how many were cleared."""
        key = email_key(email)
        cleared = await self.store.clear_prefix(key + "|")
        had_global = await self.store.get(key) is not None
        await self.store.clear(key)
        return cleared + int(had_global)
