"""``Client`` and ``AsyncClient``: the whole API of the ledger from Python.

    from quantumledger import Client

    with Client() as ql:                              # QL_URL and QL_TOKEN, `ql login`, or make run's dev key
        run = ql.ingest(bundle)                       # IngestResult(run_id=..., run_hash=..., deduplicated=False)
        card = ql.cards.publish(run.run_id, authors=["Ada Lovelace"])
        job = ql.runs.reproduce(run.run_id, days=90, profile="bad_day", wait=True)

Operations are grouped as the API reference groups them: ``runs``, ``reproductions``, ``cards``,
``leaderboard``, ``frameworks``, ``compliance``, ``attestations``, ``auth``, ``keys``, ``members``; ``me``,
``health``, ``ingest`` and ``ingest_stream`` are also on the client itself. ``AsyncClient`` has
the same names; its operations are awaited (lists and streams are async iterators).

Results are msgspec Structs (``quantumledger.models``); failures are typed errors built from the
server's problem documents (``quantumledger.errors``). 429 and refused connections are retried
for every call, 502/503/504 and lost connections for idempotent ones, with backoff and
``Retry-After`` (``RetryPolicy``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version

import httpx

from quantumledger._async import AsyncTransport
from quantumledger._calls import Async, Sync
from quantumledger._sync import SyncTransport
from quantumledger._transport import Identity, RetryPolicy
from quantumledger.config import default_base_url, resolve_api_key
from quantumledger.models import Health, IngestResult, Me, StreamResult
from quantumledger.resources import (
    Attestations,
    Auth,
    Bundle,
    Cards,
    Compliance,
    Frameworks,
    Keys,
    LeaderboardResource,
    Members,
    Reproductions,
    Runs,
    System,
)

__all__ = ["AsyncClient", "Client", "RetryPolicy"]


def _user_agent() -> str:
    try:
        return f"quantumledger-python/{version('quantumledger')}"
    except PackageNotFoundError:
        return "quantumledger-python"


def _options(
    base_url: str | None, api_key: str | None, workspace: str | None, org: str | None
) -> tuple[str, dict[str, str], Identity]:
    url = base_url.rstrip("/") if base_url else default_base_url()
    key = resolve_api_key(url)[0] if api_key is None else api_key  # "": explicitly none
    headers = {"User-Agent": _user_agent(), "Accept": "application/json, application/problem+json;q=0.9, */*;q=0.1"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return url, headers, Identity(workspace=workspace, org=org)


class Client:
    """A blocking client. ``base_url`` and ``api_key`` default to the environment (see
    ``quantumledger.config``; ``api_key=""`` sends no credential, for public reads);
    ``workspace``/``org`` default to the caller's own. ``transport`` is any
    ``httpx`` transport (tests pass ``httpx.MockTransport``)."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        workspace: str | None = None,
        org: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url, headers, ident = _options(base_url, api_key, workspace, org)
        self.base_url = url
        http = httpx.Client(base_url=url, headers=headers, timeout=timeout, transport=transport)
        self._transport = SyncTransport(http, retry or RetryPolicy(), ident)
        t = self._transport
        self.runs = Runs[Sync](t)
        self.reproductions = Reproductions[Sync](t)
        self.cards = Cards[Sync](t)
        self.leaderboard = LeaderboardResource[Sync](t)
        self.frameworks = Frameworks[Sync](t)
        self.compliance = Compliance[Sync](t)
        self.attestations = Attestations[Sync](t)
        self.auth = Auth[Sync](t)
        self.keys = Keys[Sync](t)
        self.members = Members[Sync](t)
        self._system = System[Sync](t)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def me(self) -> Me:
        """The authenticated principal: account, org, workspace, role, plan and scopes."""
        return self._system.me()

    def health(self) -> Health:
        """``up``, ``degraded`` or ``down`` (a 503 with ``down`` is returned, not raised)."""
        return self._system.health()

    def ingest(self, bundle: Bundle) -> IngestResult:
        """Ingest one bundle (idempotent by ``run_hash``); see ``runs.ingest``."""
        return self.runs.ingest(bundle)

    def ingest_stream(
        self,
        bundles: Iterable[Bundle],
        *,
        progress: bool | None = None,
        total: int | None = None,
        chunk_size: int = 256,
    ) -> Iterator[StreamResult]:
        """Ingest many bundles over NDJSON with a progress bar; see ``runs.ingest_stream``."""
        return self.runs.ingest_stream(bundles, progress=progress, total=total, chunk_size=chunk_size)


class AsyncClient:
    """The asyncio client: the same operations as :class:`Client`, awaited."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        workspace: str | None = None,
        org: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url, headers, ident = _options(base_url, api_key, workspace, org)
        self.base_url = url
        http = httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout, transport=transport)
        self._transport = AsyncTransport(http, retry or RetryPolicy(), ident)
        t = self._transport
        self.runs = Runs[Async](t)
        self.reproductions = Reproductions[Async](t)
        self.cards = Cards[Async](t)
        self.leaderboard = LeaderboardResource[Async](t)
        self.frameworks = Frameworks[Async](t)
        self.compliance = Compliance[Async](t)
        self.attestations = Attestations[Async](t)
        self.auth = Auth[Async](t)
        self.keys = Keys[Async](t)
        self.members = Members[Async](t)
        self._system = System[Async](t)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.close()

    async def me(self) -> Me:
        return await self._system.me()

    async def health(self) -> Health:
        return await self._system.health()

    async def ingest(self, bundle: Bundle) -> IngestResult:
        return await self.runs.ingest(bundle)

    def ingest_stream(
        self,
        bundles: Iterable[Bundle],
        *,
        progress: bool | None = None,
        total: int | None = None,
        chunk_size: int = 256,
    ) -> AsyncIterator[StreamResult]:
        return self.runs.ingest_stream(bundles, progress=progress, total=total, chunk_size=chunk_size)
