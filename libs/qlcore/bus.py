"""JetStream wiring: connect, ensure the run log stream, append events.

Every event goes to ``{namespace}.log.{type}`` on one stream (the run log). Appends carry
``Nats-Msg-Id`` when the caller has a natural idempotency key, so JetStream drops a
duplicate within its de-duplication window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import nats
import structlog
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from qlcore.busauth import nats_options
from qlcore.config import Settings
from qlcore.events.envelope import Event
from qlcore.events.registry import encode_event

__all__ = [
    "HDR_RUN_HASH",
    "HDR_RUN_ID",
    "HDR_TYPE",
    "HDR_VERSION",
    "HDR_WORKSPACE",
    "Appended",
    "Bus",
    "connect",
    "connect_nats",
]

log = structlog.get_logger("qlcore.bus")

HDR_TYPE = "Ql-Event-Type"
HDR_VERSION = "Ql-Event-Version"
HDR_WORKSPACE = "Ql-Workspace"
HDR_RUN_ID = "Ql-Run-Id"
HDR_RUN_HASH = "Ql-Run-Hash"


@dataclass(frozen=True)
class Appended:
    seq: int
    duplicate: bool


class Bus:
    """A NATS connection with the run log's JetStream context."""

    def __init__(self, nc: NATS, settings: Settings) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.settings = settings

    async def ensure_stream(self) -> None:
        """Create the run log stream if missing (idempotent; never changes retention).

        The de-duplication window follows ``settings.dedup_window_s``: ingest relies on it being
        the one the stream has (``services.ingest``, decision 0012)."""
        s = self.settings
        cfg = StreamConfig(
            name=s.stream,
            subjects=self._subjects(),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.NEW,
            duplicate_window=s.dedup_window_s,
            max_msg_size=-1,
            num_replicas=s.stream_replicas,
            allow_direct=True,  # read models fetch documents back by sequence (qlcore.runlog)
        )
        try:
            info = await self.js.stream_info(s.stream)
        except NotFoundError:
            await self.js.add_stream(cfg)
            return
        missing = [x for x in self._subjects() if x not in (info.config.subjects or [])]
        window_changed = info.config.duplicate_window != s.dedup_window_s
        if not info.config.allow_direct or missing or window_changed:  # an older version's log, or a new window
            subjects = [*(info.config.subjects or []), *missing]
            await self.js.update_stream(
                replace(info.config, allow_direct=True, subjects=subjects, duplicate_window=s.dedup_window_s)
            )

    def _subjects(self) -> list[str]:
        s = self.settings
        return [f"{s.log_subject_prefix}.>", f"{s.document_subject_prefix}.>"]

    def subject_for(self, event: Event) -> str:
        suffix = event.subject_suffix
        return f"{self.settings.log_subject_prefix}.{event.type}" + (f".{suffix}" if suffix else "")

    async def append(self, event: Event, *, msg_id: str | None = None, timeout: float = 5.0) -> Appended:
        """Append one event to the run log and wait for JetStream's ack."""
        headers = {
            HDR_TYPE: event.type,
            HDR_VERSION: str(event.schema_version),
            "Ql-Event-Id": event.event_id,
            "Ql-Correlation-Id": event.correlation_id,
        }
        if event.workspace_id:
            headers[HDR_WORKSPACE] = event.workspace_id
        run_id = getattr(event, "run_id", None)
        if run_id:
            headers[HDR_RUN_ID] = str(run_id)
        if msg_id:
            headers["Nats-Msg-Id"] = msg_id
        ack = await self.js.publish(
            self.subject_for(event),
            encode_event(event),
            timeout=timeout,
            stream=self.settings.stream,
            headers=headers,
        )
        return Appended(seq=ack.seq, duplicate=bool(ack.duplicate))

    async def append_document(
        self, body: bytes, *, run_id: str, run_hash: str, msg_id: str | None = None, timeout: float = 5.0
    ) -> Appended:
        """Append a whole run document (canonical bytes) to the log; ``run.ingested`` points at its sequence.

        A duplicate within the de-duplication window is not stored again: its ack carries the
        sequence of the first copy.
        """
        headers = {HDR_RUN_ID: run_id, HDR_RUN_HASH: run_hash}
        if msg_id:
            headers["Nats-Msg-Id"] = msg_id
        ack = await self.js.publish(
            self.settings.document_subject, body, timeout=timeout, stream=self.settings.stream, headers=headers
        )
        return Appended(seq=ack.seq, duplicate=bool(ack.duplicate))

    async def last_event_seq(self) -> int:
        """The sequence of the log's last event (0 if none): what a caught-up projection has applied.

        Not the stream's last sequence, which may be a document whose event is not appended yet.
        Asked of the stream leader, not any replica (a direct get): a replica that lags would
        answer an older end, and ingest decides on this figure whether its claims have seen every
        ``run.ingested`` (``services.ingest.domain.claims``).
        """
        try:
            msg = await self.js.get_msg(self.settings.stream, subject=f"{self.settings.log_subject_prefix}.>")
        except NotFoundError:
            return 0
        return int(msg.seq or 0)

    async def close(self) -> None:
        if not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5)
            except (TimeoutError, nats.errors.ConnectionClosedError):
                await self.nc.close()


def _error_logger(user: str, options: dict[str, Any]) -> Callable[[Exception], Awaitable[None]]:
    """Refusals are alerts. A denied subject: a permission set that misses a need, or a process that
    tries what it must not (``qlcore.busauth.permissions``); the server keeps the connection. A
    refused credential: the process keeps retrying (a server being re-keyed), and says why."""

    async def on_error(exc: Exception) -> None:
        text = str(exc).lower()
        if "permissions violation" in text:
            log.error("bus.permission_denied", alert=True, user=user, error=str(exc))
        elif "authorization violation" in text:
            seed = options.get("nkeys_seed") or "no credential"
            log.error("bus.credential_refused", alert=True, user=user, credential=seed)
        else:
            log.warning("bus.error", error=repr(exc))

    return on_error


async def connect_nats(settings: Settings, name: str, *, user: str | None = None, **options: Any) -> NATS:
    """A NATS connection as ``user`` (default: ``name``, the service's own user), with that user's
    credential and inbox prefix (``qlcore.busauth.client``); ``options`` go to ``nats.connect``."""
    servers = [u.strip() for u in settings.nats_url.split(",") if u.strip()]  # a cluster: several URLs
    credentials = nats_options(settings, user or name)
    kwargs: dict[str, Any] = {
        "name": name,
        "connect_timeout": 5,
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "allow_reconnect": True,
        "error_cb": _error_logger(user or name, credentials),
        **credentials,
        **options,
    }
    nc = NATS()

    async def disconnected() -> None:
        if not (nc.is_closed or nc.is_draining):  # lost, not closed: it reconnects
            log.warning("bus.disconnected", user=user or name)

    async def reconnected() -> None:
        log.info("bus.reconnected", user=user or name, server=str(nc.connected_url.netloc if nc.connected_url else ""))

    kwargs.setdefault("disconnected_cb", disconnected)
    kwargs.setdefault("reconnected_cb", reconnected)
    await nc.connect(servers, **kwargs)
    return nc


async def connect(settings: Settings, name: str, *, user: str | None = None) -> Bus:
    """Connect to NATS as ``user`` (default ``name``; retrying while the server starts) and ensure
    the run log exists."""
    bus = Bus(await connect_nats(settings, name, user=user), settings)
    await bus.ensure_stream()
    return bus
