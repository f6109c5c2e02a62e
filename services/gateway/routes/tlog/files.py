"""``/log/checkpoint`` and ``/log/tile/...``: the transparency log as C2SP static files.

The paths, media types and caching of c2sp.org/tlog-tiles, so that tools written for other
logs (Go's ``sumdb/tlog``, witnesses, monitors) read ours:

* ``/log/checkpoint``: the latest signed checkpoint with its cosignatures, ``text/plain;
  charset=utf-8``, ``Cache-Control: no-cache`` (mutable: revalidated every time, 304 when
  unchanged). This process reuses an answer for :data:`CHECKPOINT_TTL` (a quarter of a second,
  well within the "few seconds" the specification allows; checkpoints come once a second);
* ``/log/tile/<L>/<N>[.p/<W>]`` and ``/log/tile/entries/<N>[.p/<W>]``: hash tiles and entry
  bundles, ``application/octet-stream``. A full tile never changes: ``Cache-Control: public,
  max-age=31536000, immutable``. A partial tile is short-lived for HTTP caches (the specification
  lets a log drop it once the full tile exists), but its bytes never change either: this process
  keeps both kinds (:class:`TileCache`), so they are answered without a hop to NATS.

Served by a raw ASGI handler (no litestar request parsing), like badges: these are the hot
path of every client that verifies. Public and anonymous: ``Access-Control-Allow-Origin: *``
so a reader's browser can fetch them from any page. A malformed tile path is a 400, a tile
beyond the latest checkpoint a 404, both problem+json; never a 500.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from litestar import asgi
from litestar.types import HTTPResponseStartEvent, Receive, Scope, Send
from qlcore import rpc
from qlcore.errors import BadRequest, MethodNotAllowed, NotFound, QLError
from qlcore.http_cache import if_none_match
from qlprov.tlog.merkle import MerkleError
from qlprov.tlog.tiles import Tile, parse_tile_path

from services.gateway.deps import Gateway

__all__ = ["CORS", "FULL_TILE_CACHE", "PARTIAL_TILE_CACHE", "Answered", "TileCache", "fetch", "log_files", "tile_cache"]

SERVICE = "tlog"
FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"
CHECKPOINT_CACHE = "no-cache"
CHECKPOINT_TTL = 0.25
MAX_PATH = 200
CORS = [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"ETag")]
NOSNIFF = (b"x-content-type-options", b"nosniff")


@dataclass
class TileCache:
    """Tiles and entry bundles by path (immutable), at most ``limit`` of them (8 KiB at most each),
    and the checkpoint for :data:`CHECKPOINT_TTL` seconds."""

    limit: int = 4096
    entries: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    checkpoint: tuple[float, bytes, str] | None = None
    refreshing: asyncio.Lock = field(default_factory=asyncio.Lock)  # one fetch when the checkpoint expires

    def get(self, path: str) -> tuple[bytes, str] | None:
        return self.entries.get(path)

    def put(self, path: str, body: bytes, etag: str) -> None:
        if len(self.entries) >= self.limit:
            for old in list(self.entries)[: self.limit // 10]:
                del self.entries[old]
        self.entries[path] = (body, etag)


def tile_cache(app_state: Any) -> TileCache:
    cache = getattr(app_state, "tlog_tiles", None)
    if cache is None:
        cache = TileCache()
        app_state.tlog_tiles = cache
    return cache  # type: ignore[no-any-return]


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _problem(send: Send, err: QLError, path: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = orjson.dumps(err.problem(instance=path))
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    if isinstance(err.extra.get("retry_after"), int | float):
        headers.append((b"retry-after", str(max(1, int(err.extra["retry_after"]))).encode()))
    await _answer(send, err.status, [*headers, *CORS, *(extra or [])], body)


class Answered(QLError):
    """A problem the tlog service answered, passed on as it is."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem.get("detail") or problem.get("title") or status))
        self.status, self._problem = status, problem
        self.extra = {"retry_after": problem["retry_after"]} if "retry_after" in problem else {}

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        return {**self._problem, "instance": instance}


async def fetch(gw: Gateway, op: str, body: dict[str, Any], timeout: float = 5.0) -> rpc.RpcReply:
    """Call the tlog service; a problem it answers is raised as :class:`Answered`."""
    reply = await rpc.call(gw.nc, gw.settings, SERVICE, op, body, timeout=timeout)
    if reply.status >= 400:
        problem = reply.json() if reply.content_type.endswith("json") else None
        raise Answered(reply.status, problem if isinstance(problem, dict) else {"status": reply.status})
    return reply


async def _file(scope: Scope, gw: Gateway, rel: str) -> tuple[bytes, str, str, str]:
    """(body, etag, content type, cache control) of the file at ``rel`` under the log's prefix."""
    cache = tile_cache(scope["litestar_app"].state)  # type: ignore[typeddict-item]
    if rel == "checkpoint":
        kept_cp = cache.checkpoint
        if kept_cp is None or kept_cp[0] < time.monotonic():
            async with cache.refreshing:  # concurrent requests share one fetch
                kept_cp = cache.checkpoint
                if kept_cp is None or kept_cp[0] < time.monotonic():
                    reply = await fetch(gw, "log.checkpoint", {})
                    etag = reply.headers.get("ETag", "")
                    kept_cp = cache.checkpoint = (time.monotonic() + CHECKPOINT_TTL, reply.body, etag)
        return kept_cp[1], kept_cp[2], "text/plain; charset=utf-8", CHECKPOINT_CACHE
    if not rel.startswith("tile/"):
        raise NotFound("the log serves checkpoint, tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>]")
    try:
        tile: Tile = parse_tile_path(rel)
    except MerkleError as exc:
        raise BadRequest(str(exc)) from None
    kept = cache.get(rel)
    if kept is None:
        reply = await fetch(gw, "log.tile", {"level": tile.level, "index": tile.index, "width": tile.width})
        kept = (reply.body, reply.headers.get("ETag", ""))
        cache.put(rel, *kept)
    return kept[0], kept[1], "application/octet-stream", FULL_TILE_CACHE if tile.full else PARTIAL_TILE_CACHE


@asgi("/log", is_mount=True, copy_scope=True)
async def log_files(scope: Scope, receive: Receive, send: Send) -> None:
    """The log's checkpoint and tiles (C2SP tlog-checkpoint and tlog-tiles), public."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()  # type: ignore[assignment]
    path = raw.decode("latin-1")
    method = scope["method"]  # type: ignore[typeddict-item]  # mounted for HTTP only
    if method not in ("GET", "HEAD"):
        await _problem(send, MethodNotAllowed("the log is read with GET or HEAD"), path, [(b"allow", b"GET, HEAD")])
        return
    if len(path) > MAX_PATH or not path.startswith("/log/"):
        await _problem(send, NotFound("no such file in the log"), path[:MAX_PATH])
        return
    try:
        body, etag, ctype, cache_control = await _file(scope, scope["litestar_app"].state.gw, path[5:])  # type: ignore[typeddict-item]
    except QLError as err:
        await _problem(send, err, path)
        return
    common = [(b"etag", etag.encode()), (b"cache-control", cache_control.encode()), NOSNIFF, *CORS]
    inm = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
    if etag and inm is not None and if_none_match(inm.decode("latin-1"), etag):
        await _answer(send, 304, common, b"")
        return
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()), *common]
    await _answer(send, 200, headers, b"" if method == "HEAD" else body)
