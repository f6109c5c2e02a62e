"""The blocking transport behind :class:`~quantumledger.Client` (``_async`` mirrors it)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
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

__all__ = ["SyncTransport"]

T = TypeVar("T")
_sleep = time.sleep  # tests replace it
POLL_MAX_S = 5.0


class SyncTransport:
    def __init__(self, http: httpx.Client, retry: RetryPolicy, ident: Identity) -> None:
        self.http, self.retry, self.ident = http, retry, ident

    def close(self) -> None:
        self.http.close()

    def _identity(self, call: Call[T]) -> Call[T]:
        if self.ident.missing(call.path):
            parsed: Me = decoded(Me)(self.send(ME))
            self.ident.workspace = self.ident.workspace or str(parsed.workspace["id"])
            self.ident.org = self.ident.org or str(parsed.org["id"])
        return fill_identity(call, self.ident)

    def send(self, call: Call[Any]) -> httpx.Response:
        """One call with retries; an answer >= 400 is raised as its typed error."""
        attempt = 0
        while True:
            try:
                r = self.http.send(to_request(self.http, call))
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
            _sleep(delay)
            attempt += 1

    def execute(self, call: Call[T]) -> T:
        call = self._identity(call)
        if call.sink is not None:
            result = self._download(call, call.sink)
        else:
            r = self.send(call)
            if call.follow is not None and r.status_code in (200, 202) and not call.follow.done(r.json()):
                r = self._follow(call, r)
            result = call.parse(r)
        following = call.then(result) if call.then is not None else None
        return result if following is None else self.execute(following)

    def _download(self, call: Call[T], sink: Sink) -> T:
        """The answer's body streamed into ``sink``, with the retries of :meth:`send` (a retry
        starts the body over); ``sink`` is discarded unless the answer was read to its end."""
        attempt, done = 0, False
        try:
            while True:
                try:
                    r = self.http.send(to_request(self.http, call), stream=True)
                    try:
                        if r.status_code < 400 or r.status_code in call.ok_statuses:
                            sink.start()
                            for data in r.iter_bytes():
                                sink.write(data)
                            result = call.parse(r)
                            sink.finish()
                            done = True
                            return result
                        r.read()
                    finally:
                        r.close()
                    err = problem_error(r)
                    delay = self.retry.after_status(call, r.status_code, err.retry_after, attempt)
                    if delay is None:
                        raise err
                except httpx.TransportError as exc:
                    delay = self.retry.after_error(call, exc, attempt)
                    if delay is None:
                        raise ConnectionFailedError(f"{call.method} {self.http.base_url}{call.path}: {exc!r}") from exc
                _sleep(delay)
                attempt += 1
        finally:
            if not done:
                sink.discard()

    def _follow(self, call: Call[Any], r: httpx.Response) -> httpx.Response:
        assert call.follow is not None
        deadline = time.monotonic() + call.follow.timeout
        while not call.follow.done(r.json()):
            location = r.headers.get("location") or r.json().get("location")
            wait = min(retry_after_seconds(r.headers.get("retry-after")) or 1.0, POLL_MAX_S)
            if not location or time.monotonic() + wait > deadline:
                raise WaitTimeoutError(f"still running after {call.follow.timeout:g} s: {location}", call.parse(r))
            _sleep(wait)
            r = self.send(Call("GET", location, parse=call.parse))
        return r

    def iterate(self, call: Call[Page[T]]) -> Iterator[T]:
        page = self.execute(call)
        yield from page.items
        while page.next_url:
            page = self.execute(call.at(page.next_url))
            yield from page.items

    def stream(self, call: StreamCall[T]) -> Iterator[T]:
        from tqdm import tqdm

        show = call.progress if call.progress is not None else sys.stderr.isatty()
        with tqdm(total=call.total, unit="run", file=sys.stderr, disable=not show, dynamic_ncols=True) as bar:
            for chunk in chunks(call.lines, call.chunk_lines, call.chunk_bytes):
                for result in self._chunk(call, dict(chunk)):
                    bar.update(1)
                    yield result

    def _chunk(self, call: StreamCall[T], pending: dict[int, bytes]) -> Iterator[T]:
        """One chunk; after a lost connection only the lines not yet answered go again."""
        post: Call[None] = Call("POST", call.path, parse=empty, headers=NDJSON, idempotent=call.idempotent)
        attempt = 0
        while pending:
            numbers = list(pending)
            body = b"".join(pending[n] + b"\n" for n in numbers)
            try:
                with self.http.stream("POST", call.path, content=body, headers=NDJSON) as r:
                    if r.status_code >= 400:
                        r.read()
                        err = problem_error(r)
                        delay = self.retry.after_status(post, r.status_code, err.retry_after, attempt)
                        if delay is None:
                            raise err
                    else:
                        for line in r.iter_lines():
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
            _sleep(delay)
            attempt += 1
