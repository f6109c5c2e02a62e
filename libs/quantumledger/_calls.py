"""Operations declared once, run by a sync or an async transport.

Every API operation is a function that builds a :class:`Call` (method, path, body, how to read
the answer, whether a retry is safe). A resource class lists its operations with
:func:`endpoint` (one request) or :func:`paginated` (every page); the same class serves
:class:`~quantumledger.Client` and :class:`~quantumledger.AsyncClient`: on a ``Resource[Sync]``
an operation returns its result, on a ``Resource[Async]`` an awaitable of it. The transport does
the I/O (retries, following a 202, pages), so no operation is written twice.

Paths may hold ``{workspace}`` and ``{org}``: the transport fills them from the client's
configuration or from ``GET /api/v1/me`` (asked once per client).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload
from urllib.parse import quote

import httpx
import msgspec

if TYPE_CHECKING:
    from quantumledger._async import AsyncTransport
    from quantumledger._sync import SyncTransport

__all__ = [
    "SAFE_METHODS",
    "Async",
    "Call",
    "Endpoint",
    "Follow",
    "Page",
    "Paginated",
    "Resource",
    "Sink",
    "StreamCall",
    "Streamed",
    "Sync",
    "decoded",
    "empty",
    "endpoint",
    "json_value",
    "paginated",
    "seg",
    "streamed",
    "text",
]

T = TypeVar("T")
M = TypeVar("M")
P = ParamSpec("P")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class Sync:
    """Marks the resources of :class:`~quantumledger.Client`: operations return results."""


class Async:
    """Marks the resources of :class:`~quantumledger.AsyncClient`: operations return awaitables."""


@dataclass(frozen=True)
class Follow:
    """A long-running operation is followed: while ``done(body)`` is false (a 202 Accepted, or a
    job still pending), its ``Location`` is polled, honouring ``Retry-After``, for up to
    ``timeout`` seconds; the last answer is then read like any other."""

    done: Callable[[Any], bool]
    timeout: float


class Sink(Protocol):
    """Where a streamed answer's body goes, as it arrives (a file, a running check), instead of
    memory: ``start`` (again when a retry starts the body over), ``write`` each piece, then
    ``finish`` once the answer was read (``parse`` ran), or ``discard`` if it failed."""

    def start(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def finish(self) -> None: ...

    def discard(self) -> None: ...


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its answer.

    ``idempotent``: a retry after an answer that may come after the work was done (a 503, a
    lost connection) cannot do it twice. Safe methods are; a POST only when the API says so
    (ingest by ``run_hash``, publishing unchanged metadata...). 429s and connections refused
    are retried for every call: the server did nothing.

    ``sink``: a download (the evidence bundle: 38 MB for a large workspace) is written to it as
    it arrives, never held. ``then``: an operation of two requests (verify with the published
    keys, then stream the evidence into the check) is still declared once, for both clients.
    """

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, Any] | None = None
    body: Any = None  # JSON-encoded when not None
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool | None = None
    follow: Follow | None = None
    ok_statuses: frozenset[int] = frozenset()  # answers >= 400 that are results, not errors
    retries: bool = True  # False: never retried (a throttled login is reported at once, not waited out)
    sink: Sink | None = None  # the body is streamed into it; ``parse`` then reads the status and headers
    then: Callable[[T], Call[T] | None] | None = None  # a next request from this result (``None``: done)

    @property
    def retry_safe(self) -> bool:
        return self.method in SAFE_METHODS if self.idempotent is None else self.idempotent

    def at(self, url: str) -> Call[T]:
        """The same call on another URL (a page's ``next`` link carries its own query)."""
        return replace(self, path=url, params=None)


@dataclass(frozen=True)
class StreamCall(Generic[T]):
    """An NDJSON stream, sent in bounded chunks that are each an ordinary (retryable) request.

    Why chunks: an HTTP/1.1 client such as httpx sends the whole request body before it reads
    the answer, so on one unbounded stream no answer is read until every bundle is sent (32 s
    for 30,000 small bundles in bench/sdk_bench.py, against 0.4 s in chunks), and the answers
    wait in socket buffers meanwhile. Each chunk's answer lines are read as they arrive, a chunk
    is retried as a whole, and after a lost connection only its unanswered lines are sent again.
    """

    path: str
    lines: Iterable[bytes]
    parse: Callable[[int, bytes], T]  # (line number among all lines, one answer line) -> result
    chunk_lines: int = 256
    chunk_bytes: int = 4 * 1024 * 1024
    progress: bool | None = None  # a tqdm bar on stderr; None: when stderr is a terminal
    total: int | None = None
    idempotent: bool = True


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, most recent first, and where the next one is (``None``: the last)."""

    items: list[T]
    next_url: str | None = None
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def seg(value: str) -> str:
    """A path segment from caller input, percent-encoded (a ``/`` or ``..`` cannot change the route)."""
    if not value:
        raise ValueError("an id or slug cannot be empty")
    return quote(value, safe="")


def _describe(descriptor: Any, build: Callable[..., Any]) -> None:
    """Name, document and sign the operation as its ``build`` method is, without ``self`` and
    without the ``Call`` it returns (what ``help()`` and IDEs show)."""
    for name in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(descriptor, name, getattr(build, name, None))
    sig = inspect.signature(build)
    descriptor.__signature__ = sig.replace(
        parameters=list(sig.parameters.values())[1:], return_annotation=inspect.Signature.empty
    )


def _bind(descriptor: Any, run: Callable[..., Any]) -> Callable[..., Any]:
    """``run`` named and signed like the operation."""
    for name in ("__module__", "__name__", "__qualname__", "__doc__", "__signature__"):
        setattr(run, name, getattr(descriptor, name, None))
    return run


@functools.cache
def _decoder(tp: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp)


def decoded(tp: type[T] | Any) -> Callable[[httpx.Response], T]:
    """Read a JSON answer as ``tp`` (members the SDK does not know are ignored)."""
    dec = _decoder(tp)  # type: ignore[arg-type]
    return lambda r: dec.decode(r.content)  # type: ignore[no-any-return]


def json_value(r: httpx.Response) -> Any:
    """Any JSON answer, as Python values (for documents kept exactly as the server sent them)."""
    return msgspec.json.decode(r.content)


def text(r: httpx.Response) -> str:
    return r.text


def empty(_: httpx.Response) -> None:
    return None


class Resource(Generic[M]):
    """A group of operations; ``M`` is :class:`Sync` or :class:`Async`."""

    def __init__(self, transport: SyncTransport | AsyncTransport) -> None:
        self._transport = transport


class Endpoint(Generic[P, T]):
    """An operation of one request: ``build(resource, *args) -> Call``, run by the resource's transport."""

    def __init__(self, build: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.build = build
        _describe(self, build)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Endpoint[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Sync], owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Async], owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        build, transport = self.build, obj._transport

        def bound(*args: Any, **kwargs: Any) -> Any:
            return transport.execute(build(obj, *args, **kwargs))

        return _bind(self, bound)


class Paginated(Generic[P, T]):
    """An operation over every page: ``build`` makes the first page's call; ``next`` links follow."""

    def __init__(self, build: Callable[Concatenate[Any, P], Call[Page[T]]]) -> None:
        self.build = build
        _describe(self, build)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Paginated[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Sync], owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, obj: Resource[Async], owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        build, transport = self.build, obj._transport

        def bound(*args: Any, **kwargs: Any) -> Any:
            return transport.iterate(build(obj, *args, **kwargs))

        return _bind(self, bound)


class Streamed(Generic[P, T]):
    """An NDJSON operation: ``build`` makes the :class:`StreamCall`; results are yielded as they come."""

    def __init__(self, build: Callable[Concatenate[Any, P], StreamCall[T]]) -> None:
        self.build = build
        _describe(self, build)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Streamed[P, T]: ...
    @overload
    def __get__(self, obj: Resource[Sync], owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, obj: Resource[Async], owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: Resource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        build, transport = self.build, obj._transport

        def bound(*args: Any, **kwargs: Any) -> Any:
            return transport.stream(build(obj, *args, **kwargs))

        return _bind(self, bound)


def endpoint(build: Callable[Concatenate[Any, P], Call[T]]) -> Endpoint[P, T]:
    """Decorator: a method that returns a :class:`Call` becomes an operation."""
    return Endpoint(build)


def paginated(build: Callable[Concatenate[Any, P], Call[Page[T]]]) -> Paginated[P, T]:
    """Decorator: a method that returns the first page's :class:`Call` becomes an iterator of items."""
    return Paginated(build)


def streamed(build: Callable[Concatenate[Any, P], StreamCall[T]]) -> Streamed[P, T]:
    """Decorator: a method that returns a :class:`StreamCall` becomes an iterator of results."""
    return Streamed(build)
