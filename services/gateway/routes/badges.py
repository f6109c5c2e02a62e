"""``GET /badge/{slug}/{type}.svg|.json``: the hot path, answered from a cache in the gateway.

READMEs, papers and CDNs fetch badges far more often than anything else, anonymously. The
card service renders a badge once (body + strong ETag); every gateway process keeps it keyed
by (slug, file) and answers 200s and 304s without a hop to NATS, through a raw ASGI handler
(no litestar request parsing). Freshness:

* the card service broadcasts ``{ns}.card.changed`` (a slug, or ``*``) once a change to a card
  is committed to its read model; the cache drops those entries;
* the card routes of this gateway drop the slug themselves when a command returns, so the
  caller's next badge request already shows the change (read-your-writes, no broadcast race);
* entries also expire after :data:`TTL` seconds, bounding staleness when a broadcast is lost
  (an expired entry is still answered while its refresh is under way, so no request waits).

A generation counter, bumped by every invalidation, keeps a fetch that started before a
change from caching what it read. Concurrent misses for one badge share one fetch.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from litestar import asgi
from litestar.types import HTTPResponseStartEvent, Receive, Scope, Send
from qlcore import rpc
from qlcore.config import ALL_CARDS as ALL
from qlcore.errors import MethodNotAllowed, NotFound, QLError
from qlcore.http_cache import if_none_match

from services.gateway.deps import Gateway

__all__ = ["TTL", "BadgeCache", "badge_cache", "badge_route"]

TTL = 10.0
MAX_ENTRIES = 50_000
_PATH = re.compile(rb"^/badge/([a-z0-9-]{1,80})/([a-z]{1,32}\.(?:svg|json))$")
_PASSED = ("etag", "cache-control", "access-control-allow-origin", "x-content-type-options", "content-security-policy")


@dataclass(frozen=True)
class Entry:
    status: int
    body: bytes
    etag: str | None
    headers: list[tuple[bytes, bytes]]  # of a full answer
    conditional: list[tuple[bytes, bytes]]  # of a 304
    expires: float


def _entry(reply: rpc.RpcReply, now: float) -> Entry:
    passed = [(k.lower().encode(), v.encode()) for k, v in reply.headers.items() if k.lower() in _PASSED]
    ctype = (b"content-type", reply.content_type.encode())
    length = (b"content-length", str(len(reply.body)).encode())
    return Entry(reply.status, reply.body, reply.headers.get("ETag"), [ctype, length, *passed], passed, now + TTL)


@dataclass
class BadgeCache:
    gw: Gateway
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    inflight: dict[tuple[str, str], asyncio.Future[Entry | QLError]] = field(default_factory=dict)
    generation: int = 0
    fetches: set[asyncio.Task[None]] = field(default_factory=set)
    _subscribed: bool = False

    async def subscribe(self) -> None:
        """Listen for the card service's change notices (once per process)."""
        if self._subscribed:
            return
        self._subscribed = True

        async def on_change(msg: Any) -> None:
            self.invalidate(msg.data.decode())

        await self.gw.nc.subscribe(self.gw.settings.card_changed_subject, cb=on_change)

    def invalidate(self, slug: str) -> None:
        self.generation += 1
        if slug == ALL:
            self.entries.clear()
            self.inflight.clear()
            return
        for key in [k for k in self.entries if k[0] == slug]:
            del self.entries[key]
        for key in [k for k in self.inflight if k[0] == slug]:
            del self.inflight[key]

    async def get(self, slug: str, file: str) -> Entry:
        key = (slug, file)
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry.expires > now:
            return entry
        pending = self.inflight.get(key)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self.inflight[key] = pending
            task = asyncio.create_task(self._fetch(key, pending, self.generation))
            self.fetches.add(task)
            task.add_done_callback(self.fetches.discard)
        if entry is not None:
            return entry  # expired by age only (a known change deletes it): served while it refreshes
        result = await asyncio.shield(pending)
        if isinstance(result, QLError):
            raise result
        return result

    async def _fetch(self, key: tuple[str, str], done: asyncio.Future[Entry | QLError], generation: int) -> None:
        """Fetch one badge; cached only if no invalidation happened since the request for it."""
        try:
            await self.subscribe()
            reply = await rpc.call(
                self.gw.nc, self.gw.settings, "card", "cards.badge", {"slug": key[0], "badge": key[1]}, timeout=5.0
            )
            entry = _entry(reply, time.monotonic())
            if reply.status < 500 and generation == self.generation:
                if len(self.entries) >= MAX_ENTRIES:
                    for old in list(self.entries)[: MAX_ENTRIES // 10]:
                        del self.entries[old]
                self.entries[key] = entry
            done.set_result(entry)
        except QLError as err:
            done.set_result(err)
        except Exception as exc:
            done.set_result(QLError(f"badge fetch failed: {exc!r}"))
        finally:
            if self.inflight.get(key) is done:
                del self.inflight[key]


def badge_cache(app_state: Any) -> BadgeCache:
    """The process's badge cache (created on first use, kept on the app state)."""
    cache = getattr(app_state, "card_badges", None)
    if cache is None:
        cache = BadgeCache(app_state.gw)
        app_state.card_badges = cache
    return cache  # type: ignore[no-any-return]


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _problem(send: Send, err: QLError, path: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = orjson.dumps(err.problem(instance=path))
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await _answer(send, err.status, headers + (extra or []), body)


@asgi("/badge", is_mount=True, copy_scope=True)
async def badge_route(scope: Scope, receive: Receive, send: Send) -> None:
    """Badges: no auth, no cookies, strong ETag, ``Cache-Control: public``, 304 on If-None-Match."""
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.decode("latin-1")
    method = scope["method"]  # type: ignore[typeddict-item]  # mounted for HTTP only
    if method not in ("GET", "HEAD"):
        await _problem(send, MethodNotAllowed("badges are read with GET or HEAD"), path, [(b"allow", b"GET, HEAD")])
        return
    match = _PATH.match(raw)
    if match is None:
        await _problem(send, NotFound("a badge is /badge/{slug}/{type}.svg or .json"), path)
        return
    try:
        entry = await badge_cache(scope["litestar_app"].state).get(match[1].decode(), match[2].decode())
    except QLError as err:
        await _problem(send, err, path)
        return
    if entry.etag is not None and entry.status == 200:
        inm = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        if inm is not None and if_none_match(inm.decode("latin-1"), entry.etag):
            await _answer(send, 304, entry.conditional, b"")
            return
    await _answer(send, entry.status, entry.headers, b"" if method == "HEAD" else entry.body)
