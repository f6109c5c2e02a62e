"""Replies cached per read-model position.

The read model changes only when the projection applies an event, so a reply computed at
checkpoint *n* is valid until the checkpoint moves. Keying the cache by the checkpoint makes
invalidation exact (no TTL, no stale reads) and costs one in-memory read on the projection
leader, one ``SELECT`` on a stand-by instance. Leaderboard and trend queries have few distinct
parameter sets, so a small bounded map holds the hot ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable

import blake3
from qlcore.rpc import RpcReply

__all__ = ["CACHE_CONTROL", "ReplyCache", "etag_of"]

CACHE_CONTROL = "public, max-age=60"


def etag_of(body: bytes) -> str:
    return '"' + blake3.blake3(body).hexdigest(length=16) + '"'


class ReplyCache:
    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._position = -1
        self._entries: dict[Hashable, RpcReply] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, position: int, key: Hashable, compute: Callable[[], Awaitable[RpcReply]]) -> RpcReply:
        """The reply for ``key`` at read-model ``position``, computed once per position."""
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
            reply.headers = {**reply.headers, "ETag": etag_of(reply.body), "Cache-Control": CACHE_CONTROL}
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            if position == self._position:
                self._entries[key] = reply
        return reply
