"""The reply cache: one computation per read-model position and query; errors never cached."""

from __future__ import annotations

from qlcore.http_cache import strong_etag as etag_of
from qlcore.rpc import RpcReply

from services.leaderboard.reply_cache import CACHE_CONTROL, ReplyCache


async def test_a_reply_is_computed_once_per_position() -> None:
    cache = ReplyCache()
    calls: list[int] = []

    async def compute() -> RpcReply:
        calls.append(1)
        return RpcReply(200, f"v{len(calls)}".encode())

    first = await cache.get(5, "q", compute)
    again = await cache.get(5, "q", compute)
    moved = await cache.get(6, "q", compute)
    assert first is again and len(calls) == 2 and moved.body == b"v2"
    assert first.headers == {"ETag": etag_of(b"v1"), "Cache-Control": CACHE_CONTROL}
    assert etag_of(b"v1") != etag_of(b"v2") and etag_of(b"v1").startswith('"')
    assert (cache.hits, cache.misses) == (1, 2)


async def test_errors_are_not_cached_and_the_map_is_bounded() -> None:
    cache = ReplyCache(max_entries=2)
    n = 0

    async def failing() -> RpcReply:
        nonlocal n
        n += 1
        return RpcReply(404, b"{}")

    await cache.get(1, "missing", failing)
    await cache.get(1, "missing", failing)
    assert n == 2

    async def ok() -> RpcReply:
        return RpcReply(200, b"x")

    for key in ("a", "b", "c"):
        await cache.get(1, key, ok)
    assert len(cache._entries) == 2
