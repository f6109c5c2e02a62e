"""The gateway's badge cache and the card service's change feed, with a fake card service."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from qlcore import rpc
from qlcore.config import load_settings
from qlcore.errors import Unavailable

from services.card.adapters.changes import ALL, ChangeFeed
from services.gateway.routes import badges
from services.gateway.routes.badges import BadgeCache


class FakeCardService:
    """Answers ``cards.badge`` with a body naming how many times it was asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self, nc: Any, settings: Any, service: str, op: str, body: Any, *a: Any, **kw: Any) -> Any:
        assert (service, op) == ("card", "cards.badge")
        self.calls += 1
        n = self.calls
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise Unavailable("card service down")
        return rpc.RpcReply(200, f"badge {body['slug']} #{n}".encode(), "image/svg+xml", {"ETag": f'"{n}"'})


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeCardService:
    fake = FakeCardService()
    monkeypatch.setattr(badges.rpc, "call", fake)
    return fake


def _cache() -> BadgeCache:
    cache = BadgeCache(SimpleNamespace(settings=load_settings(env={}), nc=None))  # type: ignore[arg-type]
    cache._subscribed = True  # no NATS here
    return cache


async def test_hits_concurrent_misses_and_invalidation(service: FakeCardService) -> None:
    cache = _cache()
    service.gate = asyncio.Event()
    waiting = [asyncio.create_task(cache.get("a", "fidelity.svg")) for _ in range(20)]
    await asyncio.sleep(0)
    service.gate.set()
    entries = await asyncio.gather(*waiting)
    assert service.calls == 1 and {e.body for e in entries} == {b"badge a #1"}  # one fetch for 20 misses
    assert (await cache.get("a", "fidelity.svg")).etag == '"1"' and service.calls == 1
    await cache.get("b", "fidelity.svg")
    cache.invalidate("a")
    assert (await cache.get("a", "fidelity.svg")).body == b"badge a #3"
    assert (await cache.get("b", "fidelity.svg")).body == b"badge b #2"  # untouched
    cache.invalidate(ALL)
    assert (await cache.get("b", "fidelity.svg")).body == b"badge b #4"


async def test_a_fetch_overtaken_by_a_change_is_not_cached(service: FakeCardService) -> None:
    cache = _cache()
    service.gate = asyncio.Event()
    first = asyncio.create_task(cache.get("a", "reproduced.json"))
    await asyncio.sleep(0)
    cache.invalidate("a")  # the card changed while the old state was being read
    service.gate.set()
    assert (await first).body == b"badge a #1"
    assert (await cache.get("a", "reproduced.json")).body == b"badge a #2"


async def test_expired_entries_are_served_while_refreshing_and_errors_are_not_cached(
    service: FakeCardService, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _cache()
    await cache.get("a", "backend.svg")
    monkeypatch.setattr(badges, "TTL", -1.0)  # every entry made from now on is already expired
    cache.invalidate("a")
    stale = await cache.get("a", "backend.svg")
    assert stale.body == b"badge a #2"
    service.fail = True
    assert (await cache.get("a", "backend.svg")).body == b"badge a #2"  # stale, refresh failing behind it
    await asyncio.gather(*cache.fetches)
    cache.invalidate("a")
    with pytest.raises(Unavailable):
        await cache.get("a", "backend.svg")


def test_change_feed_releases_only_committed_notes() -> None:
    feed = ChangeFeed()
    feed.note(5, "a")
    feed.note(7, "b")
    feed.note(7, "a")
    assert feed.highest == 7
    assert feed.take(6) == ["a"] and feed.take(6) == []
    assert feed.take(7) == ["a", "b"] and feed.highest == 0
    feed.note(9, ALL)
    feed.note(9, "c")
    assert feed.take(9) == [ALL]
