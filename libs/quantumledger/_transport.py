"""What the sync and the async transport share: building requests, reading problems, the retry
policy, identity placeholders and NDJSON chunking. Pure: the I/O loops are in ``_sync`` and
``_async``, each a short mirror of the other.

Retries follow what the widely used HTTP SDKs do (Stripe's, OpenAI's, Google's): a small number
of attempts with exponential backoff and full jitter, ``Retry-After`` honoured when the server
sends it (never sleeping longer than ``max_retry_after`` silently: a longer wait raises), and a
retry only where it cannot do the work twice: 429 and refused connections for every call, 502,
503, 504 and lost connections only for idempotent calls (a 503 may come after the work was done).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec
import orjson

from quantumledger._calls import Call, seg
from quantumledger.errors import APIError, error_for, retry_after_seconds

__all__ = [
    "ME",
    "NDJSON",
    "Identity",
    "Me",
    "RetryPolicy",
    "bundle_line",
    "chunks",
    "fill_identity",
    "line_number",
    "problem_error",
    "to_request",
]

T = TypeVar("T")
NDJSON = {"Content-Type": "application/x-ndjson"}
RETRY_ANY = frozenset({429})
RETRY_IDEMPOTENT = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``max_retries=0`` turns retries off."""

    max_retries: int = 3
    backoff: float = 0.5  # seconds before the first retry; doubles each time (full jitter)
    max_backoff: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After is raised, not slept through

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * (2**attempt)))

    def after_status(self, call: Call[Any], status: int, retry_after: float | None, attempt: int) -> float | None:
        """Seconds to wait before retrying an answer with ``status``, or ``None``: do not retry."""
        if attempt >= self.max_retries or not call.retries:
            return None
        if status not in RETRY_ANY and not (status in RETRY_IDEMPOTENT and call.retry_safe):
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self._backoff(attempt)

    def after_error(self, call: Call[Any], exc: httpx.TransportError, attempt: int) -> float | None:
        """Seconds to wait before retrying after a transport error, or ``None``."""
        if attempt >= self.max_retries or not call.retries:
            return None
        refused = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        return self._backoff(attempt) if refused or call.retry_safe else None


@dataclass
class Identity:
    """The caller's workspace and org ids, for paths that name them (``{workspace}``, ``{org}``)."""

    workspace: str | None = None
    org: str | None = None

    def missing(self, path: str) -> bool:
        return ("{workspace}" in path and self.workspace is None) or ("{org}" in path and self.org is None)


class Me(msgspec.Struct):
    org: dict[str, Any]
    workspace: dict[str, Any]


ME: Call[httpx.Response] = Call("GET", "/api/v1/me", parse=lambda r: r)


def fill_identity(call: Call[T], ident: Identity) -> Call[T]:
    path = call.path
    if "{workspace}" in path and ident.workspace is not None:
        path = path.replace("{workspace}", seg(ident.workspace))
    if "{org}" in path and ident.org is not None:
        path = path.replace("{org}", seg(ident.org))
    return call if path == call.path else replace(call, path=path)


def to_request(http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
    headers = dict(call.headers)
    content = call.content
    if call.body is not None:
        content = msgspec.json.encode(call.body)
        headers.setdefault("Content-Type", "application/json")
    params = {k: v for k, v in (call.params or {}).items() if v is not None}
    return http.build_request(call.method, call.path, params=params or None, content=content, headers=headers)


def problem_error(r: httpx.Response) -> APIError:
    """The typed error of an answer >= 400, from its problem document (or what there is)."""
    problem: dict[str, Any] | None = None
    if r.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
        try:
            parsed = orjson.loads(r.content)
            problem = parsed if isinstance(parsed, dict) else None
        except orjson.JSONDecodeError:
            problem = None
    if problem is None:
        problem = {"title": r.reason_phrase or "Error", "status": r.status_code, "detail": r.text[:500] or None}
    return error_for(r.status_code, problem, retry_after=retry_after_seconds(r.headers.get("retry-after")))


def bundle_line(bundle: Mapping[str, Any] | bytes | str | Path) -> bytes:
    """One bundle as one NDJSON line. JSON has newlines only between tokens, so they become
    spaces; an empty bundle becomes ``null`` (the server answers it with a problem) so that
    line numbers stay aligned with the bundles given."""
    if isinstance(bundle, Path):
        data = bundle.read_bytes()
    elif isinstance(bundle, str):
        data = bundle.encode()
    elif isinstance(bundle, bytes):
        data = bundle
    else:
        data = orjson.dumps(bundle)
    data = data.replace(b"\r\n", b" ").replace(b"\n", b" ").replace(b"\r", b" ").strip()
    return data or b"null"


class _Line(msgspec.Struct):
    line: int


def line_number(answer: str | bytes) -> int:
    """The 1-based line number (within its request) an NDJSON answer line is about."""
    return msgspec.json.decode(answer, type=_Line).line


def chunks(lines: Iterable[bytes], max_lines: int, max_bytes: int) -> Iterator[list[tuple[int, bytes]]]:
    """``(global line number, line)`` in chunks of at most ``max_lines`` and about ``max_bytes``."""
    chunk: list[tuple[int, bytes]] = []
    size = 0
    for n, line in enumerate(lines, start=1):
        if chunk and (len(chunk) >= max_lines or size + len(line) > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append((n, line))
        size += len(line) + 1
    if chunk:
        yield chunk
