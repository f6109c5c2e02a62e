"""The asyncio transport behind :class:`~quantumledger.AsyncClient`: ``_sync`` line for line,
with ``await`` (keep the two in step)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx

from quantumledger._calls import Call, Page, Sink, StreamCall, decoded, empty
from quantumledger._transport import (
    ME,
    NDJSON,
    Identity,
    Me,
    RetryPolicy,
    chunks,
    fill_identity,
    line_number,
    problem_error,
    to_request,
)
from quantumledger.errors import ConnectionFailedError, WaitTimeoutError, retry_after_seconds

__all__ = ["AsyncTransport"]

T = TypeVar("T")
_sleep = asyncio.sleep  # tests replace it
POLL_MAX_S = 5.0


class AsyncTransport:
    def __init__(self, http: httpx.AsyncClient, retry: RetryPolicy, ident: Identity) -> None:
        self.http, self.retry, self.ident = http, retry, ident

    async def close(self) -> None:
        await self.http.aclose()

    async def _identity(self, call: Call[T]) -> Call[T]:
        if self.ident.missing(call.path):
            parsed: Me = decoded(Me)(await self.send(ME))
            self.ident.workspace = self.ident.workspace or str(parsed.workspace["id"])
            self.ident.org = self.ident.org or str(parsed.org["id"])
        return fill_identity(call, self.ident)

    async def send(self, call: Call[Any]) -> httpx.Response:
        """One call with retries; an answer >= 400 is raised as its typed error."""
        attempt = 0
        while True:
            try:
                r = await self.http.send(to_request(self.http, call))
            except httpx.TransportError as exc:
                delay = self.retry.after_error(call, exc, attempt)
                if delay is None:
                    raise ConnectionFailedError(f"{call.method} {self.http.base_url}{call.path}: {exc!r}") from exc
            else:
                if r.status_code < 400 or r.status_code in call.ok_statuses:
                    return r
                err = problem_error(r)
                delay = self.retry.after_status(call, r.status_code, err.retry_after, attempt)
                if delay is None:
                    raise err
            await _sleep(delay)
            attempt += 1

    async def execute(self, call: Call[T]) -> T:
        call = await self._identity(call)
        if call.sink is not None:
            result = await self._download(call, call.sink)
        else:
            r = await self.send(call)
            if call.follow is not None and r.status_code in (200, 202) and not call.follow.done(r.json()):
                r = await self._follow(call, r)
            result = call.parse(r)
        following = call.then(result) if call.then is not None else None
        return result if following is None else await self.execute(following)

    async def _download(self, call: Call[T], sink: Sink) -> T:
        """The answer's body streamed into ``sink``, with the retries of :meth:`send` (a retry
        starts the body over); ``sink`` is discarded unless the answer was read to its end."""
        attempt, done = 0, False
        try:
            while True:
                try:
                    r = await self.http.send(to_request(self.http, call), stream=True)
                    try:
                        if r.status_code < 400 or r.status_code in call.ok_statuses:
                            sink.start()
                            async for data in r.aiter_bytes():
                                sink.write(data)
                            result = call.parse(r)
                            sink.finish()
                            done = True
                            return result
                        await r.aread()
                    finally:
                        await r.aclose()
                    err = problem_error(r)
                    delay = self.retry.after_status(call, r.status_code, err.retry_after, attempt)
                    if delay is None:
                        raise err
                except httpx.TransportError as exc:
                    delay = self.retry.after_error(call, exc, attempt)
                    if delay is None:
                        raise ConnectionFailedError(f"{call.method} {self.http.base_url}{call.path}: {exc!r}") from exc
                await _sleep(delay)
                attempt += 1
        finally:
            if not done:
                sink.discard()

    async def _follow(self, call: Call[Any], r: httpx.Response) -> httpx.Response:
        assert call.follow is not None
        deadline = time.monotonic() + call.follow.timeout
        while not call.follow.done(r.json()):
            location = r.headers.get("location") or r.json().get("location")
            wait = min(retry_after_seconds(r.headers.get("retry-after")) or 1.0, POLL_MAX_S)
            if not location or time.monotonic() + wait > deadline:
                raise WaitTimeoutError(f"still running after {call.follow.timeout:g} s: {location}", call.parse(r))
            await _sleep(wait)
            r = await self.send(Call("GET", location, parse=call.parse))
        return r

    async def iterate(self, call: Call[Page[T]]) -> AsyncIterator[T]:
        page = await self.execute(call)
        for item in page.items:
            yield item
        while page.next_url:
            page = await self.execute(call.at(page.next_url))
            for item in page.items:
                yield item

    async def stream(self, call: StreamCall[T]) -> AsyncIterator[T]:
        from tqdm import tqdm

        show = call.progress if call.progress is not None else sys.stderr.isatty()
        with tqdm(total=call.total, unit="run", file=sys.stderr, disable=not show, dynamic_ncols=True) as bar:
            for chunk in chunks(call.lines, call.chunk_lines, call.chunk_bytes):
                async for result in self._chunk(call, dict(chunk)):
                    bar.update(1)
                    yield result

    async def _chunk(self, call: StreamCall[T], pending: dict[int, bytes]) -> AsyncIterator[T]:
        """One chunk; after a lost connection only the lines not yet answered go again."""
        post: Call[None] = Call("POST", call.path, parse=empty, headers=NDJSON, idempotent=call.idempotent)
        attempt = 0
        while pending:
            numbers = list(pending)
            body = b"".join(pending[n] + b"\n" for n in numbers)
            try:
                async with self.http.stream("POST", call.path, content=body, headers=NDJSON) as r:
                    if r.status_code >= 400:
                        await r.aread()
                        err = problem_error(r)
                        delay = self.retry.after_status(post, r.status_code, err.retry_after, attempt)
                        if delay is None:
                            raise err
                    else:
                        async for line in r.aiter_lines():
                            if line.strip():
                                n = numbers[line_number(line) - 1]
                                pending.pop(n, None)
                                yield call.parse(n, line.encode())
                        if pending:  # the answer ended early: send the rest again
                            raise httpx.RemoteProtocolError("the stream ended before every line was answered")
                        return
            except httpx.TransportError as exc:
                delay = self.retry.after_error(post, exc, attempt)
                if delay is None:
                    raise ConnectionFailedError(f"POST {self.http.base_url}{call.path}: {exc!r}") from exc
            await _sleep(delay)
            attempt += 1
