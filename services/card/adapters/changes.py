"""Telling gateways which cards changed, so their badge caches drop stale entries at once.

The projection notes ``(seq, slug)`` while it applies an event (``"*"`` for a change that
touches many cards, such as a workspace's attestation). Notes are published on
``Settings.card_changed_subject`` only once the projection's position has passed their sequence,
that is after the transaction holding the change committed: a gateway that refetches on the
notice always sees the new state. A note from a batch that was rolled back and re-applied is
published twice, which is harmless (an invalidation is idempotent). Core NATS may lose a
notice; the gateway's cache TTL bounds the staleness then.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import structlog
from qlcore.config import ALL_CARDS

if TYPE_CHECKING:
    from services.card.bootstrap import Deps

__all__ = ["ALL", "ChangeFeed", "broadcast_changes"]

ALL = ALL_CARDS
MAX_PENDING = 10_000

log = structlog.get_logger("card.changes")


class ChangeFeed:
    """Pending change notes of one projection instance."""

    def __init__(self) -> None:
        self._pending: list[tuple[int, str]] = []
        self._noted = asyncio.Event()

    def note(self, seq: int, slug: str) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._pending = [(max(seq, self._pending[-1][0]), ALL)]
        else:
            self._pending.append((seq, slug))
        self._noted.set()

    @property
    def highest(self) -> int:
        return max((seq for seq, _ in self._pending), default=0)

    def take(self, position: int) -> list[str]:
        """The distinct slugs noted at or below ``position`` (removed from the feed)."""
        ready = [slug for seq, slug in self._pending if seq <= position]
        self._pending = [(seq, slug) for seq, slug in self._pending if seq > position]
        if not self._pending:
            self._noted.clear()
        return [ALL] if ALL in ready else sorted(set(ready))

    async def wait(self, timeout: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._noted.wait(), timeout)
        return self._noted.is_set()


async def broadcast_changes(deps: Deps) -> None:
    """Service task: publish the notes of the projection once they are committed."""
    runner, feed = deps.rt.runner, deps.changes
    if runner is None or feed is None:
        return
    subject = deps.rt.settings.card_changed_subject
    while not deps.rt.stop.is_set():
        if not await feed.wait(0.5):
            continue
        with contextlib.suppress(TimeoutError):  # not yet committed: publish what is, wait again
            await runner.wait_for(feed.highest, timeout=1.0)
        for slug in feed.take(runner.position):
            await deps.rt.bus.nc.publish(subject, slug.encode())
        log.debug("card.changes_published", position=runner.position)
