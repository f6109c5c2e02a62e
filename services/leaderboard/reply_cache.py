"""Replies cached per read-model position (a dependency of the handlers, built once in ``bootstrap``).

The read model changes only when the projection applies an event, so a reply computed at
checkpoint *n* is valid until the checkpoint moves. Keying the cache by the checkpoint makes
invalidation exact (no TTL, no stale reads) and costs one in-memory read on the projection
leader, one ``SELECT`` on a stand-by instance. Leaderboard and trend queries have few distinct
parameter sets, so a small bounded map holds the hot ones. Every cached 200 carries a strong
ETag (:func:`qlcore.http_cache.strong_etag`), which the gateway answers ``If-None-Match`` with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable

from qlcore.http_cache import strong_etag
from qlcore.rpc import RpcReply

__all__ = ["CACHE_CONTROL", "ReplyCache"]

CACHE_CONTROL = "public, max-age=60"


class ReplyCache:
    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._position = -1
        self._entries: dict[Hashable, RpcReply] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, position: int, key: Hashable, compute: Callable[[], Awaitable[RpcReply]]) -> RpcReply:
        """The reply for ``key`` at read-model ``position``, computed once per position; a reply
        other than a 200 (a problem) is computed again each time, never cached."""
        if position != self._position:
            self._entries.clear()
            self._position = position
        reply = self._entries.get(key)
        if reply is not None:
            self.hits += 1
            return reply
        self.misses += 1
        reply = await compute()
        if reply.status == 200:
            reply.headers = {**reply.headers, "ETag": strong_etag(reply.body), "Cache-Control": CACHE_CONTROL}
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            if position == self._position:
                self._entries[key] = reply
        return reply
