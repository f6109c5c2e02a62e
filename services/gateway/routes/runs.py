"""Runs: ingest (single and NDJSON streaming), list, fetch."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import orjson
import structlog
from litestar import Controller, Request, Response, asgi, get, post
from litestar.params import Parameter
from litestar.types import Receive, Scope, Send
from qlcore import rpc
from qlcore.errors import MethodNotAllowed, PayloadTooLarge, QLError

from services.gateway.deps import forward, gw_of, plan_of, principal_of, require_quota, require_scope
from services.gateway.domain.errors import PlanLimitReached
from services.gateway.validation import NDJSON_MEDIA, require_media

__all__ = ["RunsController", "ingest_stream"]

log = structlog.get_logger("gateway.runs")

RUN_CACHE_CONTROL = "private, no-cache"  # immutable, but access is checked again on every revalidation
STREAM_WORKERS = 4  # batches in flight per stream
STREAM_BATCH = 16  # lines a batch at most (ingest takes up to services.ingest.handlers.MAX_BATCH)
STREAM_BATCH_BYTES = 2 * 1024 * 1024  # and at most this much (a single larger line goes alone)


class RunsController(Controller):
    path = "/api/v1"
    tags = ["runs"]

    @post(
        "/ingest/runs",
        operation_id="ingestRun",
        summary="Ingest a run bundle (idempotent by run_hash)",
        status_code=201,
    )
    async def ingest(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        p = await principal_of(request)
        require_scope(p, "runs:write")
        await require_quota(request, p, "runs_per_month")
        limit = gw_of(request).settings.max_bundle_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"bundle of {declared} bytes exceeds the limit of {limit} bytes", limit=limit)
        body = await request.body()
        require_media(request)  # the ingest service parses the bundle (strict I-JSON, storable)
        return await forward(request, "ingest", "runs.ingest", body, p)

    @get("/runs", operation_id="listRuns", summary="List runs in your workspace, most recent first")
    async def list_runs(
        self,
        request: Request[Any, Any, Any],
        limit: int = Parameter(default=50, ge=1, le=200),
        cursor: str | None = None,
        backend: str | None = Parameter(default=None, description="provider/name, e.g. ibm/ibm_kyiv"),
        status: str | None = None,
        program: str | None = Parameter(default=None, description="the program's name, exactly"),
        since: str | None = Parameter(default=None, description="created at or after: a date or RFC 3339 time"),
        until: str | None = Parameter(default=None, description="created before: a date (inclusive) or RFC 3339"),
        q: str | None = Parameter(default=None, description="prefix of the run id, run hash or program name"),
        kind: str | None = Parameter(
            default=None,
            description="experiments (default: every run but the simulated reproductions), original (reproduces"
            " nothing), reproduction (reproduces a run), simulated (the simulated reproductions, e.g. drift"
            " simulations) or all",
        ),
    ) -> Response[bytes]:
        p = await principal_of(request)
        require_scope(p, "runs:read")
        query: dict[str, Any] = {"limit": limit, "cursor": cursor, "backend": backend, "status": status}
        query |= {"program": program, "since": since, "until": until, "q": q, "kind": kind}
        resp = await forward(request, "provenance", "runs.list", {k: v for k, v in query.items() if v is not None}, p)
        nxt = resp.headers.pop("X-Next-Cursor", None) if resp.headers else None
        if nxt:
            params = {k: v for k, v in {**query, "cursor": nxt}.items() if v is not None}
            resp.headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
        return resp

    @get(
        "/runs/{run_id:str}",
        operation_id="getRun",
        summary="The full provenance document (qlprov/run/1.0); re-hashes to its run_hash",
    )
    async def get_run(self, request: Request[Any, Any, Any], run_id: str) -> Response[bytes]:
        """The provenance service checks the workspace and answers the document (from its copy in
        PostgreSQL, or from the run log before the copy is made: decision 0025).

        A run's document never changes: its ETag is its ``run_hash``, and a client that holds it
        revalidates with ``If-None-Match`` for an empty 304 (no document read at all)."""
        p = await principal_of(request)
        require_scope(p, "runs:read")
        ask = {"run_id": run_id, "if_none_match": request.headers.get("if-none-match")}
        resp = await forward(request, "provenance", "runs.get", ask, p)
        if resp.status_code in (200, 304):
            resp.headers["Cache-Control"] = RUN_CACHE_CONTROL
        return resp


@asgi("/api/v1/ingest/runs:stream", copy_scope=False)
async def ingest_stream(scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /api/v1/ingest/runs:stream``: NDJSON in, NDJSON out, one result line per bundle as it is
    acknowledged (``{"line": n, ...}`` or ``{"line": n, "error": problem}``).

    A raw ASGI handler: the response is written while the request body is still being read, which
    litestar's streaming response does not allow (it listens on ``receive`` for disconnects).
    The size limit applies to each line, never to the stream.
    """
    request: Request[Any, Any, Any] = Request(scope, receive)
    try:
        if scope.get("method") != "POST":
            raise MethodNotAllowed("use POST")
        p = await principal_of(request)
        require_scope(p, "runs:write")
        require_media(request, NDJSON_MEDIA)
        used = await require_quota(request, p, "runs_per_month")
    except QLError as err:
        await _send_problem(send, err.problem(instance=scope["path"]), err.status)
        return
    gw = gw_of(request)
    ctx = gw.ctx(p)
    limit = gw.settings.max_bundle_bytes
    quota = plan_of(request, p).limit("runs_per_month")
    admitted = 0
    queued: deque[tuple[int, bytes]] = deque()  # admitted lines not yet sent to ingest
    changed = asyncio.Condition()  # queued grew or shrank, or the request body ended
    ended = False
    gone = asyncio.Event()  # the client stopped reading: stop sending to ingest
    sending = asyncio.Lock()  # ASGI sends from the reader and the workers, one at a time
    max_bytes = min(STREAM_BATCH_BYTES, gw.nc.max_payload // 2)  # a request must fit in a NATS message

    async def write(body: bytes) -> None:
        async with sending:
            await send({"type": "http.response.body", "body": body, "more_body": True})

    async def worker() -> None:
        """Send what is queued to ingest as one batch (up to STREAM_BATCH lines), again and again.

        While ``STREAM_WORKERS`` batches are in flight, lines queue up: under load batches grow, and
        a trickle goes one line at a time without waiting for more."""
        while True:
            async with changed:
                await changed.wait_for(lambda: bool(queued) or ended or gone.is_set())
                if gone.is_set() or not queued:
                    return
                batch = [queued.popleft()]
                size = len(batch[0][1])
                while queued and len(batch) < STREAM_BATCH and size + len(queued[0][1]) <= max_bytes:
                    size += len(queued[0][1])
                    batch.append(queued.popleft())
                changed.notify_all()
            try:
                out = await _ingest_batch(gw, ctx, batch)
            except Exception:  # every line still gets its answer
                log.exception("ingest_stream.batch_failed", lines=len(batch))
                problem = QLError("unexpected error; see the gateway log").problem()
                out = b"".join(_line({"line": n, "error": problem}) for n, _ in batch)
            try:
                await write(out)
            except Exception:  # the client went away: the reader must not wait for workers that stopped
                async with changed:
                    gone.set()
                    changed.notify_all()
                return

    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/x-ndjson"), (b"cache-control", b"no-store")],
        }
    )
    workers = [asyncio.create_task(worker()) for _ in range(STREAM_WORKERS)]
    try:
        async for line_no, line in _lines(receive, limit):
            try:
                if line is None:
                    raise PayloadTooLarge(f"line exceeds the limit of {limit} bytes", limit=limit)
                if quota is not None and used + admitted >= quota:  # the plan's monthly runs are used up
                    raise PlanLimitReached("runs_per_month", p.plan, quota, used + admitted)
            except QLError as err:
                await write(_line({"line": line_no, "error": err.problem()}))
                continue
            admitted += 1
            async with changed:  # back-pressure: read no further ahead than the workers can take
                await changed.wait_for(lambda: len(queued) < STREAM_WORKERS * STREAM_BATCH or gone.is_set())
                if gone.is_set():
                    break
                queued.append((line_no, line))
                changed.notify_all()
    finally:
        async with changed:
            ended = True
            changed.notify_all()
        await asyncio.gather(*workers)
    if not gone.is_set():
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _ingest_batch(gw: Any, ctx: rpc.RpcContext, batch: list[tuple[int, bytes]]) -> bytes:
    """Ingest a batch of lines with one request; one NDJSON result line per input line."""
    try:
        reply = await rpc.call(gw.nc, gw.settings, "ingest", "runs.ingest_many", b"\n".join(b for _, b in batch), ctx)
        if reply.status >= 400:
            problem = orjson.loads(reply.body)
            return b"".join(_line({"line": n, "error": problem}) for n, _ in batch)
        results = orjson.loads(reply.body)
    except QLError as err:
        return b"".join(_line({"line": n, "error": err.problem()}) for n, _ in batch)
    return b"".join(
        _line({"line": n, **r["result"]} if "result" in r else {"line": n, "error": r["error"]})
        for (n, _), r in zip(batch, results, strict=True)
    )


def _line(out: dict[str, Any]) -> bytes:
    return orjson.dumps(out) + b"\n"


async def _send_problem(send: Send, problem: dict[str, Any], status: int) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/problem+json")]}
    )
    await send({"type": "http.response.body", "body": orjson.dumps(problem), "more_body": False})


async def _receive_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body = message.get("body", b"")
        yield body if isinstance(body, bytes) else b""
        if not message.get("more_body", False):
            return


async def _lines(receive: Receive, limit: int) -> AsyncIterator[tuple[int, bytes | None]]:
    """Split the request body into lines; a line over ``limit`` yields ``None`` (and is skipped)."""
    buf = bytearray()
    n = 0
    oversized = False
    async for chunk in _receive_chunks(receive):
        buf += chunk
        while True:
            i = buf.find(b"\n")
            if i < 0:
                if len(buf) > limit:
                    oversized = True
                    buf.clear()
                break
            line = bytes(buf[:i]).strip()
            del buf[: i + 1]
            if oversized:
                n += 1
                oversized = False
                yield n, None
            elif line:
                n += 1
                yield n, (line if len(line) <= limit else None)
    tail = bytes(buf).strip()
    if oversized:
        yield n + 1, None
    elif tail:
        yield n + 1, (tail if len(tail) <= limit else None)
